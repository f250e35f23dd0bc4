/**
 * PROXY protocol version 2: a 16-byte fixed part (signature, version/command, family/transport,
 * length), an address block sized by the family, then TLVs up to exactly 16 + length.
 */
import { formatIPv4, formatIPv6 } from './address.js';
import { Limits, TlvType, V2_SIGNATURE } from './constants.js';
import { crc32c, crc32cRange } from './crc32c.js';
import { fail } from './errors.js';
import { type DecodeOptions, type EncodeOptions, type ResolvedDecodeOptions, resolveDecodeOptions } from './options.js';
import { checkTlvShape, checkTlvs, splitTlvs, tlvsLength } from './tlv.js';
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
import { checkEndpoints, checkedIPv4Into, checkedIPv6Into, checkedPort, inferIpFamilyInto } from './v1.js';

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
  if (
    n < 16 ||
    input[0] !== 0x0d ||
    input[1] !== 0x0a ||
    input[2] !== 0x0d ||
    input[3] !== 0x0a ||
    input[4] !== 0x00 ||
    input[5] !== 0x0d ||
    input[6] !== 0x0a ||
    input[7] !== 0x51 ||
    input[8] !== 0x55 ||
    input[9] !== 0x49 ||
    input[10] !== 0x54 ||
    input[11] !== 0x0a
  ) {
    // Short or not a signature: the byte-by-byte comparison decides between none and incomplete.
    const sigEnd = Math.min(n, 12);
    for (let i = 0; i < sigEnd; i++) if (input[i] !== V2_SIGNATURE[i]) return NONE;
  }
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
    fail(
      'ERR_PROXY_V2_FAMILY',
      `family/transport byte 0x${famByte.toString(16).padStart(2, '0')} is not one of the defined combinations`,
      13,
    );
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

  const crcIndex = checkTlvs(tlvs, options.maxUniqueIdLength);
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
  const stored =
    ((value[0] as number) * 0x1000000 + (((value[1] as number) << 16) | ((value[2] as number) << 8) | (value[3] as number))) >>> 0;
  // The checksum is computed with its own 4 bytes zeroed: hash around them.
  const at = value.byteOffset - input.byteOffset;
  let crc = crc32cRange(input, 0, at);
  crc = crc32cRange(ZERO4, 0, 4, crc);
  crc = total - at - 4 >= 256 ? crc32c(input.subarray(at + 4, total), crc) : crc32cRange(input, at + 4, total, crc);
  if (crc !== stored) {
    fail(
      'ERR_PROXY_CRC32C_MISMATCH',
      `CRC32C mismatch: header says 0x${stored.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')}`,
      at,
    );
  }
}

const ZERO4 = /* @__PURE__ */ new Uint8Array(4);

// ---------------------------------------------------------------------------------------------
// Encoding

/** What an encoder call has validated and has yet to write. One instance is reused by every call. */
interface V2Plan {
  command: 0 | 1;
  /** Byte 13: family and transport nibbles. */
  familyByte: number;
  /** 0, 1 (IPv4), 2 (IPv6) or 3 (UNIX): the family nibble. */
  family: number;
  source: ProxyEndpoint | null;
  destination: ProxyEndpoint | null;
  /** Explicit family: addresses are parsed by `finish` (after the buffer check), not `prepare`. */
  late: boolean;
  /** Source address bytes at 0, destination at 16. */
  addresses: Uint8Array;
  sourcePort: number;
  destinationPort: number;
  tlvs: readonly Tlv[];
  /** A CRC32C TLV is written first, before `tlvs` (options.crc32c and none given). */
  addCrc: boolean;
  /** Index in `tlvs` of a CRC32C TLV given by the caller, or -1. */
  crcIndex: number;
  padding: number; // NOOP value length to append, or -1 for none
  length: number; // total header bytes
}

const NO_TLVS: readonly Tlv[] = Object.freeze([]);

function newPlan(): V2Plan {
  return {
    command: 1,
    familyByte: 0,
    family: 0,
    source: null,
    destination: null,
    late: false,
    addresses: new Uint8Array(32),
    sourcePort: 0,
    destinationPort: 0,
    tlvs: NO_TLVS,
    addCrc: false,
    crcIndex: -1,
    padding: -1,
    length: 0,
  };
}

