/**
 * PROXY protocol version 1: one US-ASCII line, `PROXY TCP4|TCP6|UNKNOWN … \r\n`, at most 107
 * bytes. Decoding is strict: single spaces, CRLF only, canonical numbers.
 */
import { ADDRESS_BYTES, bytesToString, decimalInto, formatIPv6, ipv6Codes, parseIPv4, parseIPv6, parsePort } from './address.js';
import { CR, LF, Limits, SPACE, V1_SIGNATURE } from './constants.js';
import {
  checkedPort,
  commandOf,
  DESTINATION_CANONICAL,
  endpointKind,
  familyIndex,
  ipFamily,
  NO_ENDPOINTS,
  SOURCE_CANONICAL,
  transportIndex,
  UNIX_ENDPOINTS,
} from './endpoint.js';
import { fail } from './errors.js';
import type { ResolvedDecodeOptions } from './options.js';
import type { DecodeResult, IpEndpoint, ProxyHeader, ProxyHeaderInit } from './types.js';

const MAX = Limits.V1_MAX_LENGTH;
const NONE: DecodeResult = Object.freeze({ status: 'none' });
const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });
const TOKENS = ['TCP4 ', 'TCP6 ', 'UNKNOWN'] as const;

/** The fields of a TCP line, in order: where the one pass stopped. */
const SOURCE = 0;
const DESTINATION = 1;
const SOURCE_PORT = 2;
const DESTINATION_PORT = 3;
const FIELDS = 4;

/**
 * Decodes a v1 header at the start of `input` (whose first byte is `P`). Returns `none` if the
 * bytes are not a v1 signature, `incomplete` for a strict prefix of a possible line; throws
 * {@link ProxyProtocolError} for a malformed line. Never reads past the CRLF.
 *
 * One pass: each field's parser stops at the first byte that cannot continue it, which must be
 * the delimiter. At the first field that fails (or at the end of the bytes), {@link settle}
 * decides, from the line as a whole, between `incomplete` and the error the line deserves; so
 * the answer never depends on how much of the line has arrived.
 */
export function decodeV1(input: Uint8Array, options: ResolvedDecodeOptions): DecodeResult {
  const n = input.length;
  if (n < 6) {
    for (let i = 1; i < n; i++) if (input[i] !== V1_SIGNATURE[i]) return NONE;
    if (n === 5 && !options.acceptV1) notAllowed();
    return INCOMPLETE;
  }
  if (input[1] !== 0x52 || input[2] !== 0x4f || input[3] !== 0x58 || input[4] !== 0x59) return NONE;
  if (!options.acceptV1) notAllowed();
  if (input[5] !== SPACE) fail('ERR_PROXY_V1_SYNTAX', "'PROXY' must be followed by a single space", 5);
  const limit = Math.min(options.maxHeaderLength, MAX);
  // `TCP4 ` or `TCP6 `; anything else (UNKNOWN, an error, too few bytes) is settled as a whole.
  if (input[6] !== 0x54 || input[7] !== 0x43 || input[8] !== 0x50 || input[10] !== SPACE || options.crc32c === 2) {
    return settle(input, limit, options, SOURCE);
  }
  const ipv6 = input[9] === 0x36;
  if (!ipv6 && input[9] !== 0x34) return settle(input, limit, options, SOURCE);

  let source: string;
  let destination: string;
  let i: number;
  if (ipv6) {
    const bytes = ADDRESS_BYTES;
    const dotted = options.allowDottedQuadInTcp6;
    let r = parseIPv6(input, 11, n, bytes, 0, dotted);
    if (r < 0 || input[r >> 1] !== SPACE) {
      i = options.allowIPv4InTcp6 ? parseIPv4(input, 11, n, undefined, 0) : -1;
      if (i < 0 || input[i] !== SPACE) return settle(input, limit, options, SOURCE);
      source = `::ffff:${bytesToString(input, 11, i - 11)}`;
    } else {
      i = r >> 1;
      // Text already canonical is returned as it came; anything else is rewritten from its bytes.
      source = r & 1 ? bytesToString(input, 11, i - 11) : formatIPv6(bytes);
    }
    const d = i + 1;
    r = parseIPv6(input, d, n, bytes, 0, dotted);
    if (r < 0 || input[r >> 1] !== SPACE) {
      i = options.allowIPv4InTcp6 ? parseIPv4(input, d, n, undefined, 0) : -1;
      if (i < 0 || input[i] !== SPACE) return settle(input, limit, options, DESTINATION);
      destination = `::ffff:${bytesToString(input, d, i - d)}`;
    } else {
      i = r >> 1;
      destination = r & 1 ? bytesToString(input, d, i - d) : formatIPv6(bytes);
    }
  } else {
    // A strict dotted quad is its own canonical text: the string is made from the line's bytes.
    i = parseIPv4(input, 11, n, undefined, 0);
    if (i < 0 || input[i] !== SPACE) return settle(input, limit, options, SOURCE);
    source = bytesToString(input, 11, i - 11);
    const d = i + 1;
    i = parseIPv4(input, d, n, undefined, 0);
    if (i < 0 || input[i] !== SPACE) return settle(input, limit, options, DESTINATION);
    destination = bytesToString(input, d, i - d);
  }
  let p = parsePort(input, i + 1, n);
  if (p < 0 || input[p >>> 16] !== SPACE) return settle(input, limit, options, SOURCE_PORT);
  const sourcePort = p & 0xffff;
  p = parsePort(input, (p >>> 16) + 1, n);
  const cr = p >>> 16;
  if (p < 0 || input[cr] !== CR || input[cr + 1] !== LF || cr + 2 > limit) return settle(input, limit, options, DESTINATION_PORT);
  const family = ipv6 ? 'ipv6' : 'ipv4';
  return complete(family, { address: source, port: sourcePort }, { address: destination, port: p & 0xffff }, cr + 2);
}

