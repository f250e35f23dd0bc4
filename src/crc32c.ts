/**
 * CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
 * Slicing-by-32 over 32-bit words for large inputs, slicing-by-16 over bytes otherwise; the
 * thirty-two 256-entry tables (32 KiB) are built when the module loads (well under a millisecond).
 * Check value: crc32c("123456789") === 0xE3069283.
 */

const POLY = 0x82f63b78;
const LITTLE_ENDIAN = /* @__PURE__ */ new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/** From this many bytes on, reading 32-bit words (through one typed-array view per call) pays off. */
const WORDS_FROM = 256;

function buildTables(): Int32Array {
  const t = new Int32Array(32 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 32; k++) {
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
  const n = bytes.length;
  if (LITTLE_ENDIAN && n >= WORDS_FROM) return wordsImpl(bytes, n, seed);
  return rangeImpl(bytes, 0, n, seed);
}

/**
 * The table lives in a function scope, as a `const`: bundlers turn module-level `const` into
 * `var`, and a table the engine cannot treat as constant costs a bounds check on each of the
 * 32 lookups per step (about a third of the throughput).
 */
const [rangeImpl, TABLE] = /* @__PURE__ */ (() => {
  const t = buildTables();
  /** Slicing-by-16 over bytes, any alignment, no allocation. */
  function range(bytes: Uint8Array, start: number, end: number, seed: number): number {
    // Kept as a signed 32-bit integer throughout (Int32Array table, no `>>> 0` in the loops), so
    // that the engine never boxes it as a double.
    let crc = ~seed | 0;
    let i = start;
    const fast = end - ((end - start) & 15);
    while (i < fast) {
      const w =
        crc ^
        ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
      crc =
        (t[3840 + (w & 0xff)] as number) ^
        (t[3584 + ((w >>> 8) & 0xff)] as number) ^
        (t[3328 + ((w >>> 16) & 0xff)] as number) ^
        (t[3072 + (w >>> 24)] as number) ^
        (t[2816 + (bytes[i + 4] as number)] as number) ^
        (t[2560 + (bytes[i + 5] as number)] as number) ^
        (t[2304 + (bytes[i + 6] as number)] as number) ^
        (t[2048 + (bytes[i + 7] as number)] as number) ^
        (t[1792 + (bytes[i + 8] as number)] as number) ^
        (t[1536 + (bytes[i + 9] as number)] as number) ^
        (t[1280 + (bytes[i + 10] as number)] as number) ^
        (t[1024 + (bytes[i + 11] as number)] as number) ^
        (t[768 + (bytes[i + 12] as number)] as number) ^
        (t[512 + (bytes[i + 13] as number)] as number) ^
        (t[256 + (bytes[i + 14] as number)] as number) ^
        (t[bytes[i + 15] as number] as number);
      i += 16;
    }
    while (i < end) {
      crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
      i++;
    }
    return ~crc >>> 0;
  }
  return [range, t] as const;
})();

/**
 * The word-at-a-time loop in a scope of its own, over the same table: only {@link crc32c}
 * uses it, so a bundle that only decodes (which checks headers with {@link crc32cRange}) leaves it out.
 */
const wordsImpl = /* @__PURE__ */ (() => {
  const t = TABLE;
  /** Little-endian only: the aligned middle of the input read as 32-bit words, 32 bytes a step. */
  function words(bytes: Uint8Array, n: number, seed: number): number {
    let crc = ~seed | 0;
    let i = 0;
    const offset = bytes.byteOffset;
    while (((offset + i) & 3) !== 0) {
      crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
      i++;
    }
    const count = ((n - i) >>> 5) << 3;
    const w = new Int32Array(bytes.buffer, offset + i, count);
    for (let k = 0; k < count; k += 8) {
      const w0 = crc ^ (w[k] as number);
      const w1 = w[k + 1] as number;
      const w2 = w[k + 2] as number;
      const w3 = w[k + 3] as number;
      const w4 = w[k + 4] as number;
      const w5 = w[k + 5] as number;
      const w6 = w[k + 6] as number;
      const w7 = w[k + 7] as number;
      crc =
        (t[7936 + (w0 & 0xff)] as number) ^
        (t[7680 + ((w0 >>> 8) & 0xff)] as number) ^
        (t[7424 + ((w0 >>> 16) & 0xff)] as number) ^
        (t[7168 + (w0 >>> 24)] as number) ^
        (t[6912 + (w1 & 0xff)] as number) ^
        (t[6656 + ((w1 >>> 8) & 0xff)] as number) ^
        (t[6400 + ((w1 >>> 16) & 0xff)] as number) ^
        (t[6144 + (w1 >>> 24)] as number) ^
        (t[5888 + (w2 & 0xff)] as number) ^
        (t[5632 + ((w2 >>> 8) & 0xff)] as number) ^
        (t[5376 + ((w2 >>> 16) & 0xff)] as number) ^
        (t[5120 + (w2 >>> 24)] as number) ^
        (t[4864 + (w3 & 0xff)] as number) ^
        (t[4608 + ((w3 >>> 8) & 0xff)] as number) ^
        (t[4352 + ((w3 >>> 16) & 0xff)] as number) ^
        (t[4096 + (w3 >>> 24)] as number) ^
        (t[3840 + (w4 & 0xff)] as number) ^
        (t[3584 + ((w4 >>> 8) & 0xff)] as number) ^
        (t[3328 + ((w4 >>> 16) & 0xff)] as number) ^
        (t[3072 + (w4 >>> 24)] as number) ^
        (t[2816 + (w5 & 0xff)] as number) ^
        (t[2560 + ((w5 >>> 8) & 0xff)] as number) ^
        (t[2304 + ((w5 >>> 16) & 0xff)] as number) ^
        (t[2048 + (w5 >>> 24)] as number) ^
        (t[1792 + (w6 & 0xff)] as number) ^
        (t[1536 + ((w6 >>> 8) & 0xff)] as number) ^
        (t[1280 + ((w6 >>> 16) & 0xff)] as number) ^
        (t[1024 + (w6 >>> 24)] as number) ^
        (t[768 + (w7 & 0xff)] as number) ^
        (t[512 + ((w7 >>> 8) & 0xff)] as number) ^
        (t[256 + ((w7 >>> 16) & 0xff)] as number) ^
        (t[w7 >>> 24] as number);
    }
    i += count * 4;
    while (i < n) {
      crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
      i++;
    }
    return ~crc >>> 0;
  }
  return words;
})();

/**
 * @internal CRC-32C of `bytes[start, end)`, continuing from `seed`; never allocates (the
 * encoders use it on the caller's buffer).
 */
export function crc32cRange(bytes: Uint8Array, start: number, end: number, seed = 0): number {
  return rangeImpl(bytes, start, end, seed);
}
