/**
 * Recognises a TLS ClientHello at the start of a payload and reads what a gateway routes on: the
 * server name (SNI), the ALPN list and the offered versions (RFC 8446 §4.1.2, RFC 6066 §3,
 * RFC 7301 §3.1). Strict and bounded: one record of at most 2^14 bytes, every length checked
 * against its container, no extension twice; anything else is `invalid`, never an exception.
 */

/** TLS record and handshake framing (RFC 8446 §5.1, §4). */
const RECORD_HANDSHAKE = 0x16;
const RECORD_HEADER_LENGTH = 5;
const MAX_RECORD_LENGTH = 1 << 14;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const RANDOM_LENGTH = 32;
const MAX_SESSION_ID_LENGTH = 32;

/** Extension types read here. */
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;
const NAME_TYPE_HOST_NAME = 0;

/** The longest input ever needed: one full record. */
export const CLIENT_HELLO_MAX_LENGTH: number = RECORD_HEADER_LENGTH + MAX_RECORD_LENGTH;

export interface ClientHello {
  /** The host_name of the server_name extension, if any. */
  sni?: string;
  /** The ALPN protocol names, in the client's order (empty without the extension). */
  alpn: string[];
  /** The versions offered: supported_versions when present, else legacy_version (`TLS 1.2`, `TLS 1.3`, `0x7f1c`). */
  versions: string[];
}

export type ClientHelloResult =
  /** Not TLS: the bytes cannot start a handshake record. */
  | { status: 'none' }
  /** A ClientHello may follow: more bytes are needed. */
  | { status: 'incomplete' }
  /** Starts like TLS but breaks a rule; `reason` says which. */
  | { status: 'invalid'; reason: string }
  | { status: 'complete'; hello: ClientHello; length: number };

class Invalid extends Error {}

/** A cursor over one length-delimited range; every read checks the range. */
class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public offset: number,
    private readonly end: number,
  ) {}

  get left(): number {
    return this.end - this.offset;
  }

  u8(what: string): number {
    if (this.left < 1) throw new Invalid(`${what}: truncated`);
    return this.bytes[this.offset++] as number;
  }

  u16(what: string): number {
    if (this.left < 2) throw new Invalid(`${what}: truncated`);
    const value = ((this.bytes[this.offset] as number) << 8) | (this.bytes[this.offset + 1] as number);
    this.offset += 2;
    return value;
  }

  /** A sub-range of `length` bytes, consumed from this one. */
  sub(length: number, what: string): Reader {
    if (length > this.left) throw new Invalid(`${what}: length ${length} exceeds the ${this.left} bytes left`);
    const reader = new Reader(this.bytes, this.offset, this.offset + length);
    this.offset += length;
    return reader;
  }

  /** A vector with a `size`-byte length prefix, within `min`..`max` bytes. */
  vector(size: 1 | 2, min: number, max: number, what: string): Reader {
    const length = size === 1 ? this.u8(what) : this.u16(what);
    if (length < min || length > max) throw new Invalid(`${what}: length ${length} is outside ${min}..${max}`);
    return this.sub(length, what);
  }

  take(length: number, what: string): Uint8Array {
    const range = this.sub(length, what);
    return this.bytes.subarray(range.offset, range.end);
  }

  done(what: string): void {
    if (this.left !== 0) throw new Invalid(`${what}: ${this.left} bytes left over`);
  }
}

function versionName(version: number): string {
  if (version >= 0x0301 && version <= 0x0304) return `TLS 1.${version - 0x0301}`;
  if (version === 0x0300) return 'SSL 3.0';
  return `0x${version.toString(16).padStart(4, '0')}`;
}

function ascii(bytes: Uint8Array, what: string): string {
  let text = '';
  for (const b of bytes) {
    if (b < 0x21 || b > 0x7e) throw new Invalid(`${what}: byte 0x${b.toString(16).padStart(2, '0')} is not printable ASCII`);
    text += String.fromCharCode(b);
  }
  return text;
}

/** RFC 6066 §3: a list with one host_name; a DNS name, not an IP literal nor a trailing dot. */
function serverName(ext: Reader): string | undefined {
  const list = ext.vector(2, 1, 0xffff, 'server_name list');
  ext.done('server_name');
  let name: string | undefined;
  while (list.left > 0) {
    const type = list.u8('server_name type');
    const value = list.vector(2, 1, 0xffff, 'host_name');
    if (type !== NAME_TYPE_HOST_NAME) continue;
    if (name !== undefined) throw new Invalid('server_name: two host_name entries');
    name = ascii(value.take(value.left, 'host_name'), 'host_name');
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name)) throw new Invalid(`host_name '${name}' is not a DNS name`);
  }
  return name;
}