function complete(family: 'ipv4' | 'ipv6', source: IpEndpoint, destination: IpEndpoint, length: number): DecodeResult {
  const header: ProxyHeader = { version: 1, command: 'proxy', family, transport: 'stream', source, destination, tlvs: [] };
  return { status: 'complete', header, length };
}

function notAllowed(): never {
  return fail('ERR_PROXY_VERSION_NOT_ALLOWED', 'version 1 not accepted', 0);
}

/**
 * The line could not be read in one pass, from `failed` on. Looks at it whole, in the order a
 * reader would: the protocol token and the line ending first (`incomplete` while the CRLF may
 * still come), then the fields, then the field that failed.
 */
function settle(input: Uint8Array, limit: number, options: ResolvedDecodeOptions, failed: number): DecodeResult {
  const n = input.length;
  // The CR may be at limit - 2 at the latest, leaving room for its LF.
  const scanEnd = Math.min(n, limit - 1);
  const badToken = tokenMismatchAt(input, n);
  let cr = -1;
  for (let i = 6; i < scanEnd; i++) {
    if (i === badToken) badProtocol();
    const c = input[i];
    if (c === CR) {
      cr = i;
      break;
    }
    if (c === LF) fail('ERR_PROXY_V1_LINE_ENDING', 'LF without CR', i);
  }
  if (cr < 0) {
    if (n >= limit - 1) fail('ERR_PROXY_V1_LINE_TOO_LONG', `no CRLF within the first ${limit} bytes`, limit - 2);
    return INCOMPLETE;
  }
  if (cr + 1 === n) return INCOMPLETE;
  if (input[cr + 1] !== LF) fail('ERR_PROXY_V1_LINE_ENDING', 'CR not followed by LF', cr + 1);
  if (options.crc32c === 2) fail('ERR_PROXY_CRC32C_MISSING', 'v1 has no CRC32C, and one is required', 0);
  if (cr >= 13 && isUnknown(input) && (cr === 13 || input[13] === SPACE)) {
    // The spec: after UNKNOWN the receiver must ignore everything up to CRLF.
    const header: ProxyHeader = {
      version: 1,
      command: 'proxy',
      family: 'unspec',
      transport: 'unspec',
      source: null,
      destination: null,
      tlvs: [],
    };
    return { status: 'complete', header, length: cr + 2 };
  }
  if (
    cr < 11 ||
    input[6] !== 0x54 ||
    input[7] !== 0x43 ||
    input[8] !== 0x50 ||
    input[10] !== SPACE ||
    (input[9] !== 0x34 && input[9] !== 0x36)
  ) {
    badProtocol();
  }
  // Four fields separated by exactly one space each.
  const s1 = indexOfSpace(input, 11, cr);
  const s2 = s1 < 0 ? -1 : indexOfSpace(input, s1 + 1, cr);
  const s3 = s2 < 0 ? -1 : indexOfSpace(input, s2 + 1, cr);
  if (s3 < 0) fail('ERR_PROXY_V1_SYNTAX', 'missing field', cr);
  if (indexOfSpace(input, s3 + 1, cr) >= 0) fail('ERR_PROXY_V1_SYNTAX', 'extra field or space', s3);
  // The fields before `failed` were read: the first pass fails only at an invalid one.
  const starts = [11, s1 + 1, s2 + 1, s3 + 1, cr + 1];
  for (let f = failed; f < FIELDS; f++) {
    const start = starts[f] as number;
    const end = (starts[f + 1] as number) - 1;
    if (start === end) fail('ERR_PROXY_V1_SYNTAX', 'empty field (two spaces in a row)', start);
    if (f < SOURCE_PORT) checkAddress(input, start, end, input[9] === 0x36, options);
    else checkPort(input, start, end);
  }
  // Every field is valid on its own, so the first pass cannot have failed: keep the contract anyway.
  return fail('ERR_PROXY_V1_SYNTAX', 'malformed line', 6);
}

