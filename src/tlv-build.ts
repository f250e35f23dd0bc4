/** Builders: typed values in, wire-ready TLVs out. The inverse of {@link readTlvs}. */
import { Limits, SslClient, SslSubtype, TlvType, VendorSubtype } from './constants.js';
import { fail } from './errors.js';
import { checkKeys } from './options.js';
import { tlvsLength, writeTlvs } from './tlv.js';
import type { SslTlvInit, Tlv, TlvInit } from './types.js';

const TLV_KEYS: readonly (keyof TlvInit)[] = ['alpn', 'authority', 'uniqueId', 'ssl', 'netns', 'aws', 'azure', 'gcp', 'raw'];
const SSL_KEYS: readonly (keyof SslTlvInit)[] = [
  'client',
  'clientSsl',
  'certConnection',
  'certSession',
  'verify',
  'version',
  'cn',
  'cipher',
  'sigAlg',
  'keyAlg',
  'group',
  'sigScheme',
  'clientCert',
];
const VENDOR_KEYS = { aws: ['vpceId'], azure: ['linkId'], gcp: ['pscConnectionId'] } as const;

const utf8 = /* @__PURE__ */ new TextEncoder();

function asciiBytes(value: string, what: string): Uint8Array {
  if (typeof value !== 'string') fail('ERR_PROXY_INVALID_HEADER', `${what} must be a string`);
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) fail('ERR_PROXY_INVALID_HEADER', `${what} must be printable US-ASCII`);
    out[i] = c;
  }
  return out;
}

function latin1Bytes(value: string, what: string): Uint8Array {
  if (typeof value !== 'string') fail('ERR_PROXY_INVALID_HEADER', `${what} must be a string or bytes`);
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) fail('ERR_PROXY_INVALID_HEADER', `${what} must be bytes (characters U+0000..U+00FF)`);
    out[i] = c;
  }
  return out;
}

function utf8Bytes(value: string, what: string): Uint8Array {
  if (typeof value !== 'string') fail('ERR_PROXY_INVALID_HEADER', `${what} must be a string`);
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) fail('ERR_PROXY_INVALID_HEADER', `${what} has a lone surrogate`);
  return utf8.encode(value);
}

/** @internal Builds the wire TLVs for `init`. @throws {ProxyProtocolError} `ERR_PROXY_INVALID_HEADER` for values that cannot be sent. */
export function buildTlvs(init: TlvInit): Tlv[] {
  if (typeof init !== 'object' || init === null) fail('ERR_PROXY_INVALID_HEADER', 'typed TLVs must be an object');
  // A misspelt or unsupported field would otherwise be dropped without a word.
  checkKeys(init, TLV_KEYS, 'tlvs');
  for (const key of ['ssl', 'aws', 'azure', 'gcp'] as const) {
    const value = init[key];
    if (value !== undefined && (typeof value !== 'object' || value === null))
      fail('ERR_PROXY_INVALID_HEADER', `tlvs.${key} must be an object`);
    if (value !== undefined) checkKeys(value, key === 'ssl' ? SSL_KEYS : VENDOR_KEYS[key], `tlvs.${key}`);
  }
  if (init.raw !== undefined && !Array.isArray(init.raw)) fail('ERR_PROXY_INVALID_HEADER', 'tlvs.raw must be an array');
  const tlvs: Tlv[] = [];
  if (init.alpn !== undefined) {
    const value = init.alpn instanceof Uint8Array ? init.alpn : latin1Bytes(init.alpn, 'alpn');
    if (value.length === 0 || value.length > 255) fail('ERR_PROXY_INVALID_HEADER', 'alpn must be 1 to 255 bytes (RFC 7301)');
    tlvs.push({ type: TlvType.ALPN, value });
  }
  if (init.authority !== undefined) tlvs.push({ type: TlvType.AUTHORITY, value: utf8Bytes(init.authority, 'authority') });
  if (init.uniqueId !== undefined) {
    const value = init.uniqueId instanceof Uint8Array ? init.uniqueId : utf8Bytes(init.uniqueId as string, 'uniqueId');
    if (value.length > Limits.UNIQUE_ID_MAX_LENGTH) fail('ERR_PROXY_INVALID_HEADER', `uniqueId is ${value.length} bytes; at most 128`);
    tlvs.push({ type: TlvType.UNIQUE_ID, value });
  }
  if (init.ssl !== undefined) tlvs.push({ type: TlvType.SSL, value: buildSsl(init.ssl) });
  if (init.netns !== undefined) tlvs.push({ type: TlvType.NETNS, value: asciiBytes(init.netns, 'netns') });
  if (init.aws !== undefined) {
    const id = asciiBytes(init.aws.vpceId, 'aws.vpceId');
    if (id.length === 0) fail('ERR_PROXY_INVALID_HEADER', 'aws.vpceId must not be empty');
    const value = new Uint8Array(1 + id.length);
    value[0] = VendorSubtype.AWS_VPCE_ID;
    value.set(id, 1);
    tlvs.push({ type: TlvType.AWS, value });
  }
  if (init.azure !== undefined) {
    const id = init.azure.linkId;
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) fail('ERR_PROXY_INVALID_HEADER', 'azure.linkId must be an integer 0..2^32-1');
    tlvs.push({
      type: TlvType.AZURE,
      value: Uint8Array.of(VendorSubtype.AZURE_PRIVATE_ENDPOINT_LINKID, id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff, id >>> 24),
    });
  }
  if (init.gcp !== undefined) {
    const raw = init.gcp.pscConnectionId;
    if (typeof raw === 'number' && !Number.isSafeInteger(raw))
      fail('ERR_PROXY_INVALID_HEADER', 'gcp.pscConnectionId: use a bigint above 2^53');
    if (typeof raw !== 'bigint' && typeof raw !== 'number') fail('ERR_PROXY_INVALID_HEADER', 'gcp.pscConnectionId must be a bigint');
    let id = typeof raw === 'bigint' ? raw : BigInt(raw);
    if (id < 0n || id > 0xffffffffffffffffn) fail('ERR_PROXY_INVALID_HEADER', 'gcp.pscConnectionId must fit in 64 unsigned bits');
    const value = new Uint8Array(8);
    for (let i = 7; i >= 0; i--) {
      value[i] = Number(id & 0xffn);
      id >>= 8n;
    }
    tlvs.push({ type: TlvType.GCP, value });
  }
  if (init.raw !== undefined) tlvs.push(...init.raw);
  return tlvs;
}

