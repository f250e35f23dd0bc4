/**
 * TLV framing (type: 1 byte, length: 2 bytes big-endian, value) and the structural checks that
 * decoding and encoding share: CRC32C size and count, UNIQUE_ID length, SSL layout.
 */
import { Limits, TlvType } from './constants.js';
import { fail } from './errors.js';
import type { Tlv } from './types.js';

/**
 * @internal Splits `bytes[start, end)` into TLVs. Values are views into `bytes`, not copies.
 * Returns `undefined` if the area does not tile exactly into TLVs (a TLV overruns `end`, or
 * 1–2 bytes dangle at the end); with `strict`, throws `ERR_PROXY_TLV_MALFORMED` instead.
 */
export function splitTlvs(bytes: Uint8Array, start: number, end: number, strict: true): Tlv[];
export function splitTlvs(bytes: Uint8Array, start: number, end: number, strict?: boolean): Tlv[] | undefined;
export function splitTlvs(bytes: Uint8Array, start: number, end: number, strict = false): Tlv[] | undefined {
  const tlvs: Tlv[] = [];
  let i = start;
  while (i < end) {
    if (end - i < Limits.TLV_HEADER_LENGTH) {
      if (!strict) return undefined;
      fail('ERR_PROXY_TLV_MALFORMED', `${end - i} stray byte(s) after the TLVs`, i);
    }
    const length = ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    const valueEnd = i + 3 + length;
    if (valueEnd > end) {
      if (!strict) return undefined;
      fail('ERR_PROXY_TLV_MALFORMED', `TLV 0x${hex2(bytes[i] as number)} of ${length} bytes overruns the header`, i);
    }
    tlvs.push({ type: bytes[i] as number, value: bytes.subarray(i + 3, valueEnd) });
    i = valueEnd;
  }
  return tlvs;
}

/** @internal */
export function hex2(n: number): string {
  return n < 16 ? `0${n.toString(16)}` : n.toString(16);
}

/**
 * @internal Structural checks for registered TLV types, shared by decode and encode:
 * at most one CRC32C TLV, exactly 4 bytes; UNIQUE_ID within its limit; a well-formed SSL value.
 * Returns the index of the CRC32C TLV, or -1.
 */
export function checkTlvs(tlvs: readonly Tlv[], maxUniqueIdLength: number): number {
  let crcIndex = -1;
  for (let k = 0; k < tlvs.length; k++) {
    const tlv = tlvs[k] as Tlv;
    crcIndex = checkTlv(tlv.type, tlv.value, k, crcIndex, maxUniqueIdLength);
  }
  return crcIndex;
}

/**
 * @internal {@link checkTlvs} for the TLV at index `k`, given the index of the CRC32C TLV before
 * it (-1 for none); returns that index, `k` if this TLV is the CRC32C one.
 */
export function checkTlv(type: number, value: Uint8Array, k: number, crcIndex: number, maxUniqueIdLength: number): number {
  switch (type) {
    case TlvType.CRC32C:
      if (value.length !== 4) fail('ERR_PROXY_TLV_INVALID', `CRC32C TLV must be 4 bytes, got ${value.length}`);
      if (crcIndex >= 0) fail('ERR_PROXY_TLV_INVALID', 'more than one CRC32C TLV');
      return k;
    case TlvType.UNIQUE_ID:
      if (value.length > maxUniqueIdLength)
        fail('ERR_PROXY_TLV_INVALID', `UNIQUE_ID TLV of ${value.length} bytes exceeds ${maxUniqueIdLength}`);
      break;
    case TlvType.SSL:
      checkSsl(value);
      break;
  }
  return crcIndex;
}

/** @internal Throws unless `value` is a well-formed PP2_TYPE_SSL value: 5 fixed bytes, then sub-TLVs that fill the rest exactly. */
export function checkSsl(value: Uint8Array): void {
  if (value.length < 5) fail('ERR_PROXY_TLV_INVALID', `SSL TLV must be at least 5 bytes, got ${value.length}`);
  const end = value.length;
  let i = 5;
  while (i < end) {
    if (end - i < Limits.TLV_HEADER_LENGTH) break;
    i += 3 + (((value[i + 1] as number) << 8) | (value[i + 2] as number));
  }
  if (i !== end) fail('ERR_PROXY_TLV_INVALID', 'SSL sub-TLVs do not fill the SSL TLV');
}

/** @internal Bytes a list of TLVs occupies on the wire. */
export function tlvsLength(tlvs: readonly Tlv[]): number {
  let n = 0;
  for (let k = 0; k < tlvs.length; k++) n += 3 + (tlvs[k] as Tlv).value.length;
  return n;
}

/** @internal Throws unless `tlv` is an object. */
export function checkTlvObject(tlv: unknown): asserts tlv is Tlv {
  if (typeof tlv !== 'object' || tlv === null) fail('ERR_PROXY_INVALID_HEADER', 'each TLV must be a { type, value } object');
}

/** @internal Throws unless `type` is 0..255 and `value` a Uint8Array (as read from a TLV given to encode). */
export function checkTlvShape(type: unknown, value: unknown): asserts value is Uint8Array {
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 255) {
    fail('ERR_PROXY_INVALID_HEADER', `TLV type must be 0..255: ${String(type)}`);
  }
  if (!(value instanceof Uint8Array)) fail('ERR_PROXY_INVALID_HEADER', `TLV 0x${hex2(type)} value must be a Uint8Array`);
}

/** @internal Writes `tlvs` at `out[offset]`; returns the offset after them. Validates type and size. */
export function writeTlvs(tlvs: readonly Tlv[], out: Uint8Array, offset: number): number {
  let i = offset;
  for (let k = 0; k < tlvs.length; k++) {
    const tlv = tlvs[k] as Tlv;
    checkTlvObject(tlv);
    const type = tlv.type;
    const value = tlv.value;
    checkTlvShape(type, value);
    out[i] = type;
    out[i + 1] = value.length >>> 8;
    out[i + 2] = value.length & 0xff;
    out.set(value, i + 3);
    i += 3 + value.length;
  }
  return i;
}