function badProtocol(): never {
  return fail('ERR_PROXY_V1_PROTOCOL', 'unknown protocol: v1 knows TCP4, TCP6 and UNKNOWN', 6);
}

function checkAddress(input: Uint8Array, start: number, end: number, ipv6: boolean, options: ResolvedDecodeOptions): void {
  if (ipv6) {
    if (parseIPv6(input, start, end, ADDRESS_BYTES, 0, options.allowDottedQuadInTcp6) >> 1 === end) return;
    if (options.allowIPv4InTcp6 && parseIPv4(input, start, end, undefined, 0) === end) return;
  } else if (parseIPv4(input, start, end, undefined, 0) === end) return;
  const family = ipv6 ? 'IPv6' : 'IPv4';
  fail('ERR_PROXY_INVALID_ADDRESS', `invalid ${family} address in a TCP${ipv6 ? 6 : 4} line: ${quote(input, start, end)}`, start);
}

function checkPort(input: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const c = input[i] as number;
    if (c < 0x30 || c > 0x39) fail('ERR_PROXY_INVALID_PORT', `port not decimal: ${quote(input, start, end)}`, i);
  }
  if (parsePort(input, start, end) >>> 16 !== end) {
    fail('ERR_PROXY_INVALID_PORT', `port not 0..65535 without leading zeros: ${quote(input, start, end)}`, start);
  }
}

function quote(input: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(input[i] as number);
  return JSON.stringify(s);
}

/**
 * Index of the first byte at which the protocol token can no longer become TCP4, TCP6 or
 * UNKNOWN (so that a partial line is rejected early), or -1 while one of them still can.
 */
function tokenMismatchAt(input: Uint8Array, n: number): number {
  let at = -1;
  for (const token of TOKENS) {
    let k = 0;
    while (k < token.length && 6 + k < n && input[6 + k] === token.charCodeAt(k)) k++;
    if (k === token.length || 6 + k === n) return -1;
    if (6 + k > at) at = 6 + k;
  }
  return at;
}

function isUnknown(input: Uint8Array): boolean {
  const unknown = TOKENS[2];
  for (let k = 0; k < 7; k++) if (input[6 + k] !== unknown.charCodeAt(k)) return false;
  return true;
}