/** One plan reused by every call, so that encodeV2Into allocates nothing; a nested call (from a getter) gets its own. */
const shared: V2Plan = /* @__PURE__ */ newPlan();
let sharedInUse = false;

/** Validates everything but (with an explicit family) the addresses, ports and paths; returns the header length. */
function prepare(p: V2Plan, header: ProxyHeaderInit, options: EncodeOptions | undefined): number {
  const command = header.command ?? 'proxy';
  if (command !== 'proxy' && command !== 'local')
    fail('ERR_PROXY_INVALID_HEADER', `command must be 'proxy' or 'local': ${String(command)}`);
  const source = header.source ?? null;
  const destination = header.destination ?? null;
  let familyIndex = 0;
  let transportIndex = 0;
  let late = false;
  if (source === null && destination === null) {
    if (command === 'proxy' && header.family !== undefined && header.family !== 'unspec') {
      fail('ERR_PROXY_INVALID_HEADER', `a PROXY ${header.family} header needs a source and a destination`);
    }
    // LOCAL (or PROXY UNSPEC) without addresses: family byte 0x00, no address block.
  } else {
    if (source === null || destination === null) {
      fail('ERR_PROXY_INVALID_HEADER', 'a header with addresses needs both a source and a destination');
    }
    checkEndpoints(source, destination);
    const unix = 'path' in source;
    if (unix !== 'path' in destination)
      fail('ERR_PROXY_INVALID_HEADER', 'source and destination must both be UNIX paths or both IP endpoints');
    const given = header.family;
    let family: ProxyFamily;
    if (given !== undefined) {
      family = given;
      late = true;
    } else if (unix) {
      family = 'unix';
      late = true;
    } else {
      family = inferIpFamilyInto((source as IpEndpoint).address, (destination as IpEndpoint).address, p.addresses);
    }
    familyIndex = family === 'ipv4' ? 1 : family === 'ipv6' ? 2 : family === 'unix' ? 3 : family === 'unspec' ? 0 : -1;
    if (familyIndex < 0)
      fail('ERR_PROXY_INVALID_HEADER', `family must be 'ipv4', 'ipv6' or 'unix' when there are addresses: ${String(family)}`);
    if (familyIndex === 0) fail('ERR_PROXY_INVALID_HEADER', "family 'unspec' cannot carry addresses");
    if ((familyIndex === 3) !== unix) fail('ERR_PROXY_INVALID_HEADER', `family '${family}' does not match the endpoints given`);
    const transport = header.transport ?? 'stream';
    if (transport === 'stream') transportIndex = 1;
    else if (transport === 'dgram') transportIndex = 2;
    else fail('ERR_PROXY_INVALID_HEADER', `transport must be 'stream' or 'dgram' when there are addresses: ${String(transport)}`);
  }
  const given = header.tlvs ?? NO_TLVS;
  if (typeof given !== 'object') fail('ERR_PROXY_INVALID_HEADER', 'tlvs must be an array of TLVs or typed TLV values');
  const tlvs: readonly Tlv[] = Array.isArray(given) ? given : buildTlvs(given as TlvInit);
  for (let k = 0; k < tlvs.length; k++) checkTlvShape(tlvs[k] as Tlv);
  const crcIndex = checkTlvs(tlvs, Limits.UNIQUE_ID_MAX_LENGTH);
  const addCrc = crcIndex < 0 && options !== undefined && options.crc32c === true;
  let length = 16 + (BLOCK_LENGTH[familyIndex as 0 | 1 | 2 | 3] as number) + (addCrc ? 7 : 0) + tlvsLength(tlvs);
  let padding = -1;
  const padTo = options === undefined ? undefined : options.padTo;
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
  p.command = command === 'local' ? 0 : 1;
  p.family = familyIndex;
  p.familyByte = (familyIndex << 4) | transportIndex;
  p.source = source;
  p.destination = destination;
  p.late = late;
  p.tlvs = tlvs;
  p.addCrc = addCrc;
  p.crcIndex = crcIndex;
  p.padding = padding;
  p.length = length;
  return length;
}

