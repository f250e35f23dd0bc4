/**
 * Incremental decoding over chunks, with no I/O and no events: the state machine that the stream
 * and socket integrations drive. It buffers at most the header (bounded by `maxHeaderLength`),
 * copies only when a header spans chunks, and hands back the bytes after the header as a view.
 */
import { Limits, V2 } from './constants.js';
import { decodeResolved } from './decode.js';
import { fail } from './errors.js';
import { type DecodeOptions, describe, type ResolvedDecodeOptions, resolveDecodeOptions } from './options.js';
import { isSignaturePrefix } from './signature.js';
import type { ProxyHeader } from './types.js';

/** What {@link HeaderParser.push} reports. */
export type ParseStep =
  /** Header decoded. `rest` holds the bytes after it from the last chunk (possibly empty). */
  | { status: 'complete'; header: ProxyHeader; length: number; rest: Uint8Array }
  /** More bytes are needed. */
  | { status: 'incomplete' }
  /** The stream does not start with a header. `data` is every byte pushed so far, unchanged. */
  | { status: 'none'; data: Uint8Array };

const INCOMPLETE: ParseStep = Object.freeze({ status: 'incomplete' });
/** A buffer larger than this is dropped on reset rather than kept for the next stream. */
const KEEP_CAPACITY = 512;

/**
 * Feeds chunks of a byte stream until its PROXY header is decoded.
 *
 * After `complete`, `none` or a thrown error the parser resets itself, so one instance can serve
 * stream after stream.
 *
 * ```ts
 * const parser = new HeaderParser();
 * for (const chunk of chunks) {
 *   const step = parser.push(chunk);
 *   if (step.status === 'complete') { use(step.header); forward(step.rest); break; }
 *   if (step.status === 'none') { reject(); break; }
 * }
 * ```
 */
export class HeaderParser {
  #options: ResolvedDecodeOptions;
  #maxHeaderLength: number;
  #buffer: Uint8Array | undefined;
  #used = 0;

  constructor(options?: DecodeOptions) {
    // Resolved once: later changes to `options` do not reach a parser already built.
    this.#options = resolveDecodeOptions(options);
    this.#maxHeaderLength = this.#options.maxHeaderLength;
  }

  /** Bytes buffered so far (a strict prefix of a possible header). */
  get bufferedLength(): number {
    return this.#used;
  }

  /**
   * A copy of the bytes buffered so far: every byte pushed since the last result, since an
   * `incomplete` step keeps them all. A lenient reader that reaches the end of its stream uses
   * them to pass a mere signature prefix on as data.
   */
  get buffered(): Uint8Array {
    return this.#buffer === undefined ? new Uint8Array(0) : this.#buffer.slice(0, this.#used);
  }

