/** @internal Small helpers shared by the Node modules. */
import type { ProxyHeader } from '../index.js';

/** A Buffer view of `bytes` (no copy). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Makes every byte field of a decoded header a `Buffer` (views, no copy). The parser hands out
 * views of its input when the header came in one chunk (Buffers, from a socket) and of its own
 * copy when it spanned chunks (plain Uint8Arrays): the Node APIs always give Buffers.
 */
export function withBuffers(header: ProxyHeader): ProxyHeader {
  for (const tlv of header.tlvs) if (!Buffer.isBuffer(tlv.value)) tlv.value = toBuffer(tlv.value);
  if (header.unparsed !== undefined && !Buffer.isBuffer(header.unparsed)) header.unparsed = toBuffer(header.unparsed);
  return header;
}

const V1_SIGNATURE = [0x50, 0x52, 0x4f, 0x58, 0x59]; // "PROXY"
const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/**
 * True when `bytes` (which the decoder called incomplete) are shorter than the signature they
 * started: a stream that ends there never started a header.
 */
export function isSignaturePrefix(bytes: Uint8Array): boolean {
  const first = bytes[0];
  if (first === 0x50) return bytes.length < V1_SIGNATURE.length;
  if (first === 0x0d) return bytes.length < V2_SIGNATURE.length;
  return false;
}

/**
 * Whether `bytes` start with a whole v1 or v2 signature (`'header'`), with a proper prefix of one
 * (`'partial'`, more bytes needed), or with neither (`'none'`).
 */
export function signatureIn(bytes: Uint8Array): 'header' | 'partial' | 'none' {
  for (const signature of [V1_SIGNATURE, V2_SIGNATURE]) {
    const n = Math.min(bytes.length, signature.length);
    let i = 0;
    while (i < n && bytes[i] === signature[i]) i++;
    if (i === n) return n === signature.length ? 'header' : 'partial';
  }
  return 'none';
}

/** An error like Node's own `AbortError`: `name` 'AbortError', `code` 'ABORT_ERR', `cause` the reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}
