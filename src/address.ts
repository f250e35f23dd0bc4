/**
 * Strict IPv4/IPv6 text ↔ bytes. No leading zeros in IPv4 octets (they would read as octal
 * elsewhere), no zone ids, at most one `::`, exactly 128 bits. Output is canonical: dotted-quad
 * for IPv4 and RFC 5952 for IPv6 (lowercase, longest zero run compressed, `::ffff:a.b.c.d` for
 * IPv4-mapped addresses).
 */

/**
 * Parses dotted-quad IPv4 text in `s[start, end)`. Returns the address as an unsigned 32-bit
 * number, or -1 when it is not strictly valid.
 */
export function parseIPv4(s: string, start = 0, end = s.length): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (i < end) {
    const first = s.charCodeAt(i);
    if (first < 0x30 || first > 0x39) return -1;
    let octet = first - 0x30;
    i++;
    if (octet === 0) {
      // "0" alone is an octet; "01" is not.
    } else {
      for (let digits = 1; i < end && digits < 3; digits++) {
        const c = s.charCodeAt(i);
        if (c < 0x30 || c > 0x39) break;
        octet = octet * 10 + (c - 0x30);
        i++;
      }
      if (octet > 255) return -1;
    }
    value = value * 256 + octet;
    octets++;
    if (octets === 4) return i === end ? value : -1;
    if (i >= end || s.charCodeAt(i) !== 0x2e) return -1;
    i++;
  }
  return -1;
}

/**
 * {@link parseIPv4} writing the 4 bytes at `out[at]` instead of returning a number (which, above
 * 2^31, the engine may have to box). Returns false, writing nothing, when not strictly valid.
 */
export function parseIPv4Into(s: string, out: Uint8Array, at: number): boolean {
  const end = s.length;
  let i = 0;
  let o0 = 0;
  let o1 = 0;
  let o2 = 0;
  for (let k = 0; k < 4; k++) {
    if (i >= end) return false;
    const first = s.charCodeAt(i) - 0x30;
    if (first < 0 || first > 9) return false;
    let octet = first;
    i++;
    if (octet !== 0) {
      for (let digits = 1; i < end && digits < 3; digits++) {
        const d = s.charCodeAt(i) - 0x30;
        if (d < 0 || d > 9) break;
        octet = octet * 10 + d;
        i++;
      }
      if (octet > 255) return false;
    }
    if (k === 3) {
      if (i !== end) return false;
      out[at] = o0;
      out[at + 1] = o1;
      out[at + 2] = o2;
      out[at + 3] = octet;
      return true;
    }
    if (k === 0) o0 = octet;
    else if (k === 1) o1 = octet;
    else o2 = octet;
    if (i >= end || s.charCodeAt(i) !== 0x2e) return false;
    i++;
  }
  return false;
}

/** {@link parseIPv4} over the bytes `b[start, end)` (ASCII text). */
export function parseIPv4Bytes(b: Uint8Array, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (i < end) {
    const first = b[i] as number;
    if (first < 0x30 || first > 0x39) return -1;
    let octet = first - 0x30;
    i++;
    if (octet !== 0) {
      for (let digits = 1; i < end && digits < 3; digits++) {
        const c = b[i] as number;
        if (c < 0x30 || c > 0x39) break;
        octet = octet * 10 + (c - 0x30);
        i++;
      }
      if (octet > 255) return -1;
    }
    value = value * 256 + octet;
    octets++;
    if (octets === 4) return i === end ? value : -1;
    if (i >= end || b[i] !== 0x2e) return -1;
    i++;
  }
  return -1;
}

/** Longest IPv6 text: six groups of four digits and a dotted-quad tail. */
const IPV6_MAX_TEXT = 45;

/** Value of a hex digit by character code (0..255), -1 for anything else. */
const HEX_VALUE: Int8Array = /* @__PURE__ */ (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) {
    t[0x61 + c] = 10 + c;
    t[0x41 + c] = 10 + c;
  }
  return t;
})();

/**
 * Parses IPv6 text in `s[start, end)` into 16 bytes at `out[offset]`. Accepts 1–4 hex digits per
 * group, upper or lower case, at most one `::`, and (when `allowDottedQuad`) an IPv4 tail as in
 * `::ffff:192.0.2.1`. Returns false when the text is not strictly valid.
 */
