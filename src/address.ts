/**
 * The address and port grammar, in one place: one parser and one writer per family, over ASCII
 * character codes (the bytes of a v1 line, or the characters of a string to encode).
 *
 * Parsing is strict: no leading zeros in IPv4 octets (they would read as octal elsewhere), no
 * zone ids, at most one `::`, exactly 128 bits, ports without leading zeros. Writing is
 * canonical: dotted-quad for IPv4, RFC 5952 for IPv6 (lowercase, no leading zeros, the longest
 * run of two or more zero groups compressed, the first on a tie, `::ffff:a.b.c.d` for
 * IPv4-mapped addresses). Parsers stop at the first character that cannot continue the address
 * and return where they stopped, so that a caller scanning a line needs no second pass to find
 * the delimiter.
 */

/** Characters in, or bytes out: a typed array (the wire) or a small plain array (per call, no module state). */
type Codes = ArrayLike<number>;

/** Longest IPv6 text: six groups of four digits and a dotted-quad tail. */
export const IPV6_MAX_TEXT = 45;

/**
 * Parses a dotted quad starting at `src[start]`, reading no further than `end`. Returns the
 * index after the fourth octet, or -1 when there is no strict dotted quad there. With `out`,
 * the four bytes go to `out[at]`.
 */
export function parseIPv4(src: Codes, start: number, end: number, out: number[] | undefined, at: number): number {
  let i = start;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= end || src[i] !== 0x2e) return -1;
      i++;
    }
    if (i >= end) return -1;
    let octet = (src[i] as number) - 0x30;
    if (octet < 0 || octet > 9) return -1;
    i++;
    // "0" alone is an octet; "01" is not (the next character must then be a dot or the end).
    if (octet !== 0) {
      for (let digits = 1; digits < 3 && i < end; digits++) {
        const d = (src[i] as number) - 0x30;
        if (d < 0 || d > 9) break;
        octet = octet * 10 + d;
        i++;
      }
      if (octet > 255) return -1;
    }
    if (out !== undefined) out[at + k] = octet;
  }
  return i;
}

/**
 * Longest run of two or more zero groups, by the 8-bit mask of zero groups (bit k: group k is
 * zero): `length << 4 | start`, 0 when there is none. RFC 5952: the first run wins a tie.
 */
const ZERO_RUN: Uint8Array = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let mask = 0; mask < 256; mask++) {
    let best = 0;
    let bestStart = 0;
    for (let g = 0; g < 8; ) {
      if (((mask >> g) & 1) === 0) {
        g++;
        continue;
      }
      let e = g;
      while (e < 8 && ((mask >> e) & 1) === 1) e++;
      if (e - g > best) {
        best = e - g;
        bestStart = g;
      }
      g = e;
    }
    t[mask] = best >= 2 ? (best << 4) | bestStart : 0;
  }
  return t;
})();

/** Bit k set when group k of the 16 bytes at `b[at]` is zero. */
function zeroMask(b: Codes, at: number): number {
  let mask = 0;
  for (let g = 0; g < 8; g++) if (b[at + 2 * g] === 0 && b[at + 2 * g + 1] === 0) mask |= 1 << g;
  return mask;
}

/** Whether the 16 bytes at `b[at]` are an IPv4-mapped address (`::ffff:0:0/96`). */
function isMapped(b: Codes, at: number): boolean {
  for (let k = 0; k < 10; k++) if (b[at + k] !== 0) return false;
  return b[at + 10] === 0xff && b[at + 11] === 0xff;
}

/**
 * Parses IPv6 text starting at `src[start]`, reading no further than `end`, into 16 bytes at
 * `out[at]`. Accepts 1–4 hex digits per group, either case, at most one `::`, and (when
 * `dotted`) a dotted-quad tail as in `::ffff:192.0.2.1`. In the same pass it notes whether the
 * text is already the canonical one ({@link writeIPv6} would write it unchanged).
 *
 * Returns -1 when there is no valid address there, else `stop << 1 | canonical`, where `stop`
 * is the index after the address.
 */
