/** Version auto-detection and the version-agnostic entry points. */
import { fail } from './errors.js';
import { type DecodeOptions, type EncodeOptions, type ResolvedDecodeOptions, resolveDecodeOptions } from './options.js';
import type { DecodeResult, ProxyHeader, ProxyHeaderInit } from './types.js';
import { decodeV1Resolved, encodeV1, encodeV1Into, encodingLengthV1 } from './v1.js';
import { decodeV2Resolved, encodeV2, encodeV2Into, encodingLengthV2 } from './v2.js';

const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });
const NONE: DecodeResult = Object.freeze({ status: 'none' });

/**
 * Decodes a PROXY protocol header (v1 or v2, detected from the first byte) at the start of
 * `input`.
 *
 * - `complete`: `header` is valid and took `length` bytes; everything after belongs to the application.
 * - `incomplete`: the bytes so far are a strict prefix of a possible header; call again with more.
 * - `none`: the bytes cannot start a header (decided at the first byte that differs from both signatures).
 *
 * @throws {ProxyProtocolError} when a signature matched but the header is malformed.
 */
export function decode(input: Uint8Array, options?: DecodeOptions): DecodeResult {
  if (input.length === 0) return INCOMPLETE;
  const first = input[0];
  if (first === 0x50) return decodeV1Resolved(input, resolveDecodeOptions(options));
  if (first === 0x0d) return decodeV2Resolved(input, resolveDecodeOptions(options));
  return NONE;
}

/** @internal {@link decode} with options already resolved (callers that decode repeatedly resolve once). */
export function decodeResolved(input: Uint8Array, options: ResolvedDecodeOptions): DecodeResult {
  if (input.length === 0) return INCOMPLETE;
  const first = input[0];
  if (first === 0x50) return decodeV1Resolved(input, options);
  if (first === 0x0d) return decodeV2Resolved(input, options);
  return NONE;
}

/** Encodes `header` as v1 or v2 according to `header.version` (default 2). */
export function encode(header: ProxyHeaderInit, options?: EncodeOptions): Uint8Array {
  return header.version === 1 ? encodeV1(header) : encodeV2(header, options);
}

/** Writes `header` into `target` at `offset` without allocating the output; returns the bytes written. */
export function encodeInto(header: ProxyHeaderInit, target: Uint8Array, offset = 0, options?: EncodeOptions): number {
  return header.version === 1 ? encodeV1Into(header, target, offset) : encodeV2Into(header, target, offset, options);
}

/** Number of bytes {@link encode} produces for `header`. */
export function encodingLength(header: ProxyHeaderInit, options?: EncodeOptions): number {
  return header.version === 1 ? encodingLengthV1(header) : encodingLengthV2(header, options);
}

/** A datagram split into its PROXY header and its payload. */
export interface DecodedDatagram {
  header: ProxyHeader;
  /** The bytes after the header: a view into the message. */
  payload: Uint8Array;
}

/**
 * Decodes the v2 header at the start of one UDP datagram. Every datagram carries its own complete
 * header (spec revision 2026/04/27), so `incomplete` and `none` are errors here.
 *
 * @throws {ProxyProtocolError} `ERR_PROXY_HEADER_INCOMPLETE`, `ERR_PROXY_HEADER_MISSING`, or any decoding error.
 */
export function decodeDatagram(message: Uint8Array, options?: DecodeOptions): DecodedDatagram {
  const result = decode(message, options);
  if (result.status === 'none') fail('ERR_PROXY_HEADER_MISSING', 'datagram does not start with a PROXY protocol header', 0);
  if (result.status === 'incomplete') {
    fail('ERR_PROXY_HEADER_INCOMPLETE', 'datagram ends inside its PROXY protocol header', message.length);
  }
  return { header: result.header, payload: message.subarray(result.length) };
}

/** Builds one datagram: the v2 header for `header` followed by `payload`. */
export function encodeDatagram(header: ProxyHeaderInit, payload: Uint8Array, options?: EncodeOptions): Uint8Array {
  if (header.version === 1) fail('ERR_PROXY_INVALID_HEADER', 'version 1 cannot describe datagrams; use version 2');
  const length = encodingLengthV2(header, options);
  const out = new Uint8Array(length + payload.length);
  encodeV2Into(header, out, 0, options);
  out.set(payload, length);
  return out;
}
