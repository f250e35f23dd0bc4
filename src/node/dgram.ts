/** UDP: one PROXY v2 header per datagram (spec revision 2026/04/27), with Buffers in and out. */
import {
  type DecodeOptions,
  decodeDatagram as decodeDatagramBytes,
  type EncodeOptions,
  encodeDatagram as encodeDatagramBytes,
  type ProxyHeader,
  type ProxyHeaderInit,
} from '../index.js';
import { toBuffer } from './util.js';

/** A datagram split into its header and payload. */
export interface ProxyDatagram {
  /** The datagram's header (always v2: v1 cannot describe UDP). */
  header: ProxyHeader;
  /** The bytes after the header: a view into the message, not a copy. */
  payload: Buffer;
}

/**
 * Decodes the header at the start of one datagram, as received by a `dgram` socket's `'message'`
 * event. A datagram without a complete header is an error (`ERR_PROXY_HEADER_MISSING`,
 * `ERR_PROXY_HEADER_INCOMPLETE`, or a decoding code): there is no "more bytes later" for UDP.
 */
export function decodeDatagram(message: Uint8Array, options?: DecodeOptions): ProxyDatagram {
  const { header, payload } = decodeDatagramBytes(message, options);
  return { header, payload: toBuffer(payload) };
}

/** Builds one datagram: the v2 header for `header` followed by `payload`, ready for `socket.send`. */
export function encodeDatagram(header: ProxyHeaderInit, payload: Uint8Array, options?: EncodeOptions): Buffer {
  return toBuffer(encodeDatagramBytes(header, payload, options));
}