/** Reads and checks the addresses (when not done by `prepare`), ports and paths into the plan. */
function finish(p: V2Plan, out: Uint8Array, at: number): void {
  const family = p.family;
  if (family === 1 || family === 2) {
    const src = p.source as IpEndpoint;
    const dst = p.destination as IpEndpoint;
    if (p.late) {
      if (family === 1) {
        checkedIPv4Into(src.address, p.addresses, 0);
        checkedIPv4Into(dst.address, p.addresses, 16);
      } else {
        checkedIPv6Into(src.address, p.addresses, 0);
        checkedIPv6Into(dst.address, p.addresses, 16);
      }
    }
    p.sourcePort = checkedPort(src.port);
    p.destinationPort = checkedPort(dst.port);
  } else if (family === 3) {
    // The output is already sized and checked: the paths go straight to their place in it.
    pathInto((p.source as UnixEndpoint).path, out, at + 16);
    pathInto((p.destination as UnixEndpoint).path, out, at + 16 + Limits.UNIX_PATH_LENGTH);
  }
  // The caller's objects are not needed any more.
  p.source = null;
  p.destination = null;
}

/** Number of bytes {@link encodeV2} produces for `header` with `options`. */
export function encodingLengthV2(header: ProxyHeaderInit, options?: EncodeOptions): number {
  const p = sharedInUse ? newPlan() : shared;
  const length = prepare(p, header, options);
  p.source = null;
  p.destination = null;
  p.tlvs = NO_TLVS;
  return length;
}

/** Encodes `header` as v2 (`version` is ignored). Throws {@link ProxyProtocolError} for impossible headers. */
export function encodeV2(header: ProxyHeaderInit, options?: EncodeOptions): Uint8Array {
  if (sharedInUse) {
    const p = newPlan();
    const out = new Uint8Array(prepare(p, header, options));
    finish(p, out, 0);
    write(p, out, 0);
    return out;
  }
  sharedInUse = true;
  try {
    const out = new Uint8Array(prepare(shared, header, options));
    finish(shared, out, 0);
    write(shared, out, 0);
    return out;
  } finally {
    release();
  }
}

/** Writes the v2 header for `header` into `target` at `offset`; returns the number of bytes written. */
export function encodeV2Into(header: ProxyHeaderInit, target: Uint8Array, offset = 0, options?: EncodeOptions): number {
  if (sharedInUse) return encodeInto(newPlan(), header, target, offset, options);
  sharedInUse = true;
  try {
    return encodeInto(shared, header, target, offset, options);
  } finally {
    release();
  }
}

function encodeInto(p: V2Plan, header: ProxyHeaderInit, target: Uint8Array, offset: number, options: EncodeOptions | undefined): number {
  const length = prepare(p, header, options);
  if (!Number.isInteger(offset) || offset < 0 || offset + length > target.length) {
    fail('ERR_PROXY_BUFFER_TOO_SMALL', `need ${length} bytes at offset ${offset}, have ${target.length - offset}`);
  }
  finish(p, target, offset);
  write(p, target, offset);
  return length;
}

/** Releases the shared plan and drops its references to the caller's objects. */
function release(): void {
  sharedInUse = false;
  shared.source = null;
  shared.destination = null;
  shared.tlvs = NO_TLVS;
}

