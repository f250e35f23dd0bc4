/**
 * Typed views over v2 TLVs: what a load balancer told us (ALPN, SNI authority, TLS details,
 * cloud endpoint ids) as strings, numbers and booleans instead of bytes.
 */
import { SslClient, SslSubtype, TlvType, VendorSubtype } from './constants.js';
import { fail } from './errors.js';
import { checkSsl, hex2, splitTlvs } from './tlv.js';
import type { ProxyHeader, Tlv } from './types.js';

/** PP2_TYPE_SSL, decoded. */
export interface SslTlv {
  /** The raw `client` bit field. */
  client: number;
  /** PP2_CLIENT_SSL: the client connected over TLS. */
  clientSsl: boolean;
  /** PP2_CLIENT_CERT_CONN: the client presented a certificate on this connection. */
  certConnection: boolean;
  /** PP2_CLIENT_CERT_SESS: the client presented a certificate at least once in this TLS session. */
  certSession: boolean;
  /** The raw `verify` field (u32, big-endian): 0 when a presented certificate verified. */
  verify: number;
  /**
   * True only when a client certificate was presented (CERT_CONN or CERT_SESS) and `verify` is 0.
   * HAProxy leaves `verify` at 0 when no certificate was sent, so `verify === 0` alone proves nothing.
   */
  verified: boolean;
  /** SSL_VERSION (US-ASCII), e.g. `TLSv1.3`. */
  version?: string;
  /** SSL_CN (UTF-8): the client certificate's Common Name. */
  cn?: string;
  /** SSL_CIPHER (US-ASCII), e.g. `TLS_AES_256_GCM_SHA384`. */
  cipher?: string;
  /** SSL_SIG_ALG (US-ASCII): algorithm that signed the frontend's certificate, e.g. `RSA-SHA256`. */
  sigAlg?: string;
  /** SSL_KEY_ALG (US-ASCII): the frontend certificate's key algorithm, e.g. `RSA2048`. */
  keyAlg?: string;
  /** SSL_GROUP (US-ASCII): key-exchange group, e.g. `secp256r1`. */
  group?: string;
  /** SSL_SIG_SCHEME (US-ASCII): signature scheme, e.g. `rsa_pss_rsae_sha256`. */
  sigScheme?: string;
  /** SSL_CLIENT_CERT: the client certificate, DER bytes. */
  clientCert?: Uint8Array;
  /** Every sub-TLV in wire order, including unknown ones. */
  subTlvs: Tlv[];
}

/** Everything {@link readTlvs} understood, plus every TLV it did not. */
export interface TlvView {
  /** PP2_TYPE_ALPN: the negotiated protocol, e.g. `h2` (bytes mapped one-to-one to characters). */
  alpn?: string;
  /** PP2_TYPE_AUTHORITY (UTF-8): the host name the client asked for (TLS SNI). */
  authority?: string;
  /** PP2_TYPE_CRC32C: the checksum the header carried (verified by `decode` unless disabled). */
  crc32c?: number;
  /** PP2_TYPE_UNIQUE_ID: opaque connection id, at most 128 bytes (may be empty). */
  uniqueId?: Uint8Array;
  /** PP2_TYPE_NETNS (US-ASCII): network namespace name. */
  netns?: string;
  /** Number of PP2_TYPE_NOOP TLVs (padding). */
  noop: number;
  /** PP2_TYPE_SSL. */
  ssl?: SslTlv;
  /** AWS (0xEA, sub-type 0x01): the VPC endpoint id, e.g. `vpce-08d2bf15fac5001c9`. */
  aws?: {
    /** The VPC endpoint id. */
    vpceId: string;
  };
  /** Azure (0xEE, sub-type 0x01): the private endpoint LINKID (little-endian u32 on the wire). */
  azure?: {
    /** The LINKID, an unsigned 32-bit integer. */
    linkId: number;
  };
  /** GCP Private Service Connect (0xE0): the connection id (big-endian u64 on the wire). */
  gcp?: {
    /** The PSC connection id; a `bigint`, since it can exceed 2^53. */
    pscConnectionId: bigint;
  };
  /** TLVs not interpreted above, in wire order: unassigned, experimental, other custom ones, duplicates. */
  others: Tlv[];
}

const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

function ascii(bytes: Uint8Array, what: string): string {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b > 0x7e || b < 0x20) fail('ERR_PROXY_TLV_INVALID', `${what} must be printable US-ASCII (byte 0x${hex2(b)} at ${i})`);
  }
  return latin1(bytes);
}

function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return fail('ERR_PROXY_TLV_INVALID', `${what} is not valid UTF-8`);
  }
}

/**
 * Reads the TLVs of a header (or a TLV list) into typed fields. To read an SSL value on its own,
 * pass it as a list of one: `readTlvs([{ type: TlvType.SSL, value }]).ssl`.
 *
 * - Registered types are strict: a value that breaks its type's rules (text that is not the
 *   encoding the spec names, a malformed SSL value) throws `ERR_PROXY_TLV_INVALID`.
 * - Vendor types (AWS 0xEA, Azure 0xEE, GCP 0xE0) live in the custom range, which others may use
 *   for their own data: a value of another shape is not interpreted and stays in `others`.
 * - When a type appears more than once, the typed field reports the first; the rest go to `others`.
 */
