/**
 * `proxyproto`: the runtime-agnostic PROXY protocol codec. Uint8Array in and out, no Node APIs,
 * no dependencies. Node integration (streams, servers, sockets) lives in `proxyproto/node`.
 *
 * @packageDocumentation
 */
export { canonicalAddress, ipVersion } from './address.js';
export {
  AddressBlockLength,
  AWS_SUBTYPE_VPCE_ID,
  AZURE_SUBTYPE_PRIVATE_ENDPOINT_LINKID,
  Command,
  Family,
  Limits,
  SslClient,
  SslSubtype,
  TlvType,
  Transport,
  V1_SIGNATURE,
  V2_SIGNATURE,
} from './constants.js';
export { crc32c } from './crc32c.js';
export {
  type DecodedDatagram,
  decode,
  decodeDatagram,
  encode,
  encodeDatagram,
  encodeInto,
  encodingLength,
} from './decode.js';
export {
  isProxyProtocolError,
  ProxyProtocolError,
  type ProxyProtocolErrorCode,
  type ProxyProtocolErrorOptions,
} from './errors.js';
export type { DecodeOptions, EncodeOptions } from './options.js';
export { HeaderParser, type ParseStep } from './parser.js';
export { type SslParts, splitSsl, splitTlvs, tlvsLength } from './tlv.js';
export { buildSsl, buildTlvs, type SslTlvInit, type TlvInit } from './tlv-build.js';
export { readSsl, readTlvs, type SslTlv, type TlvView } from './tlv-view.js';
export type {
  DecodeResult,
  IpEndpoint,
  ProxyCommand,
  ProxyEndpoint,
  ProxyFamily,
  ProxyHeader,
  ProxyHeaderInit,
  ProxyTransport,
  Tlv,
  UnixEndpoint,
} from './types.js';
export { decodeV1, encodeV1, encodeV1Into, encodingLengthV1 } from './v1.js';
export { decodeV2, encodeV2, encodeV2Into, encodingLengthV2 } from './v2.js';
export { ProxyProtocolDecoderStream, type ProxyProtocolDecoderStreamOptions, ProxyProtocolEncoderStream } from './web-stream.js';
export { type SplitProxyHeader, splitProxyHeader } from './web-stream-split.js';