function write(p: V2Plan, out: Uint8Array, at: number): void {
  const length = p.length;
  const tlvs = p.tlvs;
  const addCrc = p.addCrc;
  const crcIndex = p.crcIndex;
  const padding = p.padding;
  // The signature, \r\n\r\n\0\r\nQUIT\n, as literals (a module-level table costs a bounds check per byte).
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
  out[at + 2] = 0x0d;
  out[at + 3] = 0x0a;
  out[at + 4] = 0x00;
  out[at + 5] = 0x0d;
  out[at + 6] = 0x0a;
  out[at + 7] = 0x51;
  out[at + 8] = 0x55;
  out[at + 9] = 0x49;
  out[at + 10] = 0x54;
  out[at + 11] = 0x0a;
  out[at + 12] = 0x20 | p.command;
  out[at + 13] = p.familyByte;
  const payload = length - 16;
  out[at + 14] = payload >>> 8;
  out[at + 15] = payload & 0xff;
  let i = at + 16;
  const family = p.family;
  const a = p.addresses;
  if (family === 1) {
    for (let k = 0; k < 4; k++) {
      out[i + k] = a[k] as number;
      out[i + 4 + k] = a[16 + k] as number;
    }
    i += 8;
  } else if (family === 2) {
    for (let k = 0; k < 16; k++) {
      out[i + k] = a[k] as number;
      out[i + 16 + k] = a[16 + k] as number;
    }
    i += 32;
  } else if (family === 3) {
    i += 2 * Limits.UNIX_PATH_LENGTH; // written by finish
  }
  if (family === 1 || family === 2) {
    const sp = p.sourcePort;
    const dp = p.destinationPort;
    out[i] = sp >>> 8;
    out[i + 1] = sp & 0xff;
    out[i + 2] = dp >>> 8;
    out[i + 3] = dp & 0xff;
    i += 4;
  }
  // From here on the plan's fields are not read: a TLV getter may start a nested encode.
  let crcAt = -1;
  if (addCrc) {
    out[i] = TlvType.CRC32C;
    out[i + 1] = 0;
    out[i + 2] = 4;
    crcAt = i + 3;
    i += 7;
  }
  for (let k = 0; k < tlvs.length; k++) {
    if (k === crcIndex) crcAt = i + 3;
    i = writeTlv(tlvs[k] as Tlv, out, i);
  }
  if (padding >= 0) {
    out[i] = TlvType.NOOP;
    out[i + 1] = padding >>> 8;
    out[i + 2] = padding & 0xff;
    out.fill(0, i + 3, i + 3 + padding);
  }
  if (crcAt >= 0) {
    out[crcAt] = out[crcAt + 1] = out[crcAt + 2] = out[crcAt + 3] = 0;
    const crc = crc32cRange(out, at, at + length);
    out[crcAt] = crc >>> 24;
    out[crcAt + 1] = (crc >>> 16) & 0xff;
    out[crcAt + 2] = (crc >>> 8) & 0xff;
    out[crcAt + 3] = crc & 0xff;
  }
}

/** Writes one TLV (shape checked again: a getter may return something else the second time). */
function writeTlv(tlv: Tlv, out: Uint8Array, i: number): number {
  checkTlvShape(tlv);
  const value = tlv.value;
  const n = value.length;
  out[i] = tlv.type;
  out[i + 1] = n >>> 8;
  out[i + 2] = n & 0xff;
  if (n <= 32) for (let k = 0; k < n; k++) out[i + 3 + k] = value[k] as number;
  else out.set(value, i + 3);
  return i + 3 + n;
}

const utf8Encoder = /* @__PURE__ */ new TextEncoder();

/** Checks a UNIX path and writes it as 108 NUL-padded bytes at `out[at]`; ASCII paths are copied without allocating. */
function pathInto(path: string, out: Uint8Array, at: number): void {
  if (typeof path !== 'string') fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX path must be a string');
  const max = Limits.UNIX_PATH_LENGTH;
  const n = path.length;
  if (n <= max) {
    let ascii = true;
    let nul = false;
    for (let k = 0; k < n; k++) {
      const c = path.charCodeAt(k);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      if (c === 0) nul = true;
      out[at + k] = c;
    }
    if (ascii) {
      if (nul) fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX path must not contain NUL');
      out.fill(0, at + n, at + max);
      return;
    }
  }
  const bytes = utf8Encoder.encode(path);
  if (bytes.length > max) fail('ERR_PROXY_INVALID_ADDRESS', `UNIX path of ${bytes.length} bytes exceeds ${max}`);
  if (bytes.includes(0)) fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX path must not contain NUL');
  out.set(bytes, at);
  out.fill(0, at + bytes.length, at + max);
}