export function readTlvs(source: ProxyHeader | readonly Tlv[]): TlvView {
  const tlvs = Array.isArray(source) ? (source as readonly Tlv[]) : (source as ProxyHeader).tlvs;
  const view: TlvView = { noop: 0, others: [] };
  for (const tlv of tlvs) {
    const v = tlv.value;
    switch (tlv.type) {
      case TlvType.ALPN:
        if (view.alpn !== undefined) break;
        view.alpn = latin1(v);
        continue;
      case TlvType.AUTHORITY:
        if (view.authority !== undefined) break;
        view.authority = text(v, 'AUTHORITY');
        continue;
      case TlvType.CRC32C:
        if (view.crc32c !== undefined) break;
        if (v.length !== 4) fail('ERR_PROXY_TLV_INVALID', `CRC32C TLV must be 4 bytes, got ${v.length}`);
        view.crc32c = (((v[0] as number) << 24) | ((v[1] as number) << 16) | ((v[2] as number) << 8) | (v[3] as number)) >>> 0;
        continue;
      case TlvType.NOOP:
        view.noop++;
        continue;
      case TlvType.UNIQUE_ID:
        if (view.uniqueId !== undefined) break;
        view.uniqueId = v;
        continue;
      case TlvType.NETNS:
        if (view.netns !== undefined) break;
        view.netns = ascii(v, 'NETNS');
        continue;
      case TlvType.SSL:
        if (view.ssl !== undefined) break;
        view.ssl = readSsl(v);
        continue;
      case TlvType.AWS:
        if (view.aws === undefined && v.length > 1 && v[0] === VendorSubtype.AWS_VPCE_ID && isPrintableAscii(v, 1)) {
          view.aws = { vpceId: latin1(v.subarray(1)) };
          continue;
        }
        break;
      case TlvType.AZURE:
        if (view.azure === undefined && v.length === 5 && v[0] === VendorSubtype.AZURE_PRIVATE_ENDPOINT_LINKID) {
          view.azure = { linkId: ((v[1] as number) | ((v[2] as number) << 8) | ((v[3] as number) << 16) | ((v[4] as number) << 24)) >>> 0 };
          continue;
        }
        break;
      case TlvType.GCP:
        if (view.gcp === undefined && v.length === 8) {
          let id = 0n;
          for (let i = 0; i < 8; i++) id = (id << 8n) | BigInt(v[i] as number);
          view.gcp = { pscConnectionId: id };
          continue;
        }
        break;
    }
    view.others.push(tlv);
  }
  return view;
}

function isPrintableAscii(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}

/**
 * Decodes a PP2_TYPE_SSL value: `client` (1 byte), `verify` (u32 big-endian), then sub-TLVs that
 * must fill the rest exactly. @throws {ProxyProtocolError} `ERR_PROXY_TLV_INVALID` when malformed.
 */
function readSsl(value: Uint8Array): SslTlv {
  checkSsl(value);
  const subTlvs = splitTlvs(value, 5, value.length) as Tlv[];
  const client = value[0] as number;
  const verify = (((value[1] as number) << 24) | ((value[2] as number) << 16) | ((value[3] as number) << 8) | (value[4] as number)) >>> 0;
  const certConnection = (client & SslClient.CERT_CONN) !== 0;
  const certSession = (client & SslClient.CERT_SESS) !== 0;
  const ssl: SslTlv = {
    client,
    clientSsl: (client & SslClient.SSL) !== 0,
    certConnection,
    certSession,
    verify,
    verified: (certConnection || certSession) && verify === 0,
    subTlvs,
  };
  for (const sub of subTlvs) {
    const v = sub.value;
    switch (sub.type) {
      case SslSubtype.VERSION:
        ssl.version ??= ascii(v, 'SSL_VERSION');
        break;
      case SslSubtype.CN:
        ssl.cn ??= text(v, 'SSL_CN');
        break;
      case SslSubtype.CIPHER:
        ssl.cipher ??= ascii(v, 'SSL_CIPHER');
        break;
      case SslSubtype.SIG_ALG:
        ssl.sigAlg ??= ascii(v, 'SSL_SIG_ALG');
        break;
      case SslSubtype.KEY_ALG:
        ssl.keyAlg ??= ascii(v, 'SSL_KEY_ALG');
        break;
      case SslSubtype.GROUP:
        ssl.group ??= ascii(v, 'SSL_GROUP');
        break;
      case SslSubtype.SIG_SCHEME:
        ssl.sigScheme ??= ascii(v, 'SSL_SIG_SCHEME');
        break;
      case SslSubtype.CLIENT_CERT:
        ssl.clientCert ??= v;
        break;
    }
  }
  return ssl;
}
