/** Argument parsing shared by the commands: `node:util` parseArgs, endpoints, header options. */
import { isIP } from 'node:net';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type EncodeOptions, type ProxyHeaderInit, type Tlv, type TlvInit, TlvType } from '../index.js';

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

/** parseArgs in strict mode, with its errors turned into {@link UsageError}s. */
export function parse<T extends Options>(argv: string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** A port number, 0–65535. */
export function parsePort(text: string, what: string, allowZero = true): number {
  if (!/^\d{1,5}$/.test(text)) throw new UsageError(`${what}: '${text}' is not a port number`);
  const port = Number(text);
  if (port > 65535 || (!allowZero && port === 0)) throw new UsageError(`${what}: port ${port} is out of range`);
  return port;
}

export interface HostPort {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[IPv6]:PORT`; with `defaultHost`, a bare `PORT` too. */
export function parseHostPort(text: string, what: string, defaultHost?: string): HostPort {
  if (defaultHost !== undefined && /^\d+$/.test(text)) return { host: defaultHost, port: parsePort(text, what) };
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed !== null) return { host: bracketed[1] as string, port: parsePort(bracketed[2] as string, what) };
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || text.indexOf(':') !== colon) {
    throw new UsageError(`${what}: expected HOST:PORT (IPv6 as [ADDR]:PORT), got '${text}'`);
  }
  return { host: text.slice(0, colon), port: parsePort(text.slice(colon + 1), what) };
}

/** `ADDR:PORT` with a literal IP address (`[IPv6]:PORT` or a bare IPv6 with its port after the last colon). */
export function parseEndpoint(text: string, what: string): HostPort {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  let host: string;
  let port: string;
  if (bracketed !== null) {
    host = bracketed[1] as string;
    port = bracketed[2] as string;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) throw new UsageError(`${what}: expected ADDRESS:PORT, got '${text}'`);
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
  }
  if (isIP(host) === 0) throw new UsageError(`${what}: '${host}' is not an IPv4 or IPv6 address`);
  return { host, port: parsePort(port, what) };
}

/** Hex with optional spaces, colons, newlines and `0x` prefixes, to bytes. */
export function parseHex(text: string, what: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new UsageError(`${what}: not hexadecimal`);
  if (clean.length % 2 !== 0) throw new UsageError(`${what}: odd number of hex digits (${clean.length})`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

const TLV_NAMES: Record<string, number> = {
  alpn: TlvType.ALPN,
  authority: TlvType.AUTHORITY,
  crc32c: TlvType.CRC32C,
  noop: TlvType.NOOP,
  unique_id: TlvType.UNIQUE_ID,
  'unique-id': TlvType.UNIQUE_ID,
  ssl: TlvType.SSL,
  netns: TlvType.NETNS,
  gcp: TlvType.GCP,
  aws: TlvType.AWS,
  azure: TlvType.AZURE,
};

/** `TYPE=HEX`: TYPE is decimal, `0x..` hex, or a name (`alpn`, `authority`, `ssl`, `aws`, …). */
export function parseTlv(text: string): Tlv {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--tlv: expected TYPE=HEX, got '${text}'`);
  const name = text.slice(0, eq).toLowerCase();
  let type: number;
  if (name in TLV_NAMES) type = TLV_NAMES[name] as number;
  else if (/^0x[0-9a-f]{1,2}$/.test(name)) type = Number.parseInt(name.slice(2), 16);
  else if (/^\d{1,3}$/.test(name)) type = Number(name);
  else throw new UsageError(`--tlv: '${text.slice(0, eq)}' is not a TLV type (0-255, 0xNN, or a name such as alpn)`);
  if (type > 255) throw new UsageError(`--tlv: type ${type} is out of range (0-255)`);
  const value = parseHex(text.slice(eq + 1), `--tlv ${text.slice(0, eq)}`);
  if (value.length > 0xffff) throw new UsageError('--tlv: value longer than 65535 bytes');
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
                         (alpn, authority, crc32c, noop, unique-id, ssl, netns, aws, azure, gcp)
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
  if (values['pad-to'] !== undefined) {
    if (!/^\d{1,5}$/.test(values['pad-to'])) throw new UsageError(`--pad-to: '${values['pad-to']}' is not a byte count`);
    encodeOptions.padTo = Number(values['pad-to']);
  }
  if (version === 1) {
    const v2only = [hasTlvs && 'TLVs', encodeOptions.crc32c && '--crc32c', encodeOptions.padTo !== undefined && '--pad-to'].filter(Boolean);
    if (v2only.length > 0) throw new UsageError(`${v2only.join(', ')} need v2 (v1 headers carry no TLVs)`);
  }
  return { version, local, source, destination, tlvs: hasTlvs ? tlvs : undefined, encodeOptions };
}

/** Maps an IPv4 address to `::ffff:a.b.c.d` when the other end is IPv6 (as HAProxy does). */
function endpointsOf(source: HostPort, destination: HostPort): Pick<ProxyHeaderInit, 'source' | 'destination'> {
  const mixed = isIP(source.host) !== isIP(destination.host);
  const map = (e: HostPort) => ({ address: mixed && isIP(e.host) === 4 ? `::ffff:${e.host}` : e.host, port: e.port });
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
