/**
 * `proxyproto`: the runtime-agnostic PROXY protocol codec. Uint8Array in and out, no Node APIs,
 * no dependencies. Node integration (streams, servers, sockets) lives in `proxyproto/node`.
 *
 * @packageDocumentation
 */
export { canonicalAddress, ipVersion } from './address.js';
export { Limits, SslClient, SslSubtype, TlvType, V1_SIGNATURE, V2_SIGNATURE, VendorSubtype } from './constants.js';
export { crc32c } from './crc32c.js';
export { type DecodedDatagram, decode, decodeDatagram } from './decode.js';
export { encode, encodeDatagram, encodeInto, encodingLength } from './encode.js';
export {
  isProxyProtocolError,
  ProxyProtocolError,
  type ProxyProtocolErrorCode,
  type ProxyProtocolErrorOptions,
} from './errors.js';
export type { DecodeOptions, EncodeOptions } from './options.js';
export { HeaderParser, type ParseStep } from './parser.js';
export { readTlvs, type SslTlv, type TlvView } from './tlv-view.js';
export type {
  DecodeResult,
  IpEndpoint,
  ProxyCommand,
  ProxyEndpoint,
  ProxyFamily,
  ProxyHeader,
  ProxyHeaderInit,
  ProxyTransport,
  SslTlvInit,
  Tlv,
  TlvInit,
  UnixEndpoint,
} from './types.js';