  /**
   * Adds `chunk`. @throws {ProxyProtocolError} when the header is malformed (the parser resets).
   */
  push(chunk: Uint8Array): ParseStep {
    if (!(chunk instanceof Uint8Array)) throw new TypeError(`HeaderParser.push needs a Uint8Array, got ${describe(chunk)}`);
    try {
      return this.#used === 0 ? this.#first(chunk) : this.#more(chunk);
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  /**
   * Declares the end of the stream. Throws `ERR_PROXY_HEADER_INCOMPLETE` if a partial header was
   * buffered; does nothing if nothing was.
   */
  end(): void {
    if (this.#used > 0) {
      const used = this.#used;
      this.reset();
      fail('ERR_PROXY_HEADER_INCOMPLETE', `stream ended after ${used} byte(s) of a PROXY protocol header`, used);
    }
  }

  /**
   * Declares the end of a stream that has not produced a header, and says what it was: `null`
   * when nothing was buffered and the reader is strict (the header is missing); otherwise the
   * bytes that turned out not to be a header, for a `lenient` reader to pass on (none, or fewer
   * bytes than a signature). Throws as {@link end} when the bytes had started a header. Every
   * reader that can reach the end of its input before a header (streams, sockets) ends this way.
   */
  endOfStream(lenient: boolean): Uint8Array | null {
    if (typeof lenient !== 'boolean') throw new TypeError(`endOfStream(lenient) takes a boolean, got ${describe(lenient)}`);
    if (this.#used === 0) return lenient ? new Uint8Array(0) : null;
    if (lenient) {
      const data = this.buffered;
      if (isSignaturePrefix(data)) {
        this.reset();
        return data;
      }
    }
    this.end(); // throws: a header had started
    return null;
  }

  /** Forgets any buffered bytes. */
  reset(): void {
    this.#used = 0;
    if (this.#buffer !== undefined && this.#buffer.length > KEEP_CAPACITY) this.#buffer = undefined;
  }

  /**
   * The most bytes the header being buffered can take: `maxHeaderLength`, and no more than a v1
   * line or, once its length field has arrived, the v2 header itself.
   */
  #bound(): number {
    const max = this.#maxHeaderLength;
    const b = this.#buffer;
    if (b === undefined || this.#used === 0) return max;
    if (b[0] === 0x50) return Math.min(max, Limits.V1_MAX_LENGTH);
    if (this.#used < V2.ADDRESSES) return max;
    return Math.min(max, V2.ADDRESSES + (((b[V2.LENGTH] as number) << 8) | (b[V2.LENGTH + 1] as number)));
  }

  #first(chunk: Uint8Array): ParseStep {
    const result = decodeResolved(chunk, this.#options);
    if (result.status === 'complete') {
      return { status: 'complete', header: result.header, length: result.length, rest: chunk.subarray(result.length) };
    }
    if (result.status === 'none') return { status: 'none', data: chunk };
    if (chunk.length > 0) this.#append(chunk);
    return INCOMPLETE;
  }

  #more(chunk: Uint8Array): ParseStep {
    const before = this.#used;
    // An incomplete result means every byte so far belongs to the header, and the header is at
    // most maxHeaderLength (and its own length, once known): never buffer more than that.
    const room = this.#bound() - before;
    const take = Math.min(chunk.length, room);
    this.#append(chunk.subarray(0, take));
    const buffered = (this.#buffer as Uint8Array).subarray(0, this.#used);
    const result = decodeResolved(buffered, this.#options);
    if (result.status === 'complete') {
      // The header ends inside `chunk`: the rest is a view of it, not a copy.
      const header = result.header;
      const length = result.length;
      // Values of TLVs point into the internal buffer: detach them before it is reused.
      if (header.tlvs.length > 0 || header.unparsed !== undefined) detach(header, buffered.slice(0, length), buffered);
      this.reset();
      return { status: 'complete', header, length, rest: chunk.subarray(length - before) };
    }
    if (result.status === 'none') {
      const data = new Uint8Array(before + chunk.length);
      data.set(buffered.subarray(0, before));
      data.set(chunk, before);
      this.reset();
      return { status: 'none', data };
    }
    if (take < chunk.length) {
      fail('ERR_PROXY_HEADER_TOO_LONG', `no complete header within ${this.#maxHeaderLength} bytes`, this.#maxHeaderLength);
    }
    return INCOMPLETE;
  }

  /**
   * Capacity doubles (so that a header fed byte by byte costs linear time, not quadratic) but
   * never past the header's bound: the buffer holds at most twice what has arrived, and never
   * more than `maxHeaderLength` or the header's own length.
   */
  #append(bytes: Uint8Array): void {
    const needed = this.#used + bytes.length;
    let buffer = this.#buffer;
    if (buffer === undefined || buffer.length < needed) {
      const capacity = Math.max(needed, Math.min(2 * (buffer === undefined ? 0 : buffer.length), this.#bound()));
      const grown = new Uint8Array(capacity);
      if (buffer !== undefined) grown.set(buffer.subarray(0, this.#used));
      buffer = this.#buffer = grown;
    }
    buffer.set(bytes, this.#used);
    this.#used = needed;
  }
}

/** Re-points TLV and `unparsed` views from `from` (a reused buffer) to `copy` (owned by the header). */
function detach(header: ProxyHeader, copy: Uint8Array, from: Uint8Array): void {
  const base = from.byteOffset;
  const rebase = (view: Uint8Array): Uint8Array => copy.subarray(view.byteOffset - base, view.byteOffset - base + view.length);
  for (const tlv of header.tlvs) tlv.value = rebase(tlv.value);
  if (header.unparsed !== undefined) header.unparsed = rebase(header.unparsed);
}
