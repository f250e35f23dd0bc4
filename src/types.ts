/** The data model shared by every codec. */
import type { TlvInit } from './tlv-build.js';

/** `proxy`: relayed for a client; `local`: the sender's own connection (e.g. a health check). */
export type ProxyCommand = 'proxy' | 'local';

/** Address family. `unspec` covers v2 AF_UNSPEC, v1 `UNKNOWN` and LOCAL headers with an undefined family. */
export type ProxyFamily = 'ipv4' | 'ipv6' | 'unix' | 'unspec';

/** Transport protocol. */
export type ProxyTransport = 'stream' | 'dgram' | 'unspec';

/** An IPv4 or IPv6 endpoint; `address` is dotted-quad or RFC 5952 text. */
export interface IpEndpoint {
  address: string;
  port: number;
}

/** A UNIX socket endpoint: the path bytes up to the first NUL, decoded as UTF-8. */
export interface UnixEndpoint {
  path: string;
}

/** One endpoint of a header. */
export type ProxyEndpoint = IpEndpoint | UnixEndpoint;

/** One raw v2 TLV: type and value bytes, exactly as on the wire. */
export interface Tlv {
  type: number;
  value: Uint8Array;
}

/** A decoded PROXY protocol header. */
export interface ProxyHeader {
  version: 1 | 2;
  command: ProxyCommand;
  family: ProxyFamily;
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
  /** Defaults to the family of the addresses (`unspec` when there are none). */
  family?: ProxyFamily;
  /** Defaults to `'stream'` when there are addresses, else `'unspec'`. */
  transport?: ProxyTransport;
  source?: ProxyEndpoint | null;
  destination?: ProxyEndpoint | null;
  /**
   * v2 only. Either raw TLVs, written byte for byte in this order, or typed values
   * (`{ alpn: 'h2', authority: 'example.com', ssl: { version: 'TLSv1.3' } }`, see {@link TlvInit}).
   */
  tlvs?: readonly Tlv[] | TlvInit;
}

/** Result of {@link decode}: a tagged union, never an exception for "need more bytes". */
export type DecodeResult =
  | { status: 'complete'; header: ProxyHeader; length: number }
  | { status: 'incomplete' }
  | { status: 'none' };
