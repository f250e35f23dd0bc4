/**
 * PROXY protocol version 1: one US-ASCII line, `PROXY TCP4|TCP6|UNKNOWN … \r\n`, at most 107
 * bytes. Decoding is strict: single spaces, CRLF only, canonical numbers.
 */
import {
  dottedQuadString,
  formatIPv4Number,
  formatIPv6,
  parseIPv4Bytes,
  parseIPv4Into,
  parseIPv6,
  parseIPv6Bytes,
  writeDecimal,
  writeIPv4Text,
  writeIPv6Text,
} from './address.js';
import { Limits, V1_SIGNATURE } from './constants.js';
import { fail } from './errors.js';
import { type DecodeOptions, type ResolvedDecodeOptions, resolveDecodeOptions } from './options.js';
import type { DecodeResult, ProxyEndpoint, ProxyHeader, ProxyHeaderInit } from './types.js';

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const MAX = Limits.V1_MAX_LENGTH;
const TOKENS = ['TCP4 ', 'TCP6 ', 'UNKNOWN'] as const;

/**
 * Decodes a v1 header at the start of `input`. Returns `none` if the bytes are not a v1
 * signature, `incomplete` for a strict prefix of a possible line; throws
 * {@link ProxyProtocolError} for a malformed line. Never reads past the CRLF.
 */
export function decodeV1(input: Uint8Array, options?: DecodeOptions): DecodeResult {
  return decodeV1Resolved(input, resolveDecodeOptions(options));
}

/** @internal */
export function decodeV1Resolved(input: Uint8Array, options: ResolvedDecodeOptions): DecodeResult {
  const n = input.length;
  // Fast path: a complete, valid TCP4/TCP6 line, checked and parsed in one pass. Anything else
  // (or any doubt) takes the general path below, which alone reports errors.
  if (
    n >= 16 &&
    input[0] === 0x50 &&
    input[1] === 0x52 &&
    input[2] === 0x4f &&
    input[3] === 0x58 &&
    input[4] === 0x59 &&
    input[5] === SPACE &&
    input[6] === 0x54 &&
    input[7] === 0x43 &&
    input[8] === 0x50 &&
    input[10] === SPACE &&
    options.acceptV1 &&
    !options.requireCrc32c
  ) {
    const fast = tcpLine(input, n, options);
    if (fast !== undefined) return fast;
  }
  return decodeV1General(input, options);
}

/**
 * @internal The general path: every line, valid or not, byte by byte. The fast path above may
 * only ever return what this returns (a test checks the two agree).
 */
export function decodeV1General(input: Uint8Array, options: ResolvedDecodeOptions): DecodeResult {
  const n = input.length;
  const sigEnd = Math.min(n, 5);
  for (let i = 0; i < sigEnd; i++) if (input[i] !== V1_SIGNATURE[i]) return NONE;
  if (n < 5) return INCOMPLETE;
  if (!options.acceptV1) fail('ERR_PROXY_VERSION_NOT_ALLOWED', 'PROXY protocol version 1 is not accepted here', 0);
  if (n === 5) return INCOMPLETE;
  if (input[5] !== SPACE) fail('ERR_PROXY_V1_SYNTAX', "'PROXY' must be followed by a single space", 5);

  const limit = Math.min(options.maxHeaderLength, MAX);
  // Checks run byte by byte, in order, so that the error for a line does not depend on how much
  // of it has arrived: the CR may be at limit - 2 at the latest, leaving room for its LF.
  const scanEnd = Math.min(n, limit - 1);
  const badToken = tokenMismatchAt(input, n);
  let cr = -1;
  for (let i = 6; i < scanEnd; i++) {
    if (i === badToken) fail('ERR_PROXY_V1_PROTOCOL', 'unknown protocol: v1 knows TCP4, TCP6 and UNKNOWN', 6);
    const c = input[i];
    if (c === CR) {
      cr = i;
      break;
    }
    if (c === LF) fail('ERR_PROXY_V1_LINE_ENDING', 'line feed without a preceding carriage return', i);
  }
  if (cr < 0) {
    if (n >= limit - 1) fail('ERR_PROXY_V1_LINE_TOO_LONG', `no CRLF within the first ${limit} bytes`, limit - 1);
    return INCOMPLETE;
  }
  if (cr + 1 === n) return INCOMPLETE;
  if (input[cr + 1] !== LF) fail('ERR_PROXY_V1_LINE_ENDING', 'carriage return not followed by line feed', cr + 1);
  if (options.requireCrc32c) fail('ERR_PROXY_CRC32C_MISSING', 'a v1 header cannot carry the CRC32C that is required', 0);
  return { status: 'complete', header: parseLine(input, cr, options), length: cr + 2 };
}

