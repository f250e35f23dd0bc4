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

// The node bundle inlines this small core module (data and a loop) rather than exporting internals from the core entry.
export { signatureIn } from '../signature.js';

export { MAX_TIMER_DELAY } from '../timers.js';

/** An error like Node's own `AbortError`: `name` 'AbortError', `code` 'ABORT_ERR', `cause` the reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}
