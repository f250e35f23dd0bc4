/** Decoding: version detection from the first byte, and the datagram form. */
import { fail } from './errors.js';
import { DEFAULT_DECODE_OPTIONS, type DecodeOptions, describe, type ResolvedDecodeOptions, resolveDecodeOptions } from './options.js';
import type { DecodeResult, ProxyHeader } from './types.js';
import { decodeV1 } from './v1.js';
import { decodeV2 } from './v2.js';

const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });
const NONE: DecodeResult = Object.freeze({ status: 'none' });
/** The default options for datagrams, v2 only, made once: a datagram socket decodes one per message. */
const DATAGRAM_DEFAULTS: ResolvedDecodeOptions = /* @__PURE__ */ Object.freeze({ ...DEFAULT_DECODE_OPTIONS, acceptV1: false });

/**
 * Decodes a PROXY protocol header (v1 or v2, detected from the first byte) at the start of
 * `input`.
 *
 * - `complete`: `header` is valid and took `length` bytes; everything after belongs to the application.
 * - `incomplete`: the bytes so far are a strict prefix of a possible header; call again with more.
 * - `none`: the bytes cannot start a header (decided at the first byte that differs from both signatures).
 *
 * @throws {TypeError} when `input` is not a `Uint8Array` (a `Buffer` is one), or for an unknown option.
 * @throws {RangeError} for an option value that cannot be used.
 * @throws {ProxyProtocolError} when a signature matched but the header is malformed.
 */
export function decode(input: Uint8Array, options?: DecodeOptions): DecodeResult {
  return decodeResolved(input, options === undefined ? DEFAULT_DECODE_OPTIONS : resolveDecodeOptions(options));
}

/** @internal {@link decode} with options already resolved (callers that decode repeatedly resolve once). */
export function decodeResolved(input: Uint8Array, options: ResolvedDecodeOptions): DecodeResult {
  if (!(input instanceof Uint8Array)) throw new TypeError(`decode needs a Uint8Array, got ${describe(input)}`);
  if (input.length === 0) return INCOMPLETE;
  const first = input[0];
  if (first === 0x50) return decodeV1(input, options);
  if (first === 0x0d) return decodeV2(input, options);
  return NONE;
}

/** A datagram split into its PROXY header and its payload. */
export interface DecodedDatagram {
  header: ProxyHeader;
  /** The bytes after the header: a view into the message. */
  payload: Uint8Array;
}

/**
 * Decodes the v2 header at the start of one UDP datagram. Every datagram carries its own complete
 * header (spec revision 2026/04/27), and only v2 can describe one, so `incomplete`, `none` and a
 * v1 line are errors here.
 *
 * @throws {ProxyProtocolError} `ERR_PROXY_HEADER_INCOMPLETE`, `ERR_PROXY_HEADER_MISSING`,
 * `ERR_PROXY_VERSION_NOT_ALLOWED` (a v1 line), or any decoding error.
 */
export function decodeDatagram(message: Uint8Array, options?: DecodeOptions): DecodedDatagram {
  if (!(message instanceof Uint8Array)) throw new TypeError(`decodeDatagram needs a Uint8Array, got ${describe(message)}`);
  const resolved = options === undefined ? DATAGRAM_DEFAULTS : resolveDecodeOptions(options);
  const result = decodeResolved(message, resolved.acceptV1 ? { ...resolved, acceptV1: false } : resolved);
  if (result.status === 'none') fail('ERR_PROXY_HEADER_MISSING', 'datagram does not start with a PROXY protocol header', 0);
  if (result.status === 'incomplete') {
    fail('ERR_PROXY_HEADER_INCOMPLETE', 'datagram ends inside its PROXY protocol header', message.length);
  }
  return { header: result.header, payload: message.subarray(result.length) };
}