/** Where the last {@link scanIPv4} or {@link scanPort} stopped. */
let scanned = 0;
const hexes = /* @__PURE__ */ new Uint8Array(32);

function digitAt(input: Uint8Array, i: number, n: number): number {
  if (i >= n) return -1;
  const d = (input[i] as number) - 0x30;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Whether a strict dotted quad starts at `input[i]` (its end goes to `scanned`); false sends the line to the general path. */
function scanIPv4(input: Uint8Array, i: number, n: number): boolean {
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= n || input[i] !== 0x2e) return false;
      i++;
    }
    let octet = digitAt(input, i, n);
    if (octet < 0) return false;
    i++;
    if (octet !== 0) {
      let d = digitAt(input, i, n);
      if (d >= 0) {
        octet = octet * 10 + d;
        i++;
        d = digitAt(input, i, n);
        if (d >= 0) {
          octet = octet * 10 + d;
          i++;
          if (octet > 255) return false;
        }
      }
    }
  }
  scanned = i;
  return true;
}

/** A canonical port at `input[i]`: its value, or -1 (then the general path decides). */
function scanPort(input: Uint8Array, i: number, n: number): number {
  let value = digitAt(input, i, n);
  if (value < 0) return -1;
  const start = i;
  i++;
  if (value !== 0) {
    for (let d = digitAt(input, i, n); d >= 0; d = digitAt(input, i, n)) {
      value = value * 10 + d;
      i++;
      if (i - start > 5) return -1;
    }
    if (value > 65535) return -1;
  }
  scanned = i;
  return value;
}

/** `PROXY TCP4 ` or `PROXY TCP6 ` has been seen: the whole line if it is complete and valid, else undefined. */
function tcpLine(input: Uint8Array, n: number, options: ResolvedDecodeOptions): DecodeResult | undefined {
  const ipv6 = input[9] === 0x36;
  let s1: number;
  let s2: number;
  if (ipv6) {
    s1 = indexOfSpace(input, 11, n);
    if (s1 < 0 || !parseIPv6Bytes(input, 11, s1, hexes, 0, options.allowDottedQuadInTcp6)) return undefined;
    s2 = indexOfSpace(input, s1 + 1, n);
    if (s2 < 0 || !parseIPv6Bytes(input, s1 + 1, s2, hexes, 16, options.allowDottedQuadInTcp6)) return undefined;
  } else {
    if (input[9] !== 0x34 || !scanIPv4(input, 11, n)) return undefined;
    s1 = scanned;
    if (s1 >= n || input[s1] !== SPACE || !scanIPv4(input, s1 + 1, n)) return undefined;
    s2 = scanned;
    if (s2 >= n || input[s2] !== SPACE) return undefined;
  }
  let i = s2;
  const sourcePort = scanPort(input, i + 1, n);
  if (sourcePort < 0) return undefined;
  i = scanned;
  if (i >= n || input[i] !== SPACE) return undefined;
  const destinationPort = scanPort(input, i + 1, n);
  if (destinationPort < 0) return undefined;
  const cr = scanned;
  const limit = Math.min(options.maxHeaderLength, MAX);
  if (cr + 1 >= n || input[cr] !== CR || input[cr + 1] !== LF || cr + 2 > limit) return undefined;
  const header: ProxyHeader = {
    version: 1,
    command: 'proxy',
    family: ipv6 ? 'ipv6' : 'ipv4',
    transport: 'stream',
    // A strict dotted quad is its own canonical text: the string is made from the line's bytes.
    source: { address: ipv6 ? formatIPv6(hexes, 0) : dottedQuadString(input, 11, s1 - 11), port: sourcePort },
    destination: { address: ipv6 ? formatIPv6(hexes, 16) : dottedQuadString(input, s1 + 1, s2 - s1 - 1), port: destinationPort },
    tlvs: [],
  };
  return { status: 'complete', header, length: cr + 2 };
}

