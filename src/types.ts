/** The data model shared by every codec. */

/** `proxy`: relayed for a client; `local`: the sender's own connection (e.g. a health check). */
export type ProxyCommand = 'proxy' | 'local';

/** Address family. `unspec` covers v2 AF_UNSPEC, v1 `UNKNOWN` and LOCAL headers with an undefined family. */
export type ProxyFamily = 'ipv4' | 'ipv6' | 'unix' | 'unspec';

/** Transport protocol. */
export type ProxyTransport = 'stream' | 'dgram' | 'unspec';

/** An IPv4 or IPv6 endpoint; `address` is dotted-quad or RFC 5952 text. */
export interface IpEndpoint {
  /** Dotted-quad IPv4 (`192.0.2.7`) or IPv6 text; decoded IPv6 is RFC 5952 (`2001:db8::1`, `::ffff:192.0.2.7`). */
  address: string;
  /** TCP or UDP port, 0..65535. */
  port: number;
}

/** A UNIX socket endpoint: the path bytes up to the first NUL, decoded as UTF-8. */
export interface UnixEndpoint {
  /** The socket path (at most 108 bytes as UTF-8, no NUL). */
  path: string;
}

/** One endpoint of a header. */
export type ProxyEndpoint = IpEndpoint | UnixEndpoint;

/** One raw v2 TLV: type and value bytes, exactly as on the wire. */
export interface Tlv {
  /** The type byte, 0..255 (see `TlvType`). */
  type: number;
  /** The value bytes, without the 3-byte type and length prefix. */
  value: Uint8Array;
}

/** A decoded PROXY protocol header. */
export interface ProxyHeader {
  /** 1 for the text format, 2 for the binary one. */
  version: 1 | 2;
  /** `proxy` for a relayed connection, `local` for the sender's own (v2 only; v1 is always `proxy`). */
  command: ProxyCommand;
  /** Address family of `source` and `destination`; `unspec` when they are `null`. */
  family: ProxyFamily;
  /** `stream` (TCP, UNIX stream), `dgram` (UDP, UNIX datagram) or `unspec`. v1 is always `stream` or `unspec`. */
  transport: ProxyTransport;
  /** `null` for LOCAL, UNSPEC and v1 UNKNOWN: the receiver must use the real socket endpoints. */
  source: ProxyEndpoint | null;
  /** `null` for LOCAL, UNSPEC and v1 UNKNOWN. */
  destination: ProxyEndpoint | null;
  /** v2 TLVs in wire order, duplicates kept; `[]` for v1. Values are views into the input. */
  tlvs: Tlv[];
  /**
   * Only for UNSPEC-family or LOCAL headers whose bytes after the address block do not form a
   * well-formed TLV list: those bytes, left uninterpreted (the spec says to ignore address
   * information there). Absent otherwise.
   */
  unparsed?: Uint8Array;
}

/** What {@link encode} accepts: a {@link ProxyHeader} with most fields optional. */
export interface ProxyHeaderInit {
  /** Defaults to 2. */
  version?: 1 | 2;
  /** Defaults to `'proxy'`. */
  command?: ProxyCommand;
  /**
   * Defaults to the family of the addresses (`unspec` when there are none). A LOCAL header keeps
   * the family it is given (its address block is then written as zeros), as decoding keeps it.
   */
  family?: ProxyFamily;
  /** Defaults to `'stream'` when there are addresses, else `'unspec'`. A LOCAL header keeps the one it is given. */
  transport?: ProxyTransport;
  /** The client: where the relayed connection came from. Omit (or `null`) for LOCAL and UNSPEC headers. */
  source?: ProxyEndpoint | null;
  /** Where the client connected to (the proxy's listening address). Given together with `source`. */
  destination?: ProxyEndpoint | null;
  /**
   * v2 only. Either raw TLVs, written byte for byte in this order, or typed values
   * (`{ alpn: 'h2', authority: 'example.com', ssl: { version: 'TLSv1.3' } }`, see {@link TlvInit}).
   */
  tlvs?: readonly Tlv[] | TlvInit;
  /**
   * v2, LOCAL or UNSPEC headers without TLVs only: bytes written as they are after the fixed part,
   * as {@link ProxyHeader.unparsed} reports them, so that a decoded header re-encodes to itself.
   */
  unparsed?: Uint8Array;
}

