/** @internal Small helpers shared by the Node modules. */

/** A Buffer view of `bytes` (no copy). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const V1_SIGNATURE_LENGTH = 5; // "PROXY"
const V2_SIGNATURE_LENGTH = 12;

/**
 * True when `bytes` (which the decoder called incomplete) are shorter than the signature they
 * started: a stream that ends there never started a header.
 */
export function isSignaturePrefix(bytes: Uint8Array): boolean {
  const first = bytes[0];
  if (first === 0x50) return bytes.length < V1_SIGNATURE_LENGTH;
  if (first === 0x0d) return bytes.length < V2_SIGNATURE_LENGTH;
  return false;
}

/** An error like Node's own `AbortError`: `name` 'AbortError', `code` 'ABORT_ERR', `cause` the reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}