const NONE: DecodeResult = Object.freeze({ status: 'none' });
const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });

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

function latin1(input: Uint8Array, start: number, end: number): string {
  // Lines are at most 107 bytes: one call, no intermediate array.
  return String.fromCharCode.apply(null, input.subarray(start, end) as unknown as number[]);
}

const UNKNOWN = [0x55, 0x4e, 0x4b, 0x4e, 0x4f, 0x57, 0x4e] as const; // "UNKNOWN"

/** The line is parsed as bytes; text is made only for the results and for error messages. */
function parseLine(input: Uint8Array, cr: number, options: ResolvedDecodeOptions): ProxyHeader {
  if (cr - 6 >= 7 && isUnknown(input) && (cr === 13 || input[13] === SPACE)) {
    // The spec: after UNKNOWN the receiver must ignore everything up to CRLF.
    return { version: 1, command: 'proxy', family: 'unspec', transport: 'unspec', source: null, destination: null, tlvs: [] };
  }
  const tcp = cr - 6 >= 5 && input[6] === 0x54 && input[7] === 0x43 && input[8] === 0x50 && input[10] === SPACE;
  const ipv6 = tcp && input[9] === 0x36;
  if (!ipv6 && !(tcp && input[9] === 0x34)) {
    fail('ERR_PROXY_V1_PROTOCOL', 'unknown protocol: v1 knows TCP4, TCP6 and UNKNOWN', 6);
  }
  // Four fields separated by exactly one space each.
  const s1 = indexOfSpace(input, 11, cr);
  const s2 = s1 < 0 ? -1 : indexOfSpace(input, s1 + 1, cr);
  const s3 = s2 < 0 ? -1 : indexOfSpace(input, s2 + 1, cr);
  if (s3 < 0) fail('ERR_PROXY_V1_SYNTAX', 'expected source and destination addresses and ports', cr);
  if (indexOfSpace(input, s3 + 1, cr) >= 0) fail('ERR_PROXY_V1_SYNTAX', 'extra field or space after the destination port', s3);
  const source = ipv6 ? ipv6Text(input, 11, s1, options) : ipv4Text(input, 11, s1);
  const destination = ipv6 ? ipv6Text(input, s1 + 1, s2, options) : ipv4Text(input, s1 + 1, s2);
  const sourcePort = port(input, s2 + 1, s3);
  const destinationPort = port(input, s3 + 1, cr);
  return {
    version: 1,
    command: 'proxy',
    family: ipv6 ? 'ipv6' : 'ipv4',
    transport: 'stream',
    source: { address: source, port: sourcePort },
    destination: { address: destination, port: destinationPort },
    tlvs: [],
  };
}

function isUnknown(input: Uint8Array): boolean {
  for (let k = 0; k < 7; k++) if (input[6 + k] !== UNKNOWN[k]) return false;
  return true;
}

function indexOfSpace(input: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (input[i] === SPACE) return i;
  return -1;
}

/** `start` and `end` are byte offsets in the input; error offsets are too. */
function emptyField(start: number): never {
  fail('ERR_PROXY_V1_SYNTAX', 'empty field: fields are separated by exactly one space', start);
}

function ipv4Text(input: Uint8Array, start: number, end: number): string {
  if (start === end) emptyField(start);
  const v = parseIPv4Bytes(input, start, end);
  if (v < 0) {
    fail('ERR_PROXY_INVALID_ADDRESS', `invalid IPv4 address in a TCP4 line: ${JSON.stringify(latin1(input, start, end))}`, start);
  }
  // Strict dotted-quad text is already canonical: rebuilding it from the value gives the same text.
  return formatIPv4Number(v);
}

const scratch = new Uint8Array(16);

function ipv6Text(input: Uint8Array, start: number, end: number, options: ResolvedDecodeOptions): string {
  if (start === end) emptyField(start);
  if (parseIPv6Bytes(input, start, end, scratch, 0, options.allowDottedQuadInTcp6)) return formatIPv6(scratch);
  if (options.allowIPv4InTcp6) {
    const v = parseIPv4Bytes(input, start, end);
    if (v >= 0) return `::ffff:${formatIPv4Number(v)}`;
  }
  return fail('ERR_PROXY_INVALID_ADDRESS', `invalid IPv6 address in a TCP6 line: ${JSON.stringify(latin1(input, start, end))}`, start);
}

