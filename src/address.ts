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

/**
 * What the parsers read: character codes in bytes, those of a line or those of an address string
 * copied by {@link parseAddress}. Bytes only: reading a string too, behind a test of the type at
 * each character, made the parse of a v1 IPv6 line a quarter slower, and a v1 TCP4 line a sixth
 * (the copy costs an IPv4 encode less than a tenth).
 */
type Text = Uint8Array;

// One kind of array at every read and store site keeps each monomorphic: when the writers
// served both a plain array and the bytes of a v1 line, v2 TCP4 decode slowed from 203 to 392 ns.
// So the parsers read bytes and write bytes; the writers read bytes and write character codes
// into one plain array, TEXT, whose reads make strings fastest; text that goes to bytes instead
// (a v1 line being encoded) is copied from TEXT.

/** Character code `i` of `src` (callers stay within its length). */
function code(src: Text, i: number): number {
  return src[i] as number;
}

/** Longest IPv6 text: six groups of four digits and a dotted-quad tail. */
export const IPV6_MAX_TEXT = 45;

/**
 * Parses a dotted quad starting at `src[start]`, reading no further than `end`. Returns the
 * index after the fourth octet, or -1 when there is no strict dotted quad there. With `out`,
 * the four bytes go to `out[at]`.
 */
export function parseIPv4(src: Text, start: number, end: number, out: Uint8Array | undefined, at: number): number {
  let i = start;
  for (let k = 0; ; k++) {
    if (i >= end) return -1;
    let octet = code(src, i) - 0x30;
    if (octet >>> 0 > 9) return -1;
    i++;
    // "0" alone is an octet; "01" is not (the next character must then be a dot or the end).
    if (octet !== 0 && i < end) {
      const d = code(src, i) - 0x30;
      if (d >>> 0 <= 9) {
        octet = octet * 10 + d;
        i++;
        if (i < end) {
          const e = code(src, i) - 0x30;
          if (e >>> 0 <= 9) {
            octet = octet * 10 + e;
            i++;
            if (octet > 255) return -1;
          }
        }
      }
    }
    if (out !== undefined) out[at + k] = octet;
    if (k === 3) return i;
    if (i >= end || code(src, i) !== 0x2e) return -1;
    i++;
  }
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

/**
 * Parses IPv6 text starting at `src[start]`, reading no further than `end`, into 16 bytes at
 * `out[at]`. Accepts 1–4 hex digits per group, either case, at most one `::`, and (when
 * `dotted`) a dotted-quad tail as in `::ffff:192.0.2.1`. In the same pass it notes whether the
 * text is already the canonical one ({@link writeIPv6} would write it unchanged).
 *
 * Returns -1 when there is no valid address there, else `stop << 1 | canonical`, where `stop`
 * is the index after the address.
 */
export function parseIPv6(src: Text, start: number, end: number, out: Uint8Array, at: number, dotted: boolean): number {
  let i = start;
  let count = 0; // groups so far (a dotted tail counts two)
  let gap = -1; // group index where "::" stands
  let canonical = 1;
  let zeros = 0; // bit k: group k (as parsed, before "::" is expanded) is zero
  let tail = false;
  if (i < end && code(src, i) === 0x3a) {
    if (i + 1 >= end || code(src, i + 1) !== 0x3a) return -1;
    gap = 0;
    i += 2;
  }
  for (;;) {
    const groupStart = i;
    let value = 0;
    while (i < end) {
      const c = code(src, i);
      // One unsigned test each for '0'..'9', then 'a'..'f' and 'A'..'F' (c | 0x20 folds case).
      let h = c - 0x30;
      if (h >>> 0 > 9) {
        h = (c | 0x20) - 0x61;
        if (h >>> 0 > 5) break;
        h += 10;
        if (c < 0x61) canonical = 0;
      }
      value = (value << 4) | h;
      i++;
    }
    const digits = i - groupStart;
    if (i < end && code(src, i) === 0x2e) {
      if (!dotted || count > 6) return -1;
      const o = at + 2 * count;
      const stop = parseIPv4(src, groupStart, end, out, o);
      if (stop < 0) return -1;
      if (out[o] === 0 && out[o + 1] === 0) zeros |= 1 << count;
      if (out[o + 2] === 0 && out[o + 3] === 0) zeros |= 2 << count;
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
    if (digits > 1 && code(src, groupStart) === 0x30) canonical = 0;
    if (value === 0) zeros |= 1 << count;
    out[at + 2 * count] = value >>> 8;
    out[at + 2 * count + 1] = value & 0xff;
    count++;
    if (i >= end || code(src, i) !== 0x3a) break;
    if (i + 1 < end && code(src, i + 1) === 0x3a) {
      if (gap >= 0) return -1;
      gap = count;
      i += 2;
    } else {
      i++;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return -1;
  let mask = zeros;
  if (gap >= 0) {
    // Move the groups after "::" to the end, then zero the groups it stands for.
    const run = 8 - count;
    for (let g = count - 1; g >= gap; g--) {
      out[at + 2 * (g + run)] = out[at + 2 * g] as number;
      out[at + 2 * (g + run) + 1] = out[at + 2 * g + 1] as number;
    }
    for (let g = gap; g < gap + run; g++) {
      out[at + 2 * g] = 0;
      out[at + 2 * g + 1] = 0;
    }
    const below = (1 << gap) - 1;
    mask = (zeros & below) | (((1 << run) - 1) << gap) | ((zeros & ~below) << run);
  }
  if (canonical === 1) {
    // A dotted tail is canonical only for a mapped address, and a mapped one only with its tail.
    const mapped = (mask & 0x1f) === 0x1f && out[at + 10] === 0xff && out[at + 11] === 0xff;
    const run = ZERO_RUN[mask] as number;
    const want = run === 0 ? -1 : run & 15;
    if (tail !== mapped || gap !== want || (gap >= 0 && 8 - count !== run >> 4)) canonical = 0;
  }
  return (i << 1) | canonical;
}

/**
 * Parses a port (decimal 0..65535, no leading zero) starting at `src[start]`. Returns
 * `stop << 16 | port`, or -1 when there is no port there.
 */
export function parsePort(src: Text, start: number, end: number): number {
  if (start >= end) return -1;
  let value = code(src, start) - 0x30;
  if (value < 0 || value > 9) return -1;
  let i = start + 1;
  if (value !== 0) {
    while (i < end) {
      const d = code(src, i) - 0x30;
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
export function writeIPv4(b: Uint8Array, at: number, out: number[], o: number): number {
  const b1 = b[at + 1] as number;
  const b2 = b[at + 2] as number;
  const b3 = b[at + 3] as number;
  o = writeDecimal(b[at] as number, out, o);
  out[o++] = 0x2e;
  o = writeDecimal(b1, out, o);
  out[o++] = 0x2e;
  o = writeDecimal(b2, out, o);
  out[o++] = 0x2e;
  return writeDecimal(b3, out, o);
}

/** The lowercase hex digit of `n` (0..15), without a branch. */
function hexDigit(n: number): number {
  return 0x30 + n + (((9 - n) >> 31) & 39);
}

/**
 * The two hex digits of each byte value, as one 16-bit value (high digit in the high byte): one
 * load per byte. With the digits computed, writing an address took twice as long.
 */
const HEX_PAIR: Uint16Array = /* @__PURE__ */ Uint16Array.from({ length: 256 }, (_, v) => (hexDigit(v >> 4) << 8) | hexDigit(v & 15));

/**
 * Writes the group of the two bytes at `b[i]` without leading zeros. Its four digits go out as
 * one 32-bit value shifted past the leading zeros, stored whatever their number: the stores past
 * the last digit are overwritten by what follows (or lie past the text, within 39). Without a
 * branch per length, writing an address took 0.80–0.86 of the time.
 */
function writeGroup(b: Uint8Array, i: number, out: number[], o: number): number {
  const high = b[i] as number;
  const low = b[i + 1] as number;
  // Leading zero digits, 0..3 (a zero group is written as one 0).
  const zeros = (Math.clz32((high << 8) | low | 1) - 16) >> 2;
  const digits = (((HEX_PAIR[high] as number) << 16) | (HEX_PAIR[low] as number)) << (zeros << 3);
  out[o] = digits >>> 24;
  out[o + 1] = (digits >>> 16) & 0xff;
  out[o + 2] = (digits >>> 8) & 0xff;
  out[o + 3] = digits & 0xff;
  return o + 4 - zeros;
}

/** Writes the RFC 5952 text of the 16 bytes at `b[at]` (at most 39 characters). */
export function writeIPv6(b: Uint8Array, at: number, out: number[], o: number): number {
  let zeros = 0; // bit g: group g is zero
  for (let g = 0; g < 8; g++) if (((b[at + 2 * g] as number) | (b[at + 2 * g + 1] as number)) === 0) zeros |= 1 << g;
  if ((zeros & 0x1f) === 0x1f && b[at + 10] === 0xff && b[at + 11] === 0xff) {
    out[o] = 0x3a;
    out[o + 1] = 0x3a;
    out[o + 2] = 0x66;
    out[o + 3] = 0x66;
    out[o + 4] = 0x66;
    out[o + 5] = 0x66;
    out[o + 6] = 0x3a;
    return writeIPv4(b, at + 12, out, o + 7);
  }
  const run = ZERO_RUN[zeros] as number;
  let g = 0;
  if (run !== 0) {
    // The compressed run is groups [start, end): "::" in their place.
    const start = run & 15;
    const end = start + (run >> 4);
    if (start === 0) out[o++] = 0x3a;
    for (; g < start; g++) {
      o = writeGroup(b, at + 2 * g, out, o);
      out[o++] = 0x3a;
    }
    out[o++] = 0x3a;
    if (end === 8) return o;
    g = end;
  }
  for (; g < 7; g++) {
    o = writeGroup(b, at + 2 * g, out, o);
    out[o++] = 0x3a;
  }
  return writeGroup(b, at + 14, out, o);
}
// ---------------------------------------------------------------------------------------------
// Strings. `String.fromCharCode` with a fixed number of arguments: measured 2.5× a loop of single
// characters and 3× `apply` or a `TextDecoder`. Two copies of the call, one per kind of array,
// so that each reads one kind only (a read site that has seen two kinds is slower; and 45
// arguments read from a plain array took 0.8× the time of the same from bytes).

/**
 * The string of the `n` bytes at `b[at]` (ASCII text of a v1 line, or a writer's; at most
 * {@link IPV6_MAX_TEXT}).
 * Dotted quads get a call of their exact length; longer text one call of 45, cut to length
 * (bytes past the end of `b` read as `undefined`, which becomes U+0000, then cut).
 */
export function bytesToString(b: Uint8Array, at: number, n: number): string {
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

/**
 * A text array for the writers: 39 zeros, the longest text {@link writeIPv6} writes (eight groups
 * of four digits). A packed array: its reads are the fastest.
 */
function textArray(): number[] {
  // biome-ignore format: 39 zeros
  return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
}

/**
 * The string of the `n` codes at `b[at]`: {@link bytesToString} over a plain array (a
 * {@link textArray} when `n` > 15). The same text on purpose: each copy reads one kind of array
 * only, and the second copy costs almost nothing compressed.
 */
function codesToString(b: number[], at: number, n: number): string {
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
  // biome-ignore format: the 39 arguments in a block (the longest text written is 39)
  return f(
    b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!,
    b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!, b[at + 15]!, b[at + 16]!, b[at + 17]!, b[at + 18]!, b[at + 19]!,
    b[at + 20]!, b[at + 21]!, b[at + 22]!, b[at + 23]!, b[at + 24]!, b[at + 25]!, b[at + 26]!, b[at + 27]!, b[at + 28]!, b[at + 29]!,
    b[at + 30]!, b[at + 31]!, b[at + 32]!, b[at + 33]!, b[at + 34]!, b[at + 35]!, b[at + 36]!, b[at + 37]!, b[at + 38]!,
  ).substring(0, n);
}

/**
 * The one array the writers write text into. Shared, not made per call: with a fresh one per
 * address, allocation and its collection were a sixth of a v2 IPv6 decode. Nothing runs between
 * its writing and its reading, so that sharing it is safe.
 */
const TEXT: number[] = /* @__PURE__ */ textArray();

/** Dotted-quad text of the 4 bytes at `b[at]`. */
export function formatIPv4(b: Uint8Array, at = 0): string {
  return codesToString(TEXT, 0, writeIPv4(b, at, TEXT, 0));
}

/** RFC 5952 text of the 16 bytes at `b[at]`. */
export function formatIPv6(b: Uint8Array, at = 0): string {
  return codesToString(TEXT, 0, writeIPv6(b, at, TEXT, 0));
}

/**
 * The character codes of the RFC 5952 text of the 16 bytes at `b[at]`, in an array of their own:
 * for an encoder that needs the length of the text before it writes it, so that it is made once.
 */
export function ipv6Codes(b: Uint8Array, at: number): number[] {
  return TEXT.slice(0, writeIPv6(b, at, TEXT, 0));
}

/** Writes the decimal text of `n` (0..65535) as bytes at `out[o]`; returns the index after it. */
export function decimalInto(n: number, out: Uint8Array, o: number): number {
  const end = writeDecimal(n, TEXT, 0);
  for (let k = 0; k < end; k++) out[o++] = TEXT[k] as number;
  return o;
}

/**
 * Where the codecs parse addresses to: the encoders both of a header's (source at 0, destination
 * at 16) to write them out before they return, the v1 decoder one at a time to format it. One
 * array for the module rather than one per header: its allocation was a fifth of the planning
 * of a v2 TCP4 header, and planning is most of that encode. Sharing it is safe because no caller
 * code runs between a parse into it and the reading of those bytes: an encoder parses only after
 * it has read every property of the header (a getter that encodes another header has run and
 * finished by then).
 */
export const ADDRESS_BYTES: Uint8Array = /* @__PURE__ */ new Uint8Array(32);

/** Flag in {@link parseAddress}'s answer: the IPv6 text is already the canonical one. */
export const CANONICAL = 8;

/** The character codes of the address {@link parseAddress} reads, for the byte parsers. */
const CODES: Uint8Array = /* @__PURE__ */ new Uint8Array(IPV6_MAX_TEXT);

/**
 * Parses IPv4 or IPv6 text into bytes at `out[at]` (4 or 16 of them): returns 4 or 6, or 0 when
 * `address` is neither (the whole string must be the address); 6 carries {@link CANONICAL} when
 * the text is the one {@link writeIPv6} would write, so that encoders can copy it as it is (a
 * strict dotted quad always is). `family` 4 or 6 accepts that one only.
 */
export function parseAddress(address: unknown, family: 0 | 4 | 6, out: Uint8Array, at: number): number {
  if (typeof address !== 'string' || address.length > IPV6_MAX_TEXT) return 0;
  const n = address.length;
  // A store keeps the low byte only: text with anything past ASCII is refused before the parse.
  let any = 0;
  for (let k = 0; k < n; k++) {
    const c = address.charCodeAt(k);
    any |= c;
    CODES[k] = c;
  }
  if (any > 0x7f) return 0;
  if (family !== 6 && parseIPv4(CODES, 0, n, out, at) === n) return 4;
  if (family === 4) return 0;
  const r = parseIPv6(CODES, 0, n, out, at, true);
  return r >> 1 === n ? 6 | (r & 1 ? CANONICAL : 0) : 0;
}

/** `4` or `6` for strictly valid IPv4/IPv6 text, `0` otherwise (like `net.isIP`, but strict). */
export function ipVersion(address: string): 0 | 4 | 6 {
  return (parseAddress(address, 0, ADDRESS_BYTES, 0) & 7) as 0 | 4 | 6;
}

/** The canonical text of an address: dotted-quad or RFC 5952; undefined when it is not a valid one. */
export function canonicalAddress(address: string): string | undefined {
  const family = parseAddress(address, 0, ADDRESS_BYTES, 0);
  if (family === 4 || family & CANONICAL) return address;
  return family === 6 ? formatIPv6(ADDRESS_BYTES) : undefined;
}
