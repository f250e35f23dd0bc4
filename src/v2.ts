/**
 * PROXY protocol version 2: a 16-byte fixed part (signature, version/command, family/transport,
 * length), an address block sized by the family, then TLVs up to exactly 16 + length.
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address.js';
import { Limits, TlvType, V2_SIGNATURE } from './constants.js';
import { crc32c } from './crc32c.js';
import { fail } from './errors.js';
import {
  type DecodeOptions,
  type EncodeOptions,
  type ResolvedDecodeOptions,
  resolveDecodeOptions,
} from './options.js';
import { checkTlvShape, checkTlvs, splitTlvs, tlvsLength, writeTlvs } from './tlv.js';
import { buildTlvs, type TlvInit } from './tlv-build.js';
import type {
  DecodeResult,
  IpEndpoint,
  ProxyEndpoint,
  ProxyFamily,
  ProxyHeader,
  ProxyHeaderInit,
  ProxyTransport,
  Tlv,
  UnixEndpoint,
} from './types.js';
import { checkEndpoints, checkedPort, inferIpFamily } from './v1.js';

const FAMILIES: readonly (ProxyFamily | undefined)[] = ['unspec', 'ipv4', 'ipv6', 'unix'];
const TRANSPORTS: readonly (ProxyTransport | undefined)[] = ['unspec', 'stream', 'dgram'];
const BLOCK_LENGTH = [0, 12, 36, 216] as const;

/** The seven family/transport bytes the spec lists; a PROXY header must use one of them. */
function isListedFamilyByte(b: number): boolean {
  return b === 0x00 || b === 0x11 || b === 0x12 || b === 0x21 || b === 0x22 || b === 0x31 || b === 0x32;
}

const NONE: DecodeResult = Object.freeze({ status: 'none' });
const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });
// ignoreBOM: a path starting with U+FEFF keeps it (by default the decoder would drop it).
const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a v2 header at the start of `input`. Returns `none` if the bytes are not a v2
 * signature, `incomplete` for a strict prefix of a possible header; throws
 * {@link ProxyProtocolError} for a malformed one. Consumes exactly 16 + length bytes.
 */
export function decodeV2(input: Uint8Array, options?: DecodeOptions): DecodeResult {
  return decodeV2Resolved(input, resolveDecodeOptions(options));
}

/** @internal */
export function decodeV2Resolved(input: Uint8Array, options: ResolvedDecodeOptions): DecodeResult {
  const n = input.length;
  const sigEnd = n < 12 ? n : 12;
  for (let i = 0; i < sigEnd; i++) if (input[i] !== V2_SIGNATURE[i]) return NONE;
  if (n < 12) return INCOMPLETE;
  if (!options.acceptV2) fail('ERR_PROXY_VERSION_NOT_ALLOWED', 'PROXY protocol version 2 is not accepted here', 0);
  if (n === 12) return INCOMPLETE;

  const verCmd = input[12] as number;
  if (verCmd >>> 4 !== 2) fail('ERR_PROXY_V2_VERSION', `version must be 2, got ${verCmd >>> 4}`, 12);
  const commandBits = verCmd & 0x0f;
  if (commandBits > 1) fail('ERR_PROXY_V2_COMMAND', `command must be 0 (LOCAL) or 1 (PROXY), got ${commandBits}`, 12);
  const local = commandBits === 0;
  if (n === 13) return INCOMPLETE;

  const famByte = input[13] as number;
  // LOCAL: the spec says the family is ignored, so any byte is accepted (and never used for addresses).
  if (!local && !isListedFamilyByte(famByte)) {
    fail('ERR_PROXY_V2_FAMILY', `family/transport byte 0x${famByte.toString(16).padStart(2, '0')} is not one of the defined combinations`, 13);
  }
  if (n < 16) return INCOMPLETE;

  const length = ((input[14] as number) << 8) | (input[15] as number);
  const total = 16 + length;
  if (total > options.maxHeaderLength) {
    fail('ERR_PROXY_HEADER_TOO_LONG', `header of ${total} bytes exceeds the limit of ${options.maxHeaderLength}`, 14);
  }
  const familyNibble = famByte >>> 4;
  const family = FAMILIES[familyNibble];
  const transport = TRANSPORTS[famByte & 0x0f];
  const known = family !== undefined && transport !== undefined;
  const block = known ? BLOCK_LENGTH[familyNibble as 0 | 1 | 2 | 3] : 0;
  if (!local && length < block) {
    fail('ERR_PROXY_V2_ADDRESS_LENGTH', `length ${length} is shorter than the ${block}-byte ${family} address block`, 14);
  }
  if (n < total) return INCOMPLETE;

  let source: ProxyEndpoint | null = null;
  let destination: ProxyEndpoint | null = null;
  let tlvs: Tlv[] | undefined;
  let unparsed: Uint8Array | undefined;
  if (block > 0 && length >= block) {
    if (!local) {
      if (family === 'unix') {
        source = { path: unixPath(input, 16) };
        destination = { path: unixPath(input, 16 + 108) };
      } else {
        const v6 = family === 'ipv6';
        const portAt = v6 ? 48 : 24;
        source = { address: v6 ? formatIPv6(input, 16) : formatIPv4(input, 16), port: u16(input, portAt) };
        destination = { address: v6 ? formatIPv6(input, 32) : formatIPv4(input, 20), port: u16(input, portAt + 2) };
      }
    }
    // The address block size is known: TLVs must tile the rest exactly.
    tlvs = splitTlvs(input, 16 + block, total, true);
  } else {
    // UNSPEC, or LOCAL with an undefined family or a short block: these bytes may be address
    // information the spec says to ignore. Read them as TLVs only if they are well-formed.
    tlvs = splitTlvs(input, 16, total);
    if (tlvs === undefined) {
      tlvs = [];
      unparsed = input.subarray(16, total);
    }
  }

  const crcIndex = checkTlvs(tlvs, options);
  if (crcIndex >= 0) {
    if (options.verifyCrc32c || options.requireCrc32c) verifyCrc(input, total, tlvs[crcIndex] as Tlv);
  } else if (options.requireCrc32c) {
    fail('ERR_PROXY_CRC32C_MISSING', 'header carries no CRC32C TLV and one is required', 16);
  }

  const header: ProxyHeader = {
    version: 2,
    command: local ? 'local' : 'proxy',
    family: known ? family : 'unspec',
    transport: known ? transport : 'unspec',
    source,
    destination,
    tlvs,
  };
  if (unparsed !== undefined) header.unparsed = unparsed;
  return { status: 'complete', header, length: total };
}

