/** Argument parsing shared by the commands: `node:util` parseArgs, endpoints, header options. */
import { isIP } from 'node:net';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Limits } from '../constants.js';
import { type EncodeOptions, encode, ipVersion, isProxyProtocolError, type ProxyHeaderInit, type Tlv, type TlvInit } from '../index.js';
import { MAX_TIMER_DELAY } from '../node/util.js';
import { tlvNames, tlvTypeNamed } from './names.js';

/** Bad command-line input: printed as one line, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A runtime failure (connection refused, bad header bytes): printed as one line, exit status 1. */
export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

/**
 * parseArgs in strict mode, with its errors turned into {@link UsageError}s. A negative number
 * after a string option (`--timeout -1`) is joined to it first, so that the option's own check
 * reports it instead of parseArgs calling it ambiguous.
 */
export function parse<T extends Options>(argv: string[], options: T): Parsed<T> {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--')
      ? arg.slice(2)
      : /^-[a-zA-Z]$/.test(arg)
        ? Object.keys(options).find((key) => options[key]?.short === arg.slice(1))
        : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`--${name}=${next}`);
      i++;
    } else args.push(arg);
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const [first = String(error), ...rest] = (error as Error).message.split('\n');
    const message = first.replace(/\. To specify a positional argument.*$/, '');
    // An ambiguous value (`--data -x`): parseArgs's last line says how to write it; keep that part.
    const dash = /^To specify an option argument starting with a dash (use .+?)\.?$/.exec(rest.at(-1) ?? '');
    throw new UsageError(dash === null ? message : `${message.replace(/\.$/, '')}: to give a value starting with a dash, ${dash[1]}`);
  }
}

/** A whole number of `unit`, 0 to `max`. */
function wholeNumber(text: string, flag: string, max: number, unit: string): number {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value <= max)) throw new UsageError(`${flag} must be a whole number of ${unit} ≥ 0 (at most ${max}), got '${text}'`);
  return value;
}

/** A delay in milliseconds: a whole number, 0 or more, at most what a Node timer takes. */
export function parseMs(text: string | undefined, flag: string, fallback: number): number {
  return text === undefined ? fallback : wholeNumber(text, flag, MAX_TIMER_DELAY, 'milliseconds');
}

/** A byte count: a whole number, 0 or more, at most `max`. */
export function parseCount(text: string, flag: string, max: number): number {
  return wholeNumber(text, flag, max, 'bytes');
}

/** The usage error for an option that was renamed. */
export function renamed(values: Record<string, unknown>, old: string, now: string, meaning: string): void {
  if (values[old] !== undefined) throw new UsageError(`--${old} is now --${now} (${meaning})`);
}