/** RFC 7301 §3.1: at least one protocol name, each 1..255 bytes. */
function alpnList(ext: Reader): string[] {
  const list = ext.vector(2, 2, 0xffff, 'ALPN list');
  ext.done('ALPN');
  const names: string[] = [];
  while (list.left > 0) {
    const name = list.vector(1, 1, 255, 'ALPN protocol name');
    names.push(ascii(name.take(name.left, 'ALPN protocol name'), 'ALPN protocol name'));
  }
  return names;
}

/** RFC 8446 §4.2.1 (ClientHello form): 2..254 bytes of 16-bit versions. */
function supportedVersions(ext: Reader): string[] {
  const list = ext.vector(1, 2, 254, 'supported_versions');
  ext.done('supported_versions');
  if (list.left % 2 !== 0) throw new Invalid('supported_versions: odd length');
  const versions: string[] = [];
  while (list.left > 0) {
    const version = list.u16('supported_versions');
    // GREASE values (RFC 8701: 0x?a?a) announce nothing.
    if ((version & 0x0f0f) !== 0x0a0a) versions.push(versionName(version));
  }
  return versions;
}

/** Reads a ClientHello at the start of `bytes` (only the first {@link CLIENT_HELLO_MAX_LENGTH} bytes are looked at). */
export function parseClientHello(bytes: Uint8Array): ClientHelloResult {
  if (bytes.length === 0) return { status: 'incomplete' };
  if (bytes[0] !== RECORD_HANDSHAKE) return { status: 'none' };
  // Record version: 0x0300..0x0304 (clients send 0x0301 or 0x0303).
  if (bytes.length >= 2 && bytes[1] !== 0x03) return { status: 'none' };
  if (bytes.length >= 3 && (bytes[2] as number) > 0x04) return { status: 'none' };
  if (bytes.length < RECORD_HEADER_LENGTH) return { status: 'incomplete' };
  const recordLength = ((bytes[3] as number) << 8) | (bytes[4] as number);
  if (recordLength === 0 || recordLength > MAX_RECORD_LENGTH)
    return { status: 'invalid', reason: `record length ${recordLength} is outside 1..${MAX_RECORD_LENGTH}` };
  if (bytes.length > RECORD_HEADER_LENGTH && bytes[RECORD_HEADER_LENGTH] !== HANDSHAKE_CLIENT_HELLO) {
    return { status: 'invalid', reason: `handshake type ${bytes[RECORD_HEADER_LENGTH]} is not ClientHello (1)` };
  }
  const length = RECORD_HEADER_LENGTH + recordLength;
  if (bytes.length < length) return { status: 'incomplete' };
  try {
    const record = new Reader(bytes, RECORD_HEADER_LENGTH, length);
    record.u8('handshake type');
    const bodyLength = (record.u8('handshake length') << 16) | record.u16('handshake length');
    if (bodyLength > record.left) {
      throw new Invalid(`ClientHello of ${bodyLength} bytes is split across records (not supported: only the first record is read)`);
    }
    const body = record.sub(bodyLength, 'ClientHello');
    record.done('record');
    const legacyVersion = body.u16('legacy_version');
    body.take(RANDOM_LENGTH, 'random');
    body.vector(1, 0, MAX_SESSION_ID_LENGTH, 'legacy_session_id');
    const suites = body.vector(2, 2, 0xfffe, 'cipher_suites');
    if (suites.left % 2 !== 0) throw new Invalid('cipher_suites: odd length');
    body.vector(1, 1, 255, 'legacy_compression_methods');
    const hello: ClientHello = { alpn: [], versions: [versionName(legacyVersion)] };
    if (body.left > 0) {
      const extensions = body.vector(2, 0, 0xffff, 'extensions');
      body.done('ClientHello');
      const seen = new Set<number>();
      while (extensions.left > 0) {
        const type = extensions.u16('extension type');
        const ext = extensions.vector(2, 0, 0xffff, `extension ${type}`);
        if (seen.has(type)) throw new Invalid(`extension ${type} appears twice`);
        seen.add(type);
        if (type === EXT_SERVER_NAME) {
          const name = serverName(ext);
          if (name !== undefined) hello.sni = name;
        } else if (type === EXT_ALPN) hello.alpn = alpnList(ext);
        else if (type === EXT_SUPPORTED_VERSIONS) hello.versions = supportedVersions(ext);
      }
    }
    return { status: 'complete', hello, length };
  } catch (error) {
    if (error instanceof Invalid) return { status: 'invalid', reason: error.message };
    throw error;
  }
}