/** Builds a PP2_TYPE_SSL value. */
function buildSsl(init: SslTlvInit): Uint8Array {
  const client =
    init.client ??
    ((init.clientSsl ?? true) ? SslClient.SSL : 0) |
      (init.certConnection ? SslClient.CERT_CONN : 0) |
      (init.certSession ? SslClient.CERT_SESS : 0);
  const verify = init.verify ?? 0;
  if (!Number.isInteger(client) || client < 0 || client > 255) fail('ERR_PROXY_INVALID_HEADER', 'ssl.client must be a byte');
  if (!Number.isInteger(verify) || verify < 0 || verify > 0xffffffff) fail('ERR_PROXY_INVALID_HEADER', 'ssl.verify must be a u32');
  const subs: Tlv[] = [];
  const add = (type: number, value: string | undefined, what: string, encoding: 'ascii' | 'utf8') => {
    if (value !== undefined) subs.push({ type, value: encoding === 'ascii' ? asciiBytes(value, what) : utf8Bytes(value, what) });
  };
  add(SslSubtype.VERSION, init.version, 'ssl.version', 'ascii');
  add(SslSubtype.CN, init.cn, 'ssl.cn', 'utf8');
  add(SslSubtype.CIPHER, init.cipher, 'ssl.cipher', 'ascii');
  add(SslSubtype.SIG_ALG, init.sigAlg, 'ssl.sigAlg', 'ascii');
  add(SslSubtype.KEY_ALG, init.keyAlg, 'ssl.keyAlg', 'ascii');
  add(SslSubtype.GROUP, init.group, 'ssl.group', 'ascii');
  add(SslSubtype.SIG_SCHEME, init.sigScheme, 'ssl.sigScheme', 'ascii');
  if (init.clientCert !== undefined) {
    if (!(init.clientCert instanceof Uint8Array)) fail('ERR_PROXY_INVALID_HEADER', 'ssl.clientCert must be DER bytes');
    subs.push({ type: SslSubtype.CLIENT_CERT, value: init.clientCert });
  }
  const value = new Uint8Array(5 + tlvsLength(subs));
  value[0] = client;
  value[1] = verify >>> 24;
  value[2] = (verify >>> 16) & 0xff;
  value[3] = (verify >>> 8) & 0xff;
  value[4] = verify & 0xff;
  writeTlvs(subs, value, 5);
  return value;
}