function indexOfSpace(input: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (input[i] === SPACE) return i;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * What {@link lineV1} has validated and {@link writeV1} writes: made per call. `kind` is 0 for
 * `PROXY UNKNOWN`, 4 or 6 for a TCP line. An address whose text is canonical (every strict
 * dotted quad, and RFC 5952 IPv6 text) is kept as given; any other is written, from the bytes
 * it parsed to, as character codes (formatting them to a string cost a third more).
 */
export interface V1Line {
  readonly kind: 0 | 4 | 6;
  readonly source: string | number[];
  readonly destination: string | number[];
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** Bytes of the line, CRLF included. */
  readonly length: number;
}

const UNKNOWN_LINE: V1Line = Object.freeze({
  kind: 0,
  source: '',
  destination: '',
  sourcePort: 0,
  destinationPort: 0,
  length: 15,
});

/**
 * Validates `header` and plans its v1 line. Every property of `header` is read once, and all of
 * them before the addresses are parsed into {@link ADDRESS_BYTES}. Anything but TCP over
 * IPv4/IPv6 (LOCAL, UNIX, UDP, UNSPEC) is sent as `UNKNOWN`, as the spec says. The exact length
 * is known before a byte is written, so that the output is allocated once at its size.
 */
export function lineV1(header: ProxyHeaderInit): V1Line {
  const tlvs = header.tlvs as unknown;
  if (tlvs !== undefined && tlvs !== null && (Array.isArray(tlvs) ? tlvs.length > 0 : typeof tlvs !== 'object' || !isEmpty(tlvs))) {
    fail('ERR_PROXY_INVALID_HEADER', 'version 1 cannot carry TLVs; use version 2');
  }
  if (header.unparsed !== undefined) fail('ERR_PROXY_INVALID_HEADER', 'version 1 cannot carry unparsed bytes; use version 2');
  const command = commandOf(header);
  const family = familyIndex(header.family);
  const transport = transportIndex(header.transport);
  const source = header.source ?? null;
  const destination = header.destination ?? null;
  const kind = endpointKind(source, destination);
  if (kind === NO_ENDPOINTS) {
    if (command === 1 && (family === 1 || family === 2)) {
      fail('ERR_PROXY_INVALID_HEADER', `a ${header.family} header needs a source and a destination`);
    }
    return UNKNOWN_LINE;
  }
  if (command === 0 || kind === UNIX_ENDPOINTS || family === 0 || family === 3 || transport === 2) return UNKNOWN_LINE;
  const sourceAddress = (source as IpEndpoint).address;
  const destinationAddress = (destination as IpEndpoint).address;
  const sourcePort = checkedPort((source as IpEndpoint).port);
  const destinationPort = checkedPort((destination as IpEndpoint).port);
  const parsed = ipFamily(sourceAddress, destinationAddress, family, ADDRESS_BYTES);
  const src = parsed & SOURCE_CANONICAL ? sourceAddress : ipv6Codes(ADDRESS_BYTES, 0);
  const dst = parsed & DESTINATION_CANONICAL ? destinationAddress : ipv6Codes(ADDRESS_BYTES, 16);
  // "PROXY TCPx " + source + " " + destination + " " + ports + CRLF
  const length = 11 + src.length + dst.length + decimalLength(sourcePort) + decimalLength(destinationPort) + 5;
  return {
    kind: (parsed & 3) === 2 ? 6 : 4,
    source: src,
    destination: dst,
    sourcePort,
    destinationPort,
    length,
  };
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

function decimalLength(n: number): number {
  return n >= 10000 ? 5 : n >= 1000 ? 4 : n >= 100 ? 3 : n >= 10 ? 2 : 1;
}

/** Writes the planned line at `out[at]` (which has room for `line.length` bytes). */
export function writeV1(line: V1Line, out: Uint8Array, at: number): void {
  out[at] = 0x50;
  out[at + 1] = 0x52;
  out[at + 2] = 0x4f;
  out[at + 3] = 0x58;
  out[at + 4] = 0x59;
  out[at + 5] = SPACE;
  const kind = line.kind;
  if (kind === 0) {
    const text = 'UNKNOWN\r\n';
    for (let k = 0; k < 9; k++) out[at + 6 + k] = text.charCodeAt(k);
    return;
  }
  out[at + 6] = 0x54;
  out[at + 7] = 0x43;
  out[at + 8] = 0x50;
  out[at + 9] = kind === 6 ? 0x36 : 0x34;
  out[at + 10] = SPACE;
  let o = copyText(line.source, out, at + 11);
  out[o++] = SPACE;
  o = copyText(line.destination, out, o);
  out[o++] = SPACE;
  o = decimalInto(line.sourcePort, out, o);
  out[o++] = SPACE;
  o = decimalInto(line.destinationPort, out, o);
  out[o] = CR;
  out[o + 1] = LF;
}

function copyText(text: string | number[], out: Uint8Array, o: number): number {
  const n = text.length;
  if (typeof text === 'string') for (let k = 0; k < n; k++) out[o + k] = text.charCodeAt(k);
  else for (let k = 0; k < n; k++) out[o + k] = text[k] as number;
  return o + n;
}