/** The PP2_TYPE_SSL fields to send. */
export interface SslTlvInit {
  /** The raw `client` bit field. Defaults to the bits set by the three booleans below. */
  client?: number;
  /** PP2_CLIENT_SSL. Defaults to `true`. */
  clientSsl?: boolean;
  /** PP2_CLIENT_CERT_CONN. */
  certConnection?: boolean;
  /** PP2_CLIENT_CERT_SESS. */
  certSession?: boolean;
  /** `verify`: 0 when the client certificate verified. Defaults to 0. */
  verify?: number;
  /** SSL_VERSION (0x21), printable US-ASCII, e.g. `TLSv1.3`. */
  version?: string;
  /** SSL_CN (0x22), UTF-8: the client certificate's Common Name. */
  cn?: string;
  /** SSL_CIPHER (0x23), printable US-ASCII, e.g. `TLS_AES_256_GCM_SHA384`. */
  cipher?: string;
  /** SSL_SIG_ALG (0x24), printable US-ASCII, e.g. `RSA-SHA256`. */
  sigAlg?: string;
  /** SSL_KEY_ALG (0x25), printable US-ASCII, e.g. `RSA2048`. */
  keyAlg?: string;
  /** SSL_GROUP (0x26), printable US-ASCII, e.g. `secp256r1`. */
  group?: string;
  /** SSL_SIG_SCHEME (0x27), printable US-ASCII, e.g. `rsa_pss_rsae_sha256`. */
  sigScheme?: string;
  /** SSL_CLIENT_CERT (0x28): the client certificate, DER bytes. */
  clientCert?: Uint8Array;
}

/**
 * Typed TLVs to send. Written in this order: ALPN, AUTHORITY, UNIQUE_ID, SSL, NETNS, AWS, Azure,
 * GCP, then `raw`. An unknown key is a `TypeError`.
 */
export interface TlvInit {
  /** PP2_TYPE_ALPN (0x01): the negotiated protocol, e.g. `h2`; a string maps one character to one byte. */
  alpn?: string | Uint8Array;
  /** PP2_TYPE_AUTHORITY (0x02), UTF-8: the host name the client asked for (TLS SNI). */
  authority?: string;
  /** PP2_TYPE_UNIQUE_ID (0x05): opaque connection id, at most 128 bytes; a string is sent as UTF-8. */
  uniqueId?: string | Uint8Array;
  /** PP2_TYPE_SSL (0x20): the client's TLS connection. */
  ssl?: SslTlvInit;
  /** PP2_TYPE_NETNS (0x30), printable US-ASCII: network namespace name. */
  netns?: string;
  /** AWS (0xEA, sub-type 0x01). */
  aws?: {
    /** The VPC endpoint id, printable US-ASCII, e.g. `vpce-08d2bf15fac5001c9`. */
    vpceId: string;
  };
  /** Azure Private Link (0xEE, sub-type 0x01). */
  azure?: {
    /** The private endpoint LINKID, an unsigned 32-bit integer (sent little-endian). */
    linkId: number;
  };
  /** GCP Private Service Connect (0xE0). */
  gcp?: {
    /** The PSC connection id, an unsigned 64-bit integer (sent big-endian). */
    pscConnectionId: bigint | number;
  };
  /** More TLVs, written byte for byte in this order after the typed ones. */
  raw?: readonly Tlv[];
}

/** Result of {@link decode}: a tagged union, never an exception for "need more bytes". */
export type DecodeResult =
  /** A whole header: `length` is its size in bytes, so application data starts at `input.subarray(length)`. */
  | { status: 'complete'; header: ProxyHeader; length: number }
  /** The input is a strict prefix of a header: wait for more bytes and decode again. */
  | { status: 'incomplete' }
  /** The input does not start with a PROXY protocol header (decided at the first byte that differs from both signatures). */
  | { status: 'none' };
