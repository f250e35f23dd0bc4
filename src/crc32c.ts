/**
 * CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
 * Slicing-by-8 over eight 256-entry tables (8 KiB), built on first use.
 * Check value: crc32c("123456789") === 0xE3069283.
 */

const POLY = 0x82f63b78;
let tables: Int32Array | undefined;
const LITTLE_ENDIAN = /* @__PURE__ */ new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * CRC-32C of `bytes`. Pass a previous result as `seed` to continue a checksum over several
 * chunks: `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`.
 */
export function crc32c(bytes: Uint8Array, seed = 0): number {
  const t = tables ?? (tables = buildTables());
  // Kept as a signed 32-bit integer throughout (Int32Array table, no `>>> 0` in the loops), so
  // that the engine never boxes it as a double.
  let crc = ~seed | 0;
  let i = 0;
  const n = bytes.length;
  if (LITTLE_ENDIAN && n >= 64) {
    // Align to 4 bytes, then read the input as 32-bit words: two loads per 8 bytes instead of eight.
    const offset = bytes.byteOffset;
    while (((offset + i) & 3) !== 0) {
      crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
      i++;
    }
    const pairs = (n - i) >>> 3;
    const words = new Int32Array(bytes.buffer, offset + i, pairs * 2);
    for (let k = 0; k < words.length; k += 2) {
      const lo = crc ^ (words[k] as number);
      const hi = words[k + 1] as number;
      crc =
        (t[1792 + (lo & 0xff)] as number) ^
        (t[1536 + ((lo >>> 8) & 0xff)] as number) ^
        (t[1280 + ((lo >>> 16) & 0xff)] as number) ^
        (t[1024 + (lo >>> 24)] as number) ^
        (t[768 + (hi & 0xff)] as number) ^
        (t[512 + ((hi >>> 8) & 0xff)] as number) ^
        (t[256 + ((hi >>> 16) & 0xff)] as number) ^
        (t[hi >>> 24] as number);
    }
    i += pairs * 8;
  } else {
    const fast = n - (n & 7);
    while (i < fast) {
      const lo = crc ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
      crc =
        (t[1792 + (lo & 0xff)] as number) ^
        (t[1536 + ((lo >>> 8) & 0xff)] as number) ^
        (t[1280 + ((lo >>> 16) & 0xff)] as number) ^
        (t[1024 + (lo >>> 24)] as number) ^
        (t[768 + (bytes[i + 4] as number)] as number) ^
        (t[512 + (bytes[i + 5] as number)] as number) ^
        (t[256 + (bytes[i + 6] as number)] as number) ^
        (t[bytes[i + 7] as number] as number);
      i += 8;
    }
  }
  while (i < n) {
    crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}