export function parseIPv6(src: Codes, start: number, end: number, out: number[], at: number, dotted: boolean): number {
  let i = start;
  let count = 0; // groups so far (a dotted tail counts two)
  let gap = -1; // group index where "::" stands
  let canonical = 1;
  let tail = false;
  if (i < end && src[i] === 0x3a) {
    if (i + 1 >= end || src[i + 1] !== 0x3a) return -1;
    gap = 0;
    i += 2;
  }
  for (;;) {
    const groupStart = i;
    let value = 0;
    while (i < end) {
      const c = src[i] as number;
      let h = c - 0x30;
      if (h > 9) {
        h = (c | 0x20) - 0x57; // 'a'..'f' and 'A'..'F' → 10..15
        if (h < 10 || h > 15) break;
        if (c < 0x61) canonical = 0;
      } else if (h < 0) break;
      value = (value << 4) | h;
      i++;
    }
    const digits = i - groupStart;
    if (i < end && src[i] === 0x2e) {
      if (!dotted || count > 6) return -1;
      const stop = parseIPv4(src, groupStart, end, out, at + 2 * count);
      if (stop < 0) return -1;
      count += 2;
      i = stop;
      tail = true;
      break;
    }
    if (digits === 0) {
      // Only right after "::" may the address end without a group.
      if (gap === count) break;
      return -1;
    }
    if (digits > 4 || count === 8) return -1;
    if (digits > 1 && src[groupStart] === 0x30) canonical = 0;
    out[at + 2 * count] = value >>> 8;
    out[at + 2 * count + 1] = value & 0xff;
    count++;
    if (i >= end || src[i] !== 0x3a) break;
    if (i + 1 < end && src[i + 1] === 0x3a) {
      if (gap >= 0) return -1;
      gap = count;
      i += 2;
    } else {
      i++;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return -1;
  if (gap >= 0) {
    // Move the groups after "::" to the end, then zero the groups it stands for.
    const zeros = 8 - count;
    for (let g = count - 1; g >= gap; g--) {
      out[at + 2 * (g + zeros)] = out[at + 2 * g] as number;
      out[at + 2 * (g + zeros) + 1] = out[at + 2 * g + 1] as number;
    }
    for (let g = gap; g < gap + zeros; g++) {
      out[at + 2 * g] = 0;
      out[at + 2 * g + 1] = 0;
    }
  }
  if (canonical === 1) {
    // A dotted tail is canonical only for a mapped address, and a mapped one only with its tail.
    if (tail !== isMapped(out, at)) canonical = 0;
    else {
      const run = ZERO_RUN[zeroMask(out, at)] as number;
      const want = run === 0 ? -1 : run & 15;
      if (gap !== want || (gap >= 0 && 8 - count !== run >> 4)) canonical = 0;
    }
  }
  return (i << 1) | canonical;
}

/**
 * Parses a port (decimal 0..65535, no leading zero) starting at `src[start]`. Returns
 * `stop << 16 | port`, or -1 when there is no port there.
 */
export function parsePort(src: Codes, start: number, end: number): number {
  if (start >= end) return -1;
  let value = (src[start] as number) - 0x30;
  if (value < 0 || value > 9) return -1;
  let i = start + 1;
  if (value !== 0) {
    while (i < end) {
      const d = (src[i] as number) - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
      if (value > 65535) return -1;
    }
  }
  return (i << 16) | value;
}

// ---------------------------------------------------------------------------------------------
// Writers: canonical text as character codes at `out[o]`; each returns the index after it.

/** Writes the decimal text of `n` (0..65535). */
export function writeDecimal(n: number, out: number[], o: number): number {
  if (n >= 10000) out[o++] = 0x30 + ((n / 10000) | 0);
  if (n >= 1000) out[o++] = 0x30 + (((n / 1000) | 0) % 10);
  if (n >= 100) out[o++] = 0x30 + (((n / 100) | 0) % 10);
  if (n >= 10) out[o++] = 0x30 + (((n / 10) | 0) % 10);
  out[o] = 0x30 + (n % 10);
  return o + 1;
}

/** Writes the dotted quad of the 4 bytes at `b[at]`. */
export function writeIPv4(b: Codes, at: number, out: number[], o: number): number {
  o = writeDecimal(b[at] as number, out, o);
  out[o++] = 0x2e;
  o = writeDecimal(b[at + 1] as number, out, o);
  out[o++] = 0x2e;
  o = writeDecimal(b[at + 2] as number, out, o);
  out[o++] = 0x2e;
  return writeDecimal(b[at + 3] as number, out, o);
}

function hexDigit(n: number): number {
  return n < 10 ? 0x30 + n : 0x57 + n;
}

/** Writes the RFC 5952 text of the 16 bytes at `b[at]`. */
export function writeIPv6(b: Codes, at: number, out: number[], o: number): number {
  if (isMapped(b, at)) {
    out[o] = 0x3a;
    out[o + 1] = 0x3a;
    out[o + 2] = 0x66;
    out[o + 3] = 0x66;
    out[o + 4] = 0x66;
    out[o + 5] = 0x66;
    out[o + 6] = 0x3a;
    return writeIPv4(b, at + 12, out, o + 7);
  }
  const run = ZERO_RUN[zeroMask(b, at)] as number;
  const skip = run === 0 ? -1 : run & 15;
  for (let g = 0; g < 8; g++) {
    if (g === skip) {
      out[o++] = 0x3a;
      if (g === 0) out[o++] = 0x3a;
      g += (run >> 4) - 1;
      continue;
    }
    const hi = b[at + 2 * g] as number;
    const lo = b[at + 2 * g + 1] as number;
    if (hi >= 0x10) out[o++] = hexDigit(hi >>> 4);
    if (hi !== 0) out[o++] = hexDigit(hi & 15);
    if (hi !== 0 || lo >= 0x10) out[o++] = hexDigit(lo >>> 4);
    out[o++] = hexDigit(lo & 15);
    if (g < 7) out[o++] = 0x3a;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Strings

/**
 * The string of the `n` (at most {@link IPV6_MAX_TEXT}) character codes at `b[at]`, made by one
 * fixed-arity `String.fromCharCode` call: measured 2.5× a loop of single characters and 3× `apply`
 * or a `TextDecoder`. Dotted quads get a call of their exact length; longer text one call of 45,
 * cut to length (codes past the end of `b` read as `undefined`, which becomes U+0000, then cut).
 */
export function asciiString(b: Codes, at: number, n: number): string {
  const f = String.fromCharCode;
  // biome-ignore format: one line per length reads better than a hundred lines of arguments
  switch (n) {
    case 7: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!);
    case 8: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    case 9: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!);
    case 10: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!);
    case 11: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!);
    case 12: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!);
    case 13: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!);
    case 14: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!);
    case 15: return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!);
  }
  if (n < 7) {
    let s = '';
    for (let k = 0; k < n; k++) s += f(b[at + k] as number);
    return s;
  }
  // biome-ignore format: the 45 arguments in a block
  return f(
    b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!,
    b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!, b[at + 15]!, b[at + 16]!, b[at + 17]!, b[at + 18]!, b[at + 19]!,
    b[at + 20]!, b[at + 21]!, b[at + 22]!, b[at + 23]!, b[at + 24]!, b[at + 25]!, b[at + 26]!, b[at + 27]!, b[at + 28]!, b[at + 29]!,
    b[at + 30]!, b[at + 31]!, b[at + 32]!, b[at + 33]!, b[at + 34]!, b[at + 35]!, b[at + 36]!, b[at + 37]!, b[at + 38]!, b[at + 39]!,
    b[at + 40]!, b[at + 41]!, b[at + 42]!, b[at + 43]!, b[at + 44]!,
  ).substring(0, n);
}