function u16(input: Uint8Array, at: number): number {
  return ((input[at] as number) << 8) | (input[at + 1] as number);
}

function unixPath(input: Uint8Array, at: number): string {
  let end = at;
  const max = at + Limits.UNIX_PATH_LENGTH;
  while (end < max && input[end] !== 0) end++;
  try {
    return utf8.decode(input.subarray(at, end));
  } catch {
    return fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX socket path is not valid UTF-8', at);
  }
}

function verifyCrc(input: Uint8Array, total: number, tlv: Tlv): void {
  const value = tlv.value;
  const stored = ((value[0] as number) * 0x1000000 + (((value[1] as number) << 16) | ((value[2] as number) << 8) | (value[3] as number))) >>> 0;
  // The checksum is computed with its own 4 bytes zeroed: hash around them.
  const at = value.byteOffset - input.byteOffset;
  let crc = crc32c(input.subarray(0, at));
  crc = crc32c(ZERO4, crc);
  crc = crc32c(input.subarray(at + 4, total), crc);
  if (crc !== stored) {
    fail('ERR_PROXY_CRC32C_MISMATCH', `CRC32C mismatch: header says 0x${stored.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')}`, at);
  }
}

const ZERO4 = new Uint8Array(4);

// ---------------------------------------------------------------------------------------------
// Encoding

interface V2Plan {
  command: 0 | 1;
  family: ProxyFamily;
  transport: ProxyTransport;
  source: ProxyEndpoint | null;
  destination: ProxyEndpoint | null;
  tlvs: readonly Tlv[];
  crcIndex: number;
  padding: number; // NOOP value length to append, or -1 for none
  length: number; // total header bytes
}

const CRC_PLACEHOLDER: Tlv = Object.freeze({ type: TlvType.CRC32C, value: new Uint8Array(4) });

const NO_TLVS: readonly Tlv[] = Object.freeze([]);

/** One plan object reused by every call, so that encodeV2Into allocates nothing; a nested call (from a getter) gets its own. */
const shared: V2Plan = { command: 1, family: 'unspec', transport: 'unspec', source: null, destination: null, tlvs: NO_TLVS, crcIndex: -1, padding: -1, length: 0 };
let sharedInUse = false;

