/**
 * PROXY protocol version 2: a 16-byte fixed part (signature, version/command, family/transport,
 * length), an address block sized by the family, then TLVs up to exactly 16 + length.
 */
import { ADDRESS_BYTES, formatIPv4, formatIPv6 } from './address.js';
import { ADDRESS_BLOCK_LENGTH, COMMANDS, FAMILIES, Limits, TlvType, TRANSPORTS, V2, V2_SIGNATURE } from './constants.js';
import { crc32cRange } from './crc32c.js';
import {
  checkedPort,
  commandOf,
  endpointKind,
  familyIndex,
  IP_ENDPOINTS,
  ipFamily,
  NO_ENDPOINTS,
  transportIndex,
  UNIX_ENDPOINTS,
} from './endpoint.js';
import { fail } from './errors.js';
import type { ResolvedDecodeOptions, ResolvedEncodeOptions } from './options.js';
import { checkTlv, checkTlvObject, checkTlvShape, checkTlvs, splitTlvs } from './tlv.js';
import { buildTlvs } from './tlv-build.js';
import type { DecodeResult, IpEndpoint, ProxyEndpoint, ProxyHeader, ProxyHeaderInit, Tlv, TlvInit, UnixEndpoint } from './types.js';

/** The seven family/transport bytes the spec lists; a PROXY header must use one of them. */
function isListedFamilyByte(b: number): boolean {
  return b === 0x00 || b === 0x11 || b === 0x12 || b === 0x21 || b === 0x22 || b === 0x31 || b === 0x32;
}

const A = V2.ADDRESSES;
const NONE: DecodeResult = Object.freeze({ status: 'none' });
const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });
// ignoreBOM: a path starting with U+FEFF keeps it (by default the decoder would drop it).
const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a v2 header at the start of `input` (whose first byte is CR). Returns `none` if the
 * bytes are not a v2 signature, `incomplete` for a strict prefix of a possible header; throws
 * {@link ProxyProtocolError} for a malformed one. Consumes exactly 16 + length bytes.
 */