/** Text of the 4 bytes at `b[at]`. */
export function formatIPv4(b: Codes, at = 0): string {
  const text: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  return asciiString(text, 0, writeIPv4(b, at, text, 0));
}

/** RFC 5952 text of the 16 bytes at `b[at]`. */
export function formatIPv6(b: Codes, at = 0): string {
  // biome-ignore format: a packed array of IPV6_MAX_TEXT zeros
  const text: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  return asciiString(text, 0, writeIPv6(b, at, text, 0));
}

/** The character codes of `s` when it is short enough to be an address, else undefined. */
export function addressCodes(s: unknown): number[] | undefined {
  if (typeof s !== 'string' || s.length > IPV6_MAX_TEXT) return undefined;
  const codes: number[] = [];
  for (let k = 0; k < s.length; k++) codes.push(s.charCodeAt(k));
  return codes;
}

/**
 * Parses IPv4 or IPv6 text into bytes at `out[at]` (4 or 16 of them): returns 4 or 6, or 0 when
 * `address` is neither (the whole string must be the address). `family` 4 or 6 accepts that one only.
 */
export function parseAddress(address: unknown, family: 0 | 4 | 6, out: number[], at: number): 0 | 4 | 6 {
  const codes = addressCodes(address);
  if (codes === undefined) return 0;
  const n = codes.length;
  if (family !== 6 && parseIPv4(codes, 0, n, out, at) === n) return 4;
  if (family !== 4 && parseIPv6(codes, 0, n, out, at, true) >> 1 === n) return 6;
  return 0;
}

/** `4` or `6` for strictly valid IPv4/IPv6 text, `0` otherwise (like `net.isIP`, but strict). */
export function ipVersion(address: string): 0 | 4 | 6 {
  return parseAddress(address, 0, [], 0);
}

/** The canonical text of an address: dotted-quad or RFC 5952; undefined when it is not a valid one. */
export function canonicalAddress(address: string): string | undefined {
  const bytes: number[] = [];
  const family = parseAddress(address, 0, bytes, 0);
  if (family === 4) return address;
  return family === 6 ? formatIPv6(bytes) : undefined;
}