function plan(header: ProxyHeaderInit, options: EncodeOptions | undefined): V2Plan {
  const command = header.command ?? 'proxy';
  if (command !== 'proxy' && command !== 'local') fail('ERR_PROXY_INVALID_HEADER', `command must be 'proxy' or 'local': ${String(command)}`);
  const source = header.source ?? null;
  const destination = header.destination ?? null;
  let family: ProxyFamily;
  let transport: ProxyTransport;
  if (source === null && destination === null) {
    if (command === 'proxy' && header.family !== undefined && header.family !== 'unspec') {
      fail('ERR_PROXY_INVALID_HEADER', `a PROXY ${header.family} header needs a source and a destination`);
    }
    // LOCAL (or PROXY UNSPEC) without addresses: family byte 0x00, no address block.
    family = 'unspec';
    transport = 'unspec';
  } else {
    if (source === null || destination === null) {
      fail('ERR_PROXY_INVALID_HEADER', 'a header with addresses needs both a source and a destination');
    }
    checkEndpoints(source, destination);
    const unix = 'path' in source;
    if (unix !== 'path' in destination) fail('ERR_PROXY_INVALID_HEADER', 'source and destination must both be UNIX paths or both IP endpoints');
    family = header.family ?? (unix ? 'unix' : inferIpFamily(source as IpEndpoint, destination as IpEndpoint));
    if (!FAMILIES.includes(family)) fail('ERR_PROXY_INVALID_HEADER', `family must be 'ipv4', 'ipv6' or 'unix' when there are addresses: ${String(family)}`);
    if (family === 'unspec') fail('ERR_PROXY_INVALID_HEADER', "family 'unspec' cannot carry addresses");
    if ((family === 'unix') !== unix) fail('ERR_PROXY_INVALID_HEADER', `family '${family}' does not match the endpoints given`);
    transport = header.transport ?? 'stream';
    if (transport !== 'stream' && transport !== 'dgram') {
      fail('ERR_PROXY_INVALID_HEADER', `transport must be 'stream' or 'dgram' when there are addresses: ${String(transport)}`);
    }
  }
  const given = header.tlvs ?? NO_TLVS;
  if (typeof given !== 'object') fail('ERR_PROXY_INVALID_HEADER', 'tlvs must be an array of TLVs or typed TLV values');
  let tlvs: readonly Tlv[] = Array.isArray(given) ? given : buildTlvs(given as TlvInit);
  for (let k = 0; k < tlvs.length; k++) checkTlvShape(tlvs[k] as Tlv);
  let crcIndex = checkTlvs(tlvs, { maxUniqueIdLength: Limits.UNIQUE_ID_MAX_LENGTH });
  if (options?.crc32c === true && crcIndex < 0) {
    tlvs = [CRC_PLACEHOLDER, ...tlvs];
    crcIndex = 0;
  }
  const block = BLOCK_LENGTH[FAMILIES.indexOf(family) as 0 | 1 | 2 | 3];
  let length = 16 + block + tlvsLength(tlvs);
  let padding = -1;
  const padTo = options?.padTo;
  if (padTo !== undefined && padTo !== length) {
    const gap = padTo - length;
    if (!Number.isInteger(padTo) || gap < 3) {
      fail('ERR_PROXY_INVALID_HEADER', `cannot pad a ${length}-byte header to ${padTo} bytes (a NOOP TLV needs at least 3)`);
    }
    padding = gap - 3;
    length = padTo;
  }
  if (length > Limits.V2_MAX_LENGTH) {
    fail('ERR_PROXY_HEADER_TOO_LONG', `header of ${length} bytes exceeds the v2 maximum of ${Limits.V2_MAX_LENGTH}`);
  }
  const p: V2Plan = sharedInUse
    ? { command: 1, family, transport, source, destination, tlvs, crcIndex, padding, length }
    : shared;
  p.command = command === 'local' ? 0 : 1;
  p.family = family;
  p.transport = transport;
  p.source = source;
  p.destination = destination;
  p.tlvs = tlvs;
  p.crcIndex = crcIndex;
  p.padding = padding;
  p.length = length;
  return p;
}

/** Runs `write` with the shared plan marked busy, and releases it (and its references) after. */
function writePlan(p: V2Plan, out: Uint8Array, at: number): void {
  if (p !== shared) return write(p, out, at);
  sharedInUse = true;
  try {
    write(p, out, at);
  } finally {
    sharedInUse = false;
    release(p);
  }
}

/** Drops the shared plan's references to the caller's objects. */
function release(p: V2Plan): void {
  if (p !== shared) return;
  p.source = null;
  p.destination = null;
  p.tlvs = NO_TLVS;
}

/** Number of bytes {@link encodeV2} produces for `header` with `options`. */
export function encodingLengthV2(header: ProxyHeaderInit, options?: EncodeOptions): number {
  const p = plan(header, options);
  const length = p.length;
  release(p);
  return length;
}

