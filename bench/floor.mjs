// The floor: minimal hand-written PROXY protocol code, one straight path per case. It produces
// the same things our library does (address strings, ports, TLV views, a verified CRC32C) but
// validates only what it needs to find its way through the bytes, never canonicalises, and
// has no options or error reporting. Nothing real should ship this; it shows what is left for
// a library to lose.

const SIG = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a);

// ---------------------------------------------------------------------------------------------
// CRC32C, one byte at a time: the textbook table loop. Also the baseline of the CRC benchmark.

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32cByteLoop(bytes, start = 0, end = bytes.length) {
  let crc = -1;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Decoding

function latin1(b, start, end) {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

function digits(b, start, end) {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 10 + (b[i] - 0x30);
  return v;
}

/** v1 TCP4/TCP6: `PROXY TCPx a b p q\r\n`. Addresses are returned as sent. */
export function decodeV1(b) {
  if (b[0] !== 0x50 || b[1] !== 0x52 || b[2] !== 0x4f || b[3] !== 0x58 || b[4] !== 0x59 || b[5] !== 0x20) return null;
  const n = b.length;
  let i = 11;
  const s0 = i;
  while (i < n && b[i] !== 0x20) i++;
  const s1 = i++;
  while (i < n && b[i] !== 0x20) i++;
  const s2 = i++;
  while (i < n && b[i] !== 0x20) i++;
  const s3 = i++;
  while (i < n && b[i] !== 0x0d) i++;
  const cr = i;
  if (b[cr + 1] !== 0x0a) return null;
  return {
    source: { address: latin1(b, s0, s1), port: digits(b, s2 + 1, s3) },
    destination: { address: latin1(b, s1 + 1, s2), port: digits(b, s3 + 1, cr) },
    length: cr + 2,
  };
}

function ipv4(b, at) {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 text of 16 bytes: longest zero run compressed, lowercase (no IPv4-mapped form). */
function ipv6(b, at) {
  let bestStart = -1;
  let bestLen = 1;
  let run = 0;
  for (let g = 0; g < 8; g++) {
    if (b[at + 2 * g] === 0 && b[at + 2 * g + 1] === 0) {
      run++;
      if (run > bestLen) {
        bestLen = run;
        bestStart = g - run + 1;
      }
    } else run = 0;
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += g === 0 ? '::' : ':';
      g += bestLen - 1;
      continue;
    }
    s += ((b[at + 2 * g] << 8) | b[at + 2 * g + 1]).toString(16);
    if (g < 7) s += ':';
  }
  return s;
}

const utf8 = new TextDecoder();

function path(b, at) {
  let end = at;
  while (end < at + 108 && b[end] !== 0) end++;
  return utf8.decode(b.subarray(at, end));
}

function tlvs(b, start, end) {
  const list = [];
  let i = start;
  while (i + 3 <= end) {
    const len = (b[i + 1] << 8) | b[i + 2];
    list.push({ type: b[i], value: b.subarray(i + 3, i + 3 + len) });
    i += 3 + len;
  }
  return list;
}

/** v2, any family. TLVs are split, an SSL TLV's sub-TLVs too, and a CRC32C TLV is verified. */
export function decodeV2(b) {
  for (let i = 0; i < 12; i++) if (b[i] !== SIG[i]) return null;
  const fam = b[13];
  const total = 16 + ((b[14] << 8) | b[15]);
  if (b.length < total) return null;
  let source = null;
  let destination = null;
  let block = 0;
  if ((b[12] & 0x0f) === 1) {
    if (fam >>> 4 === 1) {
      source = { address: ipv4(b, 16), port: (b[24] << 8) | b[25] };
      destination = { address: ipv4(b, 20), port: (b[26] << 8) | b[27] };
      block = 12;
    } else if (fam >>> 4 === 2) {
      source = { address: ipv6(b, 16), port: (b[48] << 8) | b[49] };
      destination = { address: ipv6(b, 32), port: (b[50] << 8) | b[51] };
      block = 36;
    } else if (fam >>> 4 === 3) {
      source = { path: path(b, 16) };
      destination = { path: path(b, 124) };
      block = 216;
    }
  }
  const list = block + 16 < total ? tlvs(b, 16 + block, total) : [];
  for (let k = 0; k < list.length; k++) {
    const t = list[k];
    if (t.type === 0x20) t.sub = tlvs(t.value, 5, t.value.length);
    else if (t.type === 0x03) {
      const at = t.value.byteOffset - b.byteOffset;
      const stored = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
      b[at] = b[at + 1] = b[at + 2] = b[at + 3] = 0;
      const crc = crc32cByteLoop(b, 0, total);
      b[at] = stored >>> 24;
      b[at + 1] = (stored >>> 16) & 0xff;
      b[at + 2] = (stored >>> 8) & 0xff;
      b[at + 3] = stored & 0xff;
      if (crc !== stored) return null;
    }
  }
  return { command: b[12] & 0x0f ? 'proxy' : 'local', source, destination, tlvs: list, length: total };
}

// ---------------------------------------------------------------------------------------------
// Encoding

function writeIPv4(s, out, at) {
  let octet = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      out[at++] = octet;
      octet = 0;
    } else octet = octet * 10 + (c - 0x30);
  }
  out[at] = octet;
}

