/** Encoding: the version-agnostic entry points over the v1 and v2 encoders. */
import { headerVersion } from './endpoint.js';
import { fail } from './errors.js';
import { type EncodeOptions, resolveEncodeOptions } from './options.js';
import type { ProxyHeaderInit } from './types.js';
import { lineV1, writeV1 } from './v1.js';
import { planV2, writeV2 } from './v2.js';

/**
 * Encodes `header` as v1 or v2 according to `header.version` (default 2).
 *
 * @throws {TypeError} when `header` is missing or not an object, or has an unknown key (in it or
 * in its typed `tlvs`), or for an unknown option or an option of the wrong type.
 * @throws {RangeError} for a version other than 1 or 2, or a v2-only option with a v1 header.
 * @throws {ProxyProtocolError} for a header that cannot be encoded (`ERR_PROXY_INVALID_*`, `ERR_PROXY_HEADER_TOO_LONG`).
 */
export function encode(header: ProxyHeaderInit, options?: EncodeOptions): Uint8Array {
  const version = headerVersion(header);
  const resolved = resolveEncodeOptions(options, version);
  if (version === 1) {
    const line = lineV1(header);
    const out = new Uint8Array(line.length);
    writeV1(line, out, 0);
    return out;
  }
  const plan = planV2(header, resolved);
  const out = new Uint8Array(plan.length);
  writeV2(plan, out, 0, true);
  return out;
}

/**
 * Writes `header` into `target` at `offset` without allocating the output; returns the bytes
 * written. Validates exactly what {@link encode} validates, then throws
 * `ERR_PROXY_BUFFER_TOO_SMALL` (writing nothing) when the header does not fit.
 */
export function encodeInto(header: ProxyHeaderInit, target: Uint8Array, offset = 0, options?: EncodeOptions): number {
  const version = headerVersion(header);
  const resolved = resolveEncodeOptions(options, version);
  if (!(target instanceof Uint8Array)) throw new TypeError('encodeInto needs a Uint8Array to write into');
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`offset must be a non-negative integer, got ${String(offset)}`);
  }
  // Read before planning, as every other caller-supplied value (see planV2).
  const room = target.length - offset;
  if (version === 1) {
    const line = lineV1(header);
    fits(line.length, room, offset);
    writeV1(line, target, offset);
    return line.length;
  }
  const plan = planV2(header, resolved);
  fits(plan.length, room, offset);
  writeV2(plan, target, offset, false);
  return plan.length;
}

function fits(n: number, room: number, offset: number): void {
  if (n > room) fail('ERR_PROXY_BUFFER_TOO_SMALL', `need ${n} bytes at offset ${offset}, have ${Math.max(0, room)}`);
}

/** Number of bytes {@link encode} produces for `header`; it validates (and throws) exactly as `encode` does. */
export function encodingLength(header: ProxyHeaderInit, options?: EncodeOptions): number {
  const version = headerVersion(header);
  const resolved = resolveEncodeOptions(options, version);
  return version === 1 ? lineV1(header).length : planV2(header, resolved).length;
}

/**
 * Builds one datagram: the v2 header for `header` followed by `payload`.
 *
 * @throws {ProxyProtocolError} `ERR_PROXY_INVALID_HEADER` for a v1 header (v1 cannot describe datagrams), or as {@link encode}.
 */
export function encodeDatagram(header: ProxyHeaderInit, payload: Uint8Array, options?: EncodeOptions): Uint8Array {
  const version = headerVersion(header);
  if (version === 1) fail('ERR_PROXY_INVALID_HEADER', 'version 1 cannot describe datagrams; use version 2');
  if (!(payload instanceof Uint8Array)) throw new TypeError('encodeDatagram needs the payload as a Uint8Array');
  const payloadLength = payload.length;
  const plan = planV2(header, resolveEncodeOptions(options, 2));
  const out = new Uint8Array(plan.length + payloadLength);
  writeV2(plan, out, 0, true);
  out.set(payload, plan.length);
  return out;
}