/** Encodes `header` as v2 (`version` is ignored). Throws {@link ProxyProtocolError} for impossible headers. */
export function encodeV2(header: ProxyHeaderInit, options?: EncodeOptions): Uint8Array {
  const p = plan(header, options);
  const out = new Uint8Array(p.length);
  writePlan(p, out, 0);
  return out;
}

/** Writes the v2 header for `header` into `target` at `offset`; returns the number of bytes written. */
export function encodeV2Into(header: ProxyHeaderInit, target: Uint8Array, offset = 0, options?: EncodeOptions): number {
  const p = plan(header, options);
  const length = p.length;
  if (!Number.isInteger(offset) || offset < 0 || offset + length > target.length) {
    release(p);
    fail('ERR_PROXY_BUFFER_TOO_SMALL', `need ${length} bytes at offset ${offset}, have ${target.length - offset}`);
  }
  writePlan(p, target, offset);
  return length;
}

function write(p: V2Plan, out: Uint8Array, at: number): void {
  out.set(V2_SIGNATURE, at);
  out[at + 12] = 0x20 | p.command;
  out[at + 13] = (FAMILIES.indexOf(p.family) << 4) | TRANSPORTS.indexOf(p.transport);
  const payload = p.length - 16;
  out[at + 14] = payload >>> 8;
  out[at + 15] = payload & 0xff;
  let i = at + 16;
  if (p.family === 'ipv4' || p.family === 'ipv6') {
    const src = p.source as IpEndpoint;
    const dst = p.destination as IpEndpoint;
    const size = p.family === 'ipv4' ? 4 : 16;
    writeAddress(p.family, src.address, out, i);
    writeAddress(p.family, dst.address, out, i + size);
    i += 2 * size;
    const sp = checkedPort(src.port);
    const dp = checkedPort(dst.port);
    out[i] = sp >>> 8;
    out[i + 1] = sp & 0xff;
    out[i + 2] = dp >>> 8;
    out[i + 3] = dp & 0xff;
    i += 4;
  } else if (p.family === 'unix') {
    writePath((p.source as UnixEndpoint).path, out, i);
    writePath((p.destination as UnixEndpoint).path, out, i + 108);
    i += 216;
  }
  i = writeTlvs(p.tlvs, out, i);
  if (p.padding >= 0) {
    out[i] = TlvType.NOOP;
    out[i + 1] = p.padding >>> 8;
    out[i + 2] = p.padding & 0xff;
    out.fill(0, i + 3, i + 3 + p.padding);
  }
  if (p.crcIndex >= 0) {
    // The CRC TLV's value starts 3 bytes after its type byte; find it by walking the TLVs we wrote.
    let tlvAt = at + 16 + BLOCK_LENGTH[FAMILIES.indexOf(p.family) as 0 | 1 | 2 | 3];
    for (let k = 0; k < p.crcIndex; k++) tlvAt += 3 + (p.tlvs[k] as Tlv).value.length;
    const valueAt = tlvAt + 3;
    out.fill(0, valueAt, valueAt + 4);
    const crc = crc32c(out.subarray(at, at + p.length));
    out[valueAt] = crc >>> 24;
    out[valueAt + 1] = (crc >>> 16) & 0xff;
    out[valueAt + 2] = (crc >>> 8) & 0xff;
    out[valueAt + 3] = crc & 0xff;
  }
}

function writeAddress(family: 'ipv4' | 'ipv6', address: string, out: Uint8Array, at: number): void {
  if (typeof address === 'string') {
    if (family === 'ipv4') {
      const v = parseIPv4(address);
      if (v >= 0) {
        out[at] = v >>> 24;
        out[at + 1] = (v >>> 16) & 0xff;
        out[at + 2] = (v >>> 8) & 0xff;
        out[at + 3] = v & 0xff;
        return;
      }
    } else if (parseIPv6(address, out, at)) {
      return;
    }
  }
  fail('ERR_PROXY_INVALID_ADDRESS', `not a valid ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address: ${JSON.stringify(address)}`);
}

const utf8Encoder = /* @__PURE__ */ new TextEncoder();

function writePath(path: string, out: Uint8Array, at: number): void {
  if (typeof path !== 'string') fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX path must be a string');
  const bytes = utf8Encoder.encode(path);
  if (bytes.length > Limits.UNIX_PATH_LENGTH) {
    fail('ERR_PROXY_INVALID_ADDRESS', `UNIX path of ${bytes.length} bytes exceeds ${Limits.UNIX_PATH_LENGTH}`);
  }
  if (bytes.includes(0)) fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX path must not contain NUL');
  out.set(bytes, at);
  out.fill(0, at + bytes.length, at + Limits.UNIX_PATH_LENGTH);
}