export function parseIPv6(s: string, out: Uint8Array, offset = 0, start = 0, end = s.length, allowDottedQuad = true): boolean {
  if (end - start > IPV6_MAX_TEXT || end - start < 2) return false;
  // The same grammar as parseIPv6Bytes, over character codes (anything above 0xff is invalid).
  let count = 0;
  let gap = -1;
  let i = start;
  if (s.charCodeAt(i) === 0x3a) {
    if (s.charCodeAt(i + 1) !== 0x3a) return false;
    gap = 0;
    i += 2;
    if (i === end) return fillIPv6(count, gap, out, offset);
  }
  for (;;) {
    let value = 0;
    const groupStart = i;
    while (i < end) {
      // Arithmetic rather than a table: measured faster here, and it needs no range check on c.
      const c = s.charCodeAt(i);
      let h = c - 0x30;
      if (h > 9) {
        h = (c | 0x20) - 0x57; // 'a'..'f' and 'A'..'F' → 10..15
        if (h < 10 || h > 15) break;
      } else if (h < 0) break;
      value = (value << 4) | h;
      i++;
    }
    const digits = i - groupStart;
    if (digits > 4) return false;
    if (i < end && s.charCodeAt(i) === 0x2e) {
      if (!allowDottedQuad || count > 6) return false;
      const v4 = parseIPv4(s, groupStart, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (digits === 0) return false;
    if (count === 8) return false;
    groups[count++] = value;
    if (i === end) break;
    if (s.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false;
    }
  }
  return fillIPv6(count, gap, out, offset);
}

const groups = new Uint16Array(8);

/** {@link parseIPv6} over the bytes `b[start, end)` (ASCII text). */
export function parseIPv6Bytes(b: Uint8Array, start: number, end: number, out: Uint8Array, offset = 0, allowDottedQuad = true): boolean {
  let count = 0;
  let gap = -1; // index in `groups` where "::" stands
  let i = start;
  if (end - start < 2) return false;
  if (b[i] === 0x3a) {
    if (b[i + 1] !== 0x3a) return false;
    gap = 0;
    i += 2;
    if (i === end) return fillIPv6(count, gap, out, offset);
  }
  for (;;) {
    // One group, or a dotted-quad tail.
    let value = 0;
    const groupStart = i;
    while (i < end) {
      const h = HEX_VALUE[b[i] as number] as number;
      if (h < 0) break;
      value = (value << 4) | h;
      i++;
    }
    const digits = i - groupStart;
    if (digits > 4) return false;
    if (i < end && b[i] === 0x2e) {
      if (!allowDottedQuad || count > 6) return false;
      const v4 = parseIPv4Bytes(b, groupStart, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (digits === 0) return false;
    if (count === 8) return false; // a ninth group
    groups[count++] = value;
    if (i === end) break;
    if (b[i] !== 0x3a) return false;
    i++;
    if (i < end && b[i] === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // trailing single colon
    }
  }
  return fillIPv6(count, gap, out, offset);
}

function fillIPv6(count: number, gap: number, out: Uint8Array, offset: number): boolean {
  if (gap < 0 ? count !== 8 : count > 7) return false;
  const zeros = 8 - count;
  let g = 0;
  for (let slot = 0; slot < 8; slot++) {
    let v = 0;
    if (gap >= 0 && slot >= gap && slot < gap + zeros) v = 0;
    else v = groups[g++] as number;
    out[offset + slot * 2] = v >>> 8;
    out[offset + slot * 2 + 1] = v & 0xff;
  }
  return true;
}

/** Decimal text of 0..255, and hex text of 0..255 without and with a leading zero. */
const DEC: readonly string[] = /* @__PURE__ */ Array.from({ length: 256 }, (_, n) => String(n));
const HEX: readonly string[] = /* @__PURE__ */ Array.from({ length: 256 }, (_, n) => n.toString(16));
const HEX2: readonly string[] = /* @__PURE__ */ Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

const quadText = /* @__PURE__ */ new Uint8Array(15);

/** Dotted-quad text of the 4 bytes at `bytes[offset]`. */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return dottedQuadString(quadText, 0, writeIPv4Text(bytes, offset, quadText, 0));
}

/**
 * @internal The string of the 7 to 15 character codes `b[at, at + n)` (a dotted quad), made in
 * one fixed-arity `String.fromCharCode` call: no intermediate strings.
 */
export function dottedQuadString(b: Uint8Array, at: number, n: number): string {
  const f = String.fromCharCode;
  // One case per length, each a call of fixed arity (measured 2.5x a loop and 6x `apply`).
  // biome-ignore format: one line per length reads better than 120 lines of arguments
  switch (n) {
    case 7: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!);
    case 8: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    case 9: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!);
    case 10: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!);
    case 11: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!);
    case 12: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!);
    case 13: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!);
    case 14: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!);
    default: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!);
  }
}

/** Dotted-quad text of an address held as an unsigned 32-bit number (as {@link parseIPv4} returns). */
export function formatIPv4Number(v: number): string {
  return `${DEC[v >>> 24]}.${DEC[(v >>> 16) & 0xff]}.${DEC[(v >>> 8) & 0xff]}.${DEC[v & 0xff]}`;
}

/** RFC 5952 text of the 16 bytes at `bytes[offset]`. */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const g0 = ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 §5).
  let mapped = g0 === 0;
  for (let k = 2; mapped && k < 10; k++) if (bytes[offset + k] !== 0) mapped = false;
  if (mapped && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff) {
    return `::ffff:${formatIPv4(bytes, offset + 12)}`;
  }
  // Longest run of two or more zero groups; the first one wins a tie.
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let slot = 0; slot <= 8; slot++) {
    const zero = slot < 8 && bytes[offset + slot * 2] === 0 && bytes[offset + slot * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = slot;
    } else if (runStart >= 0) {
      if (slot - runStart > bestLength) {
        bestStart = runStart;
        bestLength = slot - runStart;
      }
      runStart = -1;
    }
  }
  let text = '';
  for (let slot = 0; slot < 8; slot++) {
    if (slot === bestStart) {
      text += slot === 0 ? '::' : ':';
      slot += bestLength - 1;
      continue;
    }
    const hi = bytes[offset + slot * 2] as number;
    const lo = bytes[offset + slot * 2 + 1] as number;
    text += hi === 0 ? (HEX[lo] as string) : (HEX[hi] as string) + (HEX2[lo] as string);
    if (slot < 7) text += ':';
  }
  return text;
}