export function decodeV2(input: Uint8Array, options: ResolvedDecodeOptions): DecodeResult {
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
  if (!options.acceptV2) fail('ERR_PROXY_VERSION_NOT_ALLOWED', 'version 2 not accepted', 0);
  if (n === 12) return INCOMPLETE;

  const verCmd = input[V2.VERSION_COMMAND] as number;
  if (verCmd >>> 4 !== 2) fail('ERR_PROXY_V2_VERSION', `version must be 2, got ${verCmd >>> 4}`, V2.VERSION_COMMAND);
  const commandBits = verCmd & 0x0f;
  if (commandBits > 1) fail('ERR_PROXY_V2_COMMAND', `command ${commandBits} is neither LOCAL nor PROXY`, V2.VERSION_COMMAND);
  const local = commandBits === 0;
  if (n === 13) return INCOMPLETE;

  const famByte = input[V2.FAMILY_TRANSPORT] as number;
  // LOCAL: the spec says the family is ignored, so any byte is accepted (and never used for addresses).
  if (!local && !isListedFamilyByte(famByte)) {
    fail(
      'ERR_PROXY_V2_FAMILY',
      `family/transport byte 0x${famByte.toString(16).padStart(2, '0')} is not one of the defined combinations`,
      V2.FAMILY_TRANSPORT,
    );
  }
  if (n < V2.ADDRESSES) return INCOMPLETE;

  const length = u16(input, V2.LENGTH);
  const total = V2.ADDRESSES + length;
  if (total > options.maxHeaderLength) {
    fail('ERR_PROXY_HEADER_TOO_LONG', `header of ${total} bytes over maxHeaderLength ${options.maxHeaderLength}`, V2.LENGTH);
  }
  const familyNibble = famByte >>> 4;
  const family = FAMILIES[familyNibble];
  const transport = TRANSPORTS[famByte & 0x0f];
  const known = family !== undefined && transport !== undefined;
  const block = known ? ADDRESS_BLOCK_LENGTH[familyNibble as 0 | 1 | 2 | 3] : 0;
  if (!local && length < block) {
    fail('ERR_PROXY_V2_ADDRESS_LENGTH', `length ${length} under the ${block}-byte ${family} address block`, V2.LENGTH);
  }
  if (n < total) return INCOMPLETE;

  let source: ProxyEndpoint | null = null;
  let destination: ProxyEndpoint | null = null;
  let tlvs: Tlv[] | undefined;
  let unparsed: Uint8Array | undefined;
  if (block > 0 && length >= block) {
    if (!local) {
      if (family === 'unix') {
        source = { path: unixPath(input, A) };
        destination = { path: unixPath(input, A + Limits.UNIX_PATH_LENGTH) };
      } else {
        const v6 = family === 'ipv6';
        // Two addresses of 4 or 16 bytes, then the two ports.
        const size = v6 ? 16 : 4;
        const ports = A + 2 * size;
        source = { address: v6 ? formatIPv6(input, A) : formatIPv4(input, A), port: u16(input, ports) };
        destination = { address: v6 ? formatIPv6(input, A + size) : formatIPv4(input, A + size), port: u16(input, ports + 2) };
      }
    }
    // The address block size is known: TLVs must tile the rest exactly.
    tlvs = splitTlvs(input, A + block, total, true);
  } else {
    // UNSPEC, or LOCAL with an undefined family or a short block: these bytes may be address
    // information the spec says to ignore. Read them as TLVs only if they are well-formed.
    tlvs = splitTlvs(input, A, total);
    if (tlvs === undefined) {
      tlvs = [];
      unparsed = input.subarray(A, total);
    }
  }

  const crcIndex = checkTlvs(tlvs, options.maxUniqueIdLength);
  if (crcIndex >= 0) {
    if (options.crc32c !== 0) verifyCrc(input, total, tlvs[crcIndex] as Tlv);
  } else if (options.crc32c === 2) {
    fail('ERR_PROXY_CRC32C_MISSING', 'no CRC32C TLV, and one is required', A);
  }

  const header: ProxyHeader = {
    version: 2,
    command: COMMANDS[commandBits as 0 | 1],
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
  // Bytes, not words, even for a large header: that keeps the word loop out of decode-only bundles.
  crc = crc32cRange(input, at + 4, total, crc);
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

/** What an encoder call has validated and has yet to write: made per call, read by {@link writeV2}. */
export interface V2Plan {
  /** Byte 12. */
  readonly versionCommand: number;
  /** Byte 13: family and transport nibbles. */
  readonly familyTransport: number;
  /** The family nibble: the size of the address block. */
  readonly family: number;
  /** PROXY headers with IP endpoints, whose bytes are in {@link ADDRESS_BYTES}. */
  readonly ip: boolean;
  readonly sourcePort: number;
  readonly destinationPort: number;
  /**
   * PROXY headers with UNIX endpoints: each path as an ASCII string or as UTF-8 bytes (two
   * fields rather than an array: one allocation less per header).
   */
  readonly sourcePath: string | Uint8Array | undefined;
  readonly destinationPath: string | Uint8Array | undefined;
  /** TLV types and values, read once from the header. */
  readonly types: readonly number[];
  readonly values: readonly Uint8Array[];
  /** A CRC32C TLV is written first, before the given ones (options.crc32c and none given). */
  readonly addCrc: boolean;
  /** Index of a CRC32C TLV given by the caller, or -1. */
  readonly crcIndex: number;
  /** NOOP value length to append, or -1 for none. */
  readonly padding: number;
  /** Bytes written after the fixed part in place of everything else, or undefined. */
  readonly unparsed: Uint8Array | undefined;
  /** Total header bytes. */
  readonly length: number;
}

const NO_TLVS: readonly Tlv[] = Object.freeze([]);
const NO_TYPES: readonly number[] = Object.freeze([]);
const NO_VALUES: readonly Uint8Array[] = Object.freeze([]);

/**
 * The plan of a bare LOCAL header (a health check: 16 bytes, nothing after the fixed part),
 * shared since a plan is never changed once made: the allocation was a tenth of that header's
 * time.
 */
const BARE_LOCAL: V2Plan = Object.freeze({
  versionCommand: V2.VERSION,
  familyTransport: 0,
  family: 0,
  ip: false,
  sourcePort: 0,
  destinationPort: 0,
  sourcePath: undefined,
  destinationPath: undefined,
  types: NO_TYPES,
  values: NO_VALUES,
  addCrc: false,
  crcIndex: -1,
  padding: -1,
  unparsed: undefined,
  length: V2.ADDRESSES,
});

/**
 * Validates `header` and everything the v2 encoding of it needs, before anything is written.
 * Every property of the header is read once, and all of them before the addresses are parsed
 * into {@link ADDRESS_BYTES}: a getter that encodes another header cannot interleave.
 */
export function planV2(header: ProxyHeaderInit, options: ResolvedEncodeOptions): V2Plan {
  const command = commandOf(header);
  let family = familyIndex(header.family);
  let transport = transportIndex(header.transport);
  const source = header.source ?? null;
  const destination = header.destination ?? null;
  const endpoints = endpointKind(source, destination);
  let sourceAddress: unknown;
  let destinationAddress: unknown;
  let sourcePort = 0;
  let destinationPort = 0;
  let sourcePath: string | Uint8Array | undefined;
  let destinationPath: string | Uint8Array | undefined;
  if (endpoints === NO_ENDPOINTS) {
    if (command === 1 && family > 0) fail('ERR_PROXY_INVALID_HEADER', `a PROXY ${header.family} header needs a source and a destination`);
    if (command === 1 && transport > 0)
      fail('ERR_PROXY_INVALID_HEADER', `a PROXY header without addresses has no transport: ${header.transport}`);
    // LOCAL keeps the family and transport it is given (the address block is then zeros).
    if (family < 0) family = 0;
    if (transport < 0) transport = 0;
  } else {
    if (family === 0) fail('ERR_PROXY_INVALID_HEADER', "family 'unspec' cannot carry addresses");
    if (transport === 0) fail('ERR_PROXY_INVALID_HEADER', "transport 'unspec' cannot carry addresses");
    if (transport < 0) transport = 1;
    if (endpoints === UNIX_ENDPOINTS) {
      if (family >= 0 && family !== 3) fail('ERR_PROXY_INVALID_HEADER', `family '${header.family}' does not match the endpoints given`);
      family = 3;
      sourcePath = pathBytes((source as UnixEndpoint).path);
      destinationPath = pathBytes((destination as UnixEndpoint).path);
    } else {
      if (family === 3) fail('ERR_PROXY_INVALID_HEADER', "family 'unix' does not match the endpoints given");
      sourceAddress = (source as IpEndpoint).address;
      destinationAddress = (destination as IpEndpoint).address;
      sourcePort = checkedPort((source as IpEndpoint).port);
      destinationPort = checkedPort((destination as IpEndpoint).port);
    }
  }
  const given = header.tlvs ?? NO_TLVS;
  if (typeof given !== 'object') fail('ERR_PROXY_INVALID_HEADER', 'tlvs must be an array of TLVs or typed TLV values');
  const tlvs: readonly Tlv[] = Array.isArray(given) ? given : buildTlvs(given as TlvInit);
  // Each TLV's type and value are read once, checked, and kept for writeV2. Most headers have
  // no TLVs: they share two frozen empty lists.
  const count = tlvs.length;
  const types: number[] = count === 0 ? (NO_TYPES as number[]) : new Array<number>(count);
  const values: Uint8Array[] = count === 0 ? (NO_VALUES as Uint8Array[]) : new Array<Uint8Array>(count);
  let tlvBytes = 0;
  let crcIndex = -1;
  for (let k = 0; k < count; k++) {
    const tlv = tlvs[k];
    checkTlvObject(tlv);
    const type = tlv.type;
    const value = tlv.value;
    checkTlvShape(type, value);
    crcIndex = checkTlv(type, value, k, crcIndex, Limits.UNIQUE_ID_MAX_LENGTH);
    types[k] = type;
    values[k] = value;
    tlvBytes += 3 + value.length;
  }
  const addCrc = crcIndex < 0 && options.crc32c;
  const unparsed = header.unparsed;
  if (unparsed !== undefined) {
    if (!(unparsed instanceof Uint8Array)) throw new TypeError('unparsed must be a Uint8Array');
    if (endpoints !== NO_ENDPOINTS || count > 0 || addCrc || (command === 1 && family !== 0)) {
      fail('ERR_PROXY_INVALID_HEADER', 'unparsed bytes replace the addresses and TLVs: only for LOCAL or UNSPEC headers without TLVs');
    }
  }
  // Every property has been read: the addresses can go to the shared bytes.
  if (endpoints === IP_ENDPOINTS) family = ipFamily(sourceAddress, destinationAddress, family, ADDRESS_BYTES) & 3;
  let length =
    unparsed !== undefined
      ? V2.ADDRESSES + unparsed.length
      : V2.ADDRESSES + ADDRESS_BLOCK_LENGTH[family as 0 | 1 | 2 | 3] + (addCrc ? 7 : 0) + tlvBytes;
  let padding = -1;
  const padTo = options.padTo;
  if (padTo >= 0 && padTo !== length) {
    const gap = padTo - length;
    if (gap < 3 || unparsed !== undefined) {
      fail('ERR_PROXY_INVALID_HEADER', `cannot pad a ${length}-byte header to ${padTo} bytes (a NOOP TLV needs at least 3)`);
    }
    padding = gap - 3;
    length = padTo;
  }
  if (length > Limits.V2_MAX_LENGTH) {
    fail('ERR_PROXY_HEADER_TOO_LONG', `header of ${length} bytes exceeds the v2 maximum of ${Limits.V2_MAX_LENGTH}`);
  }
  if (length === V2.ADDRESSES && command === 0 && family === 0 && transport === 0 && unparsed === undefined) return BARE_LOCAL;
  return {
    versionCommand: V2.VERSION | command,
    familyTransport: (family << 4) | transport,
    family,
    ip: endpoints === IP_ENDPOINTS,
    sourcePort,
    destinationPort,
    sourcePath,
    destinationPath,
    types,
    values,
    addCrc,
    crcIndex,
    padding,
    unparsed,
    length,
  };
}

/**
 * Writes the planned header at `out[at]` (which has room for `plan.length` bytes). `zeroed`
 * says those bytes are already zeros (a fresh array), so that the zero padding of UNIX paths
 * and of a LOCAL address block need not be written again: that fill was a fifth of the time of
 * a LOCAL header.
 */
export function writeV2(plan: V2Plan, out: Uint8Array, at: number, zeroed: boolean): void {
  const length = plan.length;
  // The signature as literals (a module-level table costs a bounds check per byte).
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
  out[at + V2.VERSION_COMMAND] = plan.versionCommand;
  out[at + V2.FAMILY_TRANSPORT] = plan.familyTransport;
  const payload = length - V2.ADDRESSES;
  out[at + V2.LENGTH] = payload >>> 8;
  out[at + V2.LENGTH + 1] = payload & 0xff;
  let i = at + V2.ADDRESSES;
  if (plan.unparsed !== undefined) {
    out.set(plan.unparsed, i);
    return;
  }
  const sourcePath = plan.sourcePath;
  if (plan.ip) {
    const a = ADDRESS_BYTES;
    const size = plan.family === 1 ? 4 : 16;
    for (let k = 0; k < size; k++) {
      out[i + k] = a[k] as number;
      out[i + size + k] = a[16 + k] as number;
    }
    i += 2 * size;
    const sp = plan.sourcePort;
    const dp = plan.destinationPort;
    out[i] = sp >>> 8;
    out[i + 1] = sp & 0xff;
    out[i + 2] = dp >>> 8;
    out[i + 3] = dp & 0xff;
    i += 4;
  } else if (sourcePath !== undefined) {
    writePath(sourcePath, out, i, zeroed);
    writePath(plan.destinationPath as string | Uint8Array, out, i + Limits.UNIX_PATH_LENGTH, zeroed);
    i += 2 * Limits.UNIX_PATH_LENGTH;
  } else {
    // LOCAL with a family: its address block, zeroed.
    const block = ADDRESS_BLOCK_LENGTH[plan.family as 0 | 1 | 2 | 3];
    if (!zeroed && block > 0) out.fill(0, i, i + block);
    i += block;
  }
  let crcAt = -1;
  if (plan.addCrc) {
    out[i] = TlvType.CRC32C;
    out[i + 1] = 0;
    out[i + 2] = 4;
    crcAt = i + 3;
    i += 7;
  }
  const types = plan.types;
  const values = plan.values;
  for (let k = 0; k < types.length; k++) {
    if (k === plan.crcIndex) crcAt = i + 3;
    const value = values[k] as Uint8Array;
    const n = value.length;
    out[i] = types[k] as number;
    out[i + 1] = n >>> 8;
    out[i + 2] = n & 0xff;
    if (n <= 32) for (let v = 0; v < n; v++) out[i + 3 + v] = value[v] as number;
    else out.set(value, i + 3);
    i += 3 + n;
  }
  const padding = plan.padding;
  if (padding >= 0) {
    out[i] = TlvType.NOOP;
    out[i + 1] = padding >>> 8;
    out[i + 2] = padding & 0xff;
    if (!zeroed) out.fill(0, i + 3, i + 3 + padding);
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

const utf8Encoder = /* @__PURE__ */ new TextEncoder();

/** Checks a UNIX path (at most 108 bytes as UTF-8, no NUL): ASCII paths stay strings, others become their UTF-8 bytes. */
function pathBytes(path: unknown): string | Uint8Array {
  if (typeof path !== 'string') return fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX path must be a string');
  const max = Limits.UNIX_PATH_LENGTH;
  // One unsigned test per character finds both NUL and anything past ASCII.
  let plain = path.length <= max;
  for (let k = 0; k < path.length; k++) {
    if ((path.charCodeAt(k) - 1) >>> 0 >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return path;
  if (path.includes('\0')) fail('ERR_PROXY_INVALID_ADDRESS', 'UNIX path must not contain NUL');
  const bytes = utf8Encoder.encode(path);
  if (bytes.length > max) fail('ERR_PROXY_INVALID_ADDRESS', `UNIX path of ${bytes.length} bytes exceeds ${max}`);
  return bytes;
}

/** Writes a path as 108 NUL-padded bytes at `out[at]` (the padding only unless `zeroed`). */
function writePath(path: string | Uint8Array, out: Uint8Array, at: number, zeroed: boolean): void {
  let n: number;
  if (typeof path === 'string') {
    n = path.length;
    for (let k = 0; k < n; k++) out[at + k] = path.charCodeAt(k);
  } else {
    n = path.length;
    out.set(path, at);
  }
  if (!zeroed) out.fill(0, at + n, at + Limits.UNIX_PATH_LENGTH);
}