function hex(c) {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

const groups = new Uint16Array(8);

/** Hex groups with at most one `::` (no dotted-quad tail). */
function writeIPv6(s, out, at) {
  let count = 0;
  let gap = -1;
  let v = 0;
  let have = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) {
      if (have) groups[count++] = v;
      else if (i > 0) gap = count;
      v = 0;
      have = false;
    } else {
      v = (v << 4) | hex(c);
      have = true;
    }
  }
  if (have) groups[count++] = v;
  const zeros = 8 - count;
  let g = 0;
  for (let slot = 0; slot < 8; slot++) {
    const x = gap >= 0 && slot >= gap && slot < gap + zeros ? 0 : groups[g++];
    out[at + 2 * slot] = x >>> 8;
    out[at + 2 * slot + 1] = x & 0xff;
  }
}

const utf8Encoder = new TextEncoder();

function writeTlvs(list, out, at) {
  for (let k = 0; k < list.length; k++) {
    const v = list[k].value;
    out[at] = list[k].type;
    out[at + 1] = v.length >>> 8;
    out[at + 2] = v.length & 0xff;
    out.set(v, at + 3);
    at += 3 + v.length;
  }
  return at;
}

function tlvLength(list) {
  let n = 0;
  for (let k = 0; k < list.length; k++) n += 3 + list[k].value.length;
  return n;
}

/** v2 length for `init` with the fields the cases use. */
export function lengthV2(init, crc) {
  const src = init.source;
  let block = 0;
  if (src) block = 'path' in src ? 216 : src.address.indexOf(':') >= 0 ? 36 : 12;
  return 16 + block + (crc ? 7 : 0) + (init.tlvs ? tlvLength(init.tlvs) : 0);
}

/** Writes a v2 header for `init` at `out[at]`; returns the bytes written. */
export function encodeV2Into(init, out, at, crc = false) {
  const start = at;
  out.set(SIG, at);
  const src = init.source;
  const dst = init.destination;
  let fam = 0;
  at += 16;
  if (src) {
    if ('path' in src) {
      fam = 0x31;
      out.fill(0, at, at + 216);
      utf8Encoder.encodeInto(src.path, out.subarray(at, at + 108));
      utf8Encoder.encodeInto(dst.path, out.subarray(at + 108, at + 216));
      at += 216;
    } else if (src.address.indexOf(':') >= 0) {
      fam = 0x21;
      writeIPv6(src.address, out, at);
      writeIPv6(dst.address, out, at + 16);
      out[at + 32] = src.port >>> 8;
      out[at + 33] = src.port & 0xff;
      out[at + 34] = dst.port >>> 8;
      out[at + 35] = dst.port & 0xff;
      at += 36;
    } else {
      fam = 0x11;
      writeIPv4(src.address, out, at);
      writeIPv4(dst.address, out, at + 4);
      out[at + 8] = src.port >>> 8;
      out[at + 9] = src.port & 0xff;
      out[at + 10] = dst.port >>> 8;
      out[at + 11] = dst.port & 0xff;
      at += 12;
    }
  }
  let crcAt = -1;
  if (crc) {
    out[at] = 0x03;
    out[at + 1] = 0;
    out[at + 2] = 4;
    crcAt = at + 3;
    out[crcAt] = out[crcAt + 1] = out[crcAt + 2] = out[crcAt + 3] = 0;
    at += 7;
  }
  if (init.tlvs) at = writeTlvs(init.tlvs, out, at);
  const len = at - start - 16;
  out[start + 12] = init.command === 'local' ? 0x20 : 0x21;
  out[start + 13] = fam;
  out[start + 14] = len >>> 8;
  out[start + 15] = len & 0xff;
  if (crcAt >= 0) {
    const c = crc32cByteLoop(out, start, at);
    out[crcAt] = c >>> 24;
    out[crcAt + 1] = (c >>> 16) & 0xff;
    out[crcAt + 2] = (c >>> 8) & 0xff;
    out[crcAt + 3] = c & 0xff;
  }
  return at - start;
}

export function encodeV2(init, crc = false) {
  const out = new Uint8Array(lengthV2(init, crc));
  encodeV2Into(init, out, 0, crc);
  return out;
}

function v1Line(init) {
  const src = init.source;
  const dst = init.destination;
  return `PROXY ${src.address.indexOf(':') >= 0 ? 'TCP6' : 'TCP4'} ${src.address} ${dst.address} ${src.port} ${dst.port}\r\n`;
}

/** Writes the v1 line for `init` at `out[at]`; returns the bytes written. */
export function encodeV1Into(init, out, at) {
  const line = v1Line(init);
  for (let i = 0; i < line.length; i++) out[at + i] = line.charCodeAt(i);
  return line.length;
}

export function encodeV1(init) {
  const line = v1Line(init);
  const out = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) out[i] = line.charCodeAt(i);
  return out;
}