/** A port number, 0–65535. */
export function parsePort(text: string, what: string, allowZero = true): number {
  if (!/^\d{1,5}$/.test(text)) throw new UsageError(`${what} must be a port number (0-65535), got '${text}'`);
  const port = Number(text);
  if (port > 65535 || (!allowZero && port === 0)) throw new UsageError(`${what}: port ${port} is out of range`);
  return port;
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Text with more than one colon and no brackets: an IPv6 address whose port cannot be told
 * apart from its last group (`2001:db8::1:80` is itself a full address).
 */
function unbracketed(text: string, what: string): UsageError {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  const split = isIP(host) === 6 && /^\d{1,5}$/.test(port) ? `[${host}]:${port} for port ${port} of ${host}, or ` : '';
  return new UsageError(`${what}: '${text}' is ambiguous: write an IPv6 address with its port in brackets, ${split}[${text}]:PORT`);
}

/** Removes the brackets of `[v6]`; other hosts unchanged. */
function splitHostPort(text: string, what: string, expected: string): { host: string; port: string } {
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(text);
  if (bracketed !== null) {
    const host = bracketed[1] as string;
    if (isIP(host) !== 6) throw new UsageError(`${what}: '${host}' in brackets is not an IPv6 address`);
    return { host, port: bracketed[2] as string };
  }
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') !== colon) throw unbracketed(text, what);
  if (colon <= 0) throw new UsageError(`${what}: expected ${expected} (IPv6 as [ADDR]:PORT), got '${text}'`);
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** `HOST:PORT`, `[IPv6]:PORT`. */
export function parseHostPort(text: string, what: string): HostPort {
  const { host, port } = splitHostPort(text, what, 'HOST:PORT');
  return { host, port: parsePort(port, what) };
}

/** Where to listen: `HOST:PORT`, `[IPv6]:PORT`, or a bare `PORT` without a host (every interface: see `bind`). */
export function parseListen(text: string, what: string): { host: string | undefined; port: number } {
  return /^\d+$/.test(text) ? { host: undefined, port: parsePort(text, what) } : parseHostPort(text, what);
}

/** `ADDR:PORT` with a literal IP address the encoder takes (no zone id), IPv6 in brackets: `[2001:db8::1]:80`. */
export function parseEndpoint(text: string, what: string): HostPort {
  const { host, port } = splitHostPort(text, what, 'ADDRESS:PORT');
  if (ipVersion(host) === 0) throw new UsageError(`${what}: '${host}' is not an IPv4 or IPv6 address`);
  return { host, port: parsePort(port, what) };
}

/** Hex with optional spaces, colons, newlines and `0x` prefixes, to bytes. */
export function parseHex(text: string, what: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new UsageError(`${what}: not hexadecimal`);
  if (clean.length % 2 !== 0) throw new UsageError(`${what}: odd number of hex digits (${clean.length})`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** `TYPE=HEX`: TYPE is decimal, `0x..` hex, or a name (`alpn`, `authority`, `ssl`, `aws`, …). */
export function parseTlv(text: string): Tlv {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--tlv: expected TYPE=HEX, got '${text}'`);
  const name = text.slice(0, eq).toLowerCase();
  let type: number;
  const named = tlvTypeNamed(name);
  if (named !== undefined) type = named;
  else if (/^0x[0-9a-f]{1,2}$/.test(name)) type = Number.parseInt(name.slice(2), 16);
  else if (/^\d{1,3}$/.test(name)) type = Number(name);
  else throw new UsageError(`--tlv: '${text.slice(0, eq)}' is not a TLV type (0-255, 0xNN, or a name such as alpn)`);
  if (type > 255) throw new UsageError(`--tlv: type ${type} is out of range (0-255)`);
  const value = parseHex(text.slice(eq + 1), `--tlv ${text.slice(0, eq)}`);
  if (value.length > Limits.V2_MAX_PAYLOAD_LENGTH) throw new UsageError(`--tlv: value longer than ${Limits.V2_MAX_PAYLOAD_LENGTH} bytes`);
  return { type, value };
}

/** The header options shared by `send` and `encode`. */
export const headerOptions = {
  v1: { type: 'boolean' },
  v2: { type: 'boolean' },
  src: { type: 'string' },
  dst: { type: 'string' },
  local: { type: 'boolean' },
  tlv: { type: 'string', multiple: true },
  authority: { type: 'string' },
  alpn: { type: 'string' },
  'unique-id': { type: 'string' },
  crc32c: { type: 'boolean' },
  'pad-to': { type: 'string' },
} as const satisfies Options;

export const headerOptionsHelp = `Header options:
  --v1 | --v2            protocol version (default: v2)
  --src ADDR:PORT        source (the client); IPv6 as [ADDR]:PORT
  --dst ADDR:PORT        destination (the address the client connected to)
  --local                a LOCAL header (health check: no addresses)
  --tlv TYPE=HEX         a raw TLV, repeatable; TYPE is 0-255, 0xNN or a name
                         (${tlvNames.join(', ')})
  --authority NAME       AUTHORITY TLV (0x02, the TLS SNI)
  --alpn PROTO           ALPN TLV (0x01), e.g. h2
  --unique-id ID         UNIQUE_ID TLV (0x05)
  --crc32c               add a CRC32C TLV (0x03) over the header
  --pad-to N             pad with a NOOP TLV (0x04) to exactly N bytes`;

export interface HeaderValues {
  v1?: boolean | undefined;
  v2?: boolean | undefined;
  src?: string | undefined;
  dst?: string | undefined;
  local?: boolean | undefined;
  tlv?: string[] | undefined;
  authority?: string | undefined;
  alpn?: string | undefined;
  'unique-id'?: string | undefined;
  crc32c?: boolean | undefined;
  'pad-to'?: string | undefined;
}

export interface HeaderSpec {
  version: 1 | 2;
  local: boolean;
  source: HostPort | undefined;
  destination: HostPort | undefined;
  tlvs: TlvInit | undefined;
  encodeOptions: EncodeOptions;
}

/** Validates the header options; addresses may still be missing (`send` fills them from its socket). */
export function headerSpec(values: HeaderValues): HeaderSpec {
  if (values.v1 === true && values.v2 === true) throw new UsageError('--v1 and --v2 are mutually exclusive');
  const version = values.v1 === true ? 1 : 2;
  const local = values.local === true;
  if (local && (values.src !== undefined || values.dst !== undefined)) throw new UsageError('--local takes no --src or --dst');
  const source = values.src === undefined ? undefined : parseEndpoint(values.src, '--src');
  const destination = values.dst === undefined ? undefined : parseEndpoint(values.dst, '--dst');
  const tlvs: TlvInit = {};
  if (values.alpn !== undefined) tlvs.alpn = values.alpn;
  if (values.authority !== undefined) tlvs.authority = values.authority;
  if (values['unique-id'] !== undefined) tlvs.uniqueId = values['unique-id'];
  if (values.tlv !== undefined) tlvs.raw = values.tlv.map(parseTlv);
  const hasTlvs = Object.keys(tlvs).length > 0;
  const encodeOptions: EncodeOptions = {};
  if (values.crc32c === true) encodeOptions.crc32c = true;
  if (values['pad-to'] !== undefined) encodeOptions.padTo = parseCount(values['pad-to'], '--pad-to', Limits.V2_MAX_LENGTH);
  if (version === 1) {
    const v2only = [hasTlvs && 'TLVs', encodeOptions.crc32c && '--crc32c', encodeOptions.padTo !== undefined && '--pad-to'].filter(Boolean);
    if (v2only.length > 0) throw new UsageError(`${v2only.join(', ')} need v2 (v1 headers carry no TLVs)`);
  }
  return { version, local, source, destination, tlvs: hasTlvs ? tlvs : undefined, encodeOptions };
}

/** Maps an IPv4 address to `::ffff:a.b.c.d` when the other end is IPv6 (as HAProxy does). */
function endpointsOf(source: HostPort, destination: HostPort): Pick<ProxyHeaderInit, 'source' | 'destination'> {
  const mixed = ipVersion(source.host) !== ipVersion(destination.host);
  const map = (e: HostPort) => ({ address: mixed && ipVersion(e.host) === 4 ? `::ffff:${e.host}` : e.host, port: e.port });
  return { source: map(source), destination: map(destination) };
}

/** The header to encode; `fallback` supplies missing addresses (the local socket, for `send`). */
export function headerInit(spec: HeaderSpec, fallback?: { source: HostPort; destination: HostPort }): ProxyHeaderInit {
  const init: ProxyHeaderInit = { version: spec.version };
  if (spec.tlvs !== undefined) init.tlvs = spec.tlvs;
  if (spec.local) return { ...init, command: 'local' };
  const source = spec.source ?? fallback?.source;
  const destination = spec.destination ?? fallback?.destination;
  if (source === undefined || destination === undefined) {
    throw new UsageError('a PROXY header needs both --src and --dst (or --local)');
  }
  return { ...init, command: 'proxy', ...endpointsOf(source, destination) };
}

/** `encode`, with the encoder's refusal of what the options asked for as a {@link UsageError}. */
export function checkedEncode(init: ProxyHeaderInit, options: EncodeOptions): Uint8Array {
  try {
    return encode(init, options);
  } catch (error) {
    if (isProxyProtocolError(error)) throw new UsageError(`${error.code}: ${error.message}`);
    throw error;
  }
}