/** IPv4 text → 4 bytes, or `undefined` when not strictly valid. */
export function ipv4ToBytes(address: string): Uint8Array | undefined {
  const v = parseIPv4(address);
  if (v < 0) return undefined;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** IPv6 text → 16 bytes, or `undefined` when not strictly valid. */
export function ipv6ToBytes(address: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  return parseIPv6(address, out) ? out : undefined;
}

/** `4` or `6` for strictly valid IPv4/IPv6 text, `0` otherwise (like `net.isIP`, but strict). */
export function ipVersion(address: string): 0 | 4 | 6 {
  if (parseIPv4(address) >= 0) return 4;
  return parseIPv6(address, new Uint8Array(16)) ? 6 : 0;
}

/** The canonical text of an address: dotted-quad or RFC 5952. Throws nothing; returns undefined if invalid. */
export function canonicalAddress(address: string): string | undefined {
  if (parseIPv4(address) >= 0) return address;
  const bytes = ipv6ToBytes(address);
  return bytes === undefined ? undefined : formatIPv6(bytes);
}

// ---------------------------------------------------------------------------------------------
// Canonical text written straight into bytes (the encoders use these: no intermediate string).

/** Writes the decimal text of `n` (0..65535) at `out[at]`; returns the index after it. */
export function writeDecimal(n: number, out: Uint8Array, at: number): number {
  if (n >= 10000) out[at++] = 0x30 + ((n / 10000) | 0);
  if (n >= 1000) out[at++] = 0x30 + (((n / 1000) | 0) % 10);
  if (n >= 100) out[at++] = 0x30 + (((n / 100) | 0) % 10);
  if (n >= 10) out[at++] = 0x30 + (((n / 10) | 0) % 10);
  out[at] = 0x30 + (n % 10);
  return at + 1;
}

/** Writes the dotted-quad text of the 4 bytes at `bytes[offset]` at `out[at]`; returns the index after it. */
export function writeIPv4Text(bytes: Uint8Array, offset: number, out: Uint8Array, at: number): number {
  at = writeDecimal(bytes[offset] as number, out, at);
  out[at++] = 0x2e;
  at = writeDecimal(bytes[offset + 1] as number, out, at);
  out[at++] = 0x2e;
  at = writeDecimal(bytes[offset + 2] as number, out, at);
  out[at++] = 0x2e;
  return writeDecimal(bytes[offset + 3] as number, out, at);
}

function hexDigit(n: number): number {
  return n < 10 ? 0x30 + n : 0x57 + n;
}

/** Writes the RFC 5952 text of the 16 bytes at `bytes[offset]` at `out[at]` (as {@link formatIPv6}); returns the index after it. */
export function writeIPv6Text(bytes: Uint8Array, offset: number, out: Uint8Array, at: number): number {
  let mapped = bytes[offset] === 0 && bytes[offset + 1] === 0;
  for (let k = 2; mapped && k < 10; k++) if (bytes[offset + k] !== 0) mapped = false;
  if (mapped && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff) {
    out[at] = 0x3a;
    out[at + 1] = 0x3a;
    out[at + 2] = 0x66;
    out[at + 3] = 0x66;
    out[at + 4] = 0x66;
    out[at + 5] = 0x66;
    out[at + 6] = 0x3a;
    return writeIPv4Text(bytes, offset + 12, out, at + 7);
  }
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let slot = 0; slot <= 8; slot++) {
    const zero = slot < 8 && bytes[offset + slot * 2] === 0 && bytes[offset + slot * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = slot;
    } else if (runStart >= 0) {
      if (slot - runStart > bestLength) {
        bestStart = runStart;
        bestLength = slot - runStart;
      }
      runStart = -1;
    }
  }
  for (let slot = 0; slot < 8; slot++) {
    if (slot === bestStart) {
      out[at++] = 0x3a;
      if (slot === 0) out[at++] = 0x3a;
      slot += bestLength - 1;
      continue;
    }
    const hi = bytes[offset + slot * 2] as number;
    const lo = bytes[offset + slot * 2 + 1] as number;
    if (hi >= 0x10) out[at++] = hexDigit(hi >>> 4);
    if (hi !== 0) out[at++] = hexDigit(hi & 15);
    if (hi !== 0 || lo >= 0x10) out[at++] = hexDigit(lo >>> 4);
    out[at++] = hexDigit(lo & 15);
    if (slot < 7) out[at++] = 0x3a;
  }
  return at;
}