function port(input: Uint8Array, start: number, end: number): number {
  if (start === end) emptyField(start);
  const length = end - start;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = input[i] as number;
    if (c < 0x30 || c > 0x39)
      fail('ERR_PROXY_INVALID_PORT', `port is not a decimal number: ${JSON.stringify(latin1(input, start, end))}`, i);
    value = value * 10 + (c - 0x30);
  }
  if ((length > 1 && input[start] === 0x30) || length > 5 || value > 65535) {
    fail('ERR_PROXY_INVALID_PORT', `port must be 0..65535 without leading zeros: ${JSON.stringify(latin1(input, start, end))}`, start);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Encoding

const V1_UNKNOWN = /* @__PURE__ */ Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59, 0x20, 0x55, 0x4e, 0x4b, 0x4e, 0x4f, 0x57, 0x4e, 0x0d, 0x0a); // "PROXY UNKNOWN\r\n"
/** The line being encoded: validated and written here first, then copied out (at most 107 bytes). */
const line = /* @__PURE__ */ new Uint8Array(MAX);
/** Source address bytes at 0, destination at 16. */
const addresses = /* @__PURE__ */ new Uint8Array(32);

/**
 * Validates `header` and writes its v1 line into `line`; returns the line's length. Every
 * property of `header` is read before anything is written, so a getter that encodes another
 * header cannot interleave with this one.
 */
function prepareV1(header: ProxyHeaderInit): number {
  const tlvs = header.tlvs as unknown;
  if (
    tlvs !== undefined &&
    tlvs !== null &&
    (Array.isArray(tlvs) ? tlvs.length > 0 : typeof tlvs !== 'object' || Object.keys(tlvs).length > 0)
  ) {
    fail('ERR_PROXY_INVALID_HEADER', 'version 1 cannot carry TLVs; use version 2');
  }
  const source = header.source ?? null;
  const destination = header.destination ?? null;
  const command = header.command ?? 'proxy';
  const givenFamily = header.family;
  if (command === 'local' || (source === null && destination === null)) {
    if (givenFamily === 'ipv4' || givenFamily === 'ipv6') {
      if (command !== 'local') fail('ERR_PROXY_INVALID_HEADER', `a ${givenFamily} header needs a source and a destination`);
    }
    return unknownLine();
  }
  if (source === null || destination === null) {
    fail('ERR_PROXY_INVALID_HEADER', 'a header with addresses needs both a source and a destination');
  }
  checkEndpoints(source, destination);
  if ('path' in source || 'path' in destination || givenFamily === 'unix' || givenFamily === 'unspec' || header.transport === 'dgram') {
    // The spec: anything but TCP over IPv4/IPv6 is sent as UNKNOWN in version 1.
    return unknownLine();
  }
  const srcAddress = source.address;
  const dstAddress = destination.address;
  const srcPort = source.port;
  const dstPort = destination.port;
  const family = givenFamily ?? inferIpFamilyInto(srcAddress, dstAddress, addresses);
  const ipv6 = family === 'ipv6';
  if (givenFamily !== undefined) {
    if (ipv6) {
      checkedIPv6Into(srcAddress, addresses, 0);
      checkedIPv6Into(dstAddress, addresses, 16);
    } else {
      checkedIPv4Into(srcAddress, addresses, 0);
      checkedIPv4Into(dstAddress, addresses, 16);
    }
  }
  checkedPort(srcPort);
  checkedPort(dstPort);
  const out = line;
  // "PROXY TCP4 " as literals (a module-level table costs a bounds check per byte).
  out[0] = 0x50;
  out[1] = 0x52;
  out[2] = 0x4f;
  out[3] = 0x58;
  out[4] = 0x59;
  out[5] = SPACE;
  out[6] = 0x54;
  out[7] = 0x43;
  out[8] = 0x50;
  out[9] = 0x34;
  out[10] = SPACE;
  let at: number;
  if (ipv6) {
    out[9] = 0x36;
    at = writeIPv6Text(addresses, 0, out, 11);
    out[at++] = SPACE;
    at = writeIPv6Text(addresses, 16, out, at);
  } else {
    at = writeIPv4Text(addresses, 0, out, 11);
    out[at++] = SPACE;
    at = writeIPv4Text(addresses, 16, out, at);
  }
  out[at++] = SPACE;
  at = writeDecimal(srcPort, out, at);
  out[at++] = SPACE;
  at = writeDecimal(dstPort, out, at);
  out[at] = CR;
  out[at + 1] = LF;
  return at + 2;
}

function unknownLine(): number {
  for (let k = 0; k < V1_UNKNOWN.length; k++) line[k] = V1_UNKNOWN[k] as number;
  return V1_UNKNOWN.length;
}

/** @internal Throws unless both endpoints are objects (IP endpoints or UNIX paths). */
export function checkEndpoints(source: ProxyEndpoint, destination: ProxyEndpoint): void {
  if (typeof source !== 'object' || typeof destination !== 'object') {
    fail('ERR_PROXY_INVALID_HEADER', 'source and destination must be { address, port } or { path } objects');
  }
}

/**
 * @internal The IP family shared by two addresses, which are parsed into `out` (source at 0,
 * destination at 16: 4 bytes for IPv4, 16 for IPv6); throws for invalid addresses and mixed families.
 */
export function inferIpFamilyInto(source: unknown, destination: unknown, out: Uint8Array): 'ipv4' | 'ipv6' {
  const a = addressVersionInto(source, out, 0);
  const b = addressVersionInto(destination, out, 16);
  if (a !== b) {
    fail('ERR_PROXY_INVALID_HEADER', 'source and destination are of different families; map IPv4 to ::ffff:a.b.c.d to send them as IPv6');
  }
  return a === 4 ? 'ipv4' : 'ipv6';
}

function addressVersionInto(address: unknown, out: Uint8Array, at: number): 4 | 6 {
  if (typeof address === 'string') {
    if (parseIPv4Into(address, out, at)) return 4;
    if (parseIPv6(address, out, at)) return 6;
  }
  return fail('ERR_PROXY_INVALID_ADDRESS', `not a valid IPv4 or IPv6 address: ${JSON.stringify(address)}`);
}

/** @internal Parses IPv4 text into 4 bytes at `out[at]`; throws when it is not strictly valid. */
export function checkedIPv4Into(address: unknown, out: Uint8Array, at: number): void {
  if (typeof address !== 'string' || !parseIPv4Into(address, out, at)) {
    fail('ERR_PROXY_INVALID_ADDRESS', `not a valid IPv4 address: ${JSON.stringify(address)}`);
  }
}

/** @internal Parses IPv6 text into 16 bytes at `out[at]`; throws when it is not strictly valid. */
export function checkedIPv6Into(address: unknown, out: Uint8Array, at: number): void {
  if (typeof address !== 'string' || !parseIPv6(address, out, at)) {
    fail('ERR_PROXY_INVALID_ADDRESS', `not a valid IPv6 address: ${JSON.stringify(address)}`);
  }
}

/** @internal */
export function checkedPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail('ERR_PROXY_INVALID_PORT', `port must be an integer 0..65535: ${String(port)}`);
  }
  return port;
}

/** Number of bytes {@link encodeV1} produces for `header`. */
export function encodingLengthV1(header: ProxyHeaderInit): number {
  return prepareV1(header);
}

/** Encodes `header` as a v1 line (`version` is ignored). Throws {@link ProxyProtocolError} for impossible headers. */
export function encodeV1(header: ProxyHeaderInit): Uint8Array {
  return line.slice(0, prepareV1(header));
}

/** Writes the v1 line for `header` into `target` at `offset`; returns the number of bytes written. */
export function encodeV1Into(header: ProxyHeaderInit, target: Uint8Array, offset = 0): number {
  const n = prepareV1(header);
  if (offset < 0 || offset + n > target.length) {
    fail('ERR_PROXY_BUFFER_TOO_SMALL', `need ${n} bytes at offset ${offset}, have ${target.length - offset}`);
  }
  for (let i = 0; i < n; i++) target[offset + i] = line[i] as number;
  return n;
}
