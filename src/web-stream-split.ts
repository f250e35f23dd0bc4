/**
 * The pull-style counterpart of ProxyProtocolDecoderStream: reads the header off a
 * `ReadableStream` (a connection's `readable`) with the stream's own reader, then hands back the
 * rest as a new stream that reads from the same source: no pipe, no queue in between, a cancel
 * goes straight to the source, and a byte source stays a byte stream (BYOB readers read straight
 * into their own buffers).
 */
import { ProxyProtocolError } from './errors.js';
import { HeaderParser, type ParseStep } from './parser.js';
import { MAX_TIMER_DELAY } from './timers.js';
import type { ProxyHeader } from './types.js';
import { type EventTargetLike, missing, noop, type ProxyProtocolDecoderStreamOptions, streamSettings } from './web-stream.js';

/** What {@link splitProxyHeader} resolves with. */
export interface SplitProxyHeader {
  /** The header; `null` in lenient mode when the stream does not start with one. */
  header: ProxyHeader | null;
  /** Every byte after the header, from the same source; a byte stream when the source is one. */
  readable: ReadableStream<Uint8Array>;
}

interface ReadResult {
  done: boolean;
  value?: Uint8Array;
}
interface Reader {
  read(view?: Uint8Array): Promise<ReadResult>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}
interface Source {
  getReader(options?: { mode: 'byob' }): Reader;
}
interface ByobRequest {
  readonly view: ArrayBufferView;
  respond(bytesWritten: number): void;
  respondWithNewView(view: ArrayBufferView): void;
}
interface Controller {
  readonly byobRequest?: ByobRequest | null;
  enqueue(chunk: Uint8Array): void;
  close(): void;
}
interface PullSource {
  type?: 'bytes';
  autoAllocateChunkSize?: number;
  pull(controller: Controller): void | Promise<void>;
  cancel(reason: unknown): Promise<void>;
}
interface Platform {
  ReadableStream: new (source: PullSource, strategy?: { highWaterMark: number }) => ReadableStream<Uint8Array>;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const platform = (): Platform => globalThis as unknown as Platform;
/** Buffer size offered to a byte source when the reader brings none (a default reader). */
const AUTO_ALLOCATE = 65_536;

/**
 * Reads the PROXY header at the start of `source` and resolves with it and a stream of the bytes
 * after it, byte for byte.
 *
 * ```ts
 * const { header, readable } = await splitProxyHeader(conn.readable, { headerTimeout: 3000 });
 * ```
 *
 * Options as for {@link ProxyProtocolDecoderStream}; `headerTimeout` and `signal` apply until the
 * header is read. On failure (malformed or late header, no header in strict mode, the end of the
 * stream inside one, an abort, a source error, a chunk that is not a `Uint8Array`) the promise
 * rejects with that error and `source` is cancelled with it: drop the connection.
 */
export async function splitProxyHeader(
  source: ReadableStream<Uint8Array>,
  options?: ProxyProtocolDecoderStreamOptions,
): Promise<SplitProxyHeader> {
  const settings = streamSettings(options);
  const parser = new HeaderParser(settings.decode);
  const reader = (source as unknown as Source).getReader();
  const { setTimeout, clearTimeout } = platform();
  let timer: unknown;
  let signal: (AbortSignal & EventTargetLike) | undefined;
  let onAbort = noop;
  // Settles only with a failure: raced against each read.
  const stopped = new Promise<never>((_, reject) => {
    if (settings.signal !== undefined) {
      signal = settings.signal;
      if (signal.aborted) reject(signal.reason);
      onAbort = () => reject((signal as AbortSignal).reason);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    if (settings.timeout > 0) {
      timer = setTimeout(
        () => {
          const message = `no complete PROXY protocol header within ${settings.timeout} ms`;
          reject(new ProxyProtocolError('ERR_PROXY_HEADER_TIMEOUT', message, { offset: parser.bufferedLength }));
        },
        Math.min(settings.timeout, MAX_TIMER_DELAY),
      );
    }
  });
  stopped.catch(noop);
  let header: ProxyHeader | null;
  let rest: Uint8Array | undefined;
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), stopped]);
      if (done) {
        ended = true;
        const data = parser.endOfStream(settings.lenient);
        if (data === null) throw missing();
        header = null;
        rest = data;
        break;
      }
      if (!(value instanceof Uint8Array)) throw new TypeError('splitProxyHeader reads Uint8Array chunks only');
      const step: ParseStep = parser.push(value);
      if (step.status === 'incomplete') continue;
      if (step.status === 'complete') {
        header = step.header;
        rest = step.rest;
      } else {
        if (!settings.lenient) throw missing();
        header = null;
        rest = step.data;
      }
      break;
    }
  } catch (error) {
    reader.cancel(error).catch(noop);
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  reader.releaseLock();
  return { header, readable: remainder(source as unknown as Source, rest.length > 0 ? rest : undefined, ended) };
}

/** `first`, then the rest of `source`, read on demand. */
function remainder(source: Source, first: Uint8Array | undefined, ended: boolean): ReadableStream<Uint8Array> {
  const { ReadableStream } = platform();
  let byob: Reader | undefined;
  try {
    byob = source.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream.
  }
  if (byob === undefined) {
    const reader = source.getReader();
    return new ReadableStream(
      {
        async pull(controller) {
          if (first !== undefined) {
            controller.enqueue(first);
            first = undefined;
            return;
          }
          const { done, value } = ended ? { done: true } : await reader.read();
          if (done) controller.close();
          else controller.enqueue(value as Uint8Array);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }
  const reader = byob;
  return new ReadableStream({
    type: 'bytes',
    // Every read, a default reader's too, then comes with a buffer for the source to fill.
    autoAllocateChunkSize: AUTO_ALLOCATE,
    async pull(controller) {
      const request = controller.byobRequest as ByobRequest;
      const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
      if (first !== undefined) {
        // The bytes after the header, from the chunk that held its end: copied into the reader's buffer.
        const n = Math.min(view.length, first.length);
        view.set(first.subarray(0, n));
        first = n < first.length ? first.subarray(n) : undefined;
        request.respond(n);
        return;
      }
      if (ended) {
        controller.close();
        request.respond(0);
        return;
      }
      // The source fills the reader's own buffer: no copy here.
      const { done, value } = await reader.read(view);
      if (done) {
        controller.close();
        if (value !== undefined) request.respondWithNewView(value);
        return;
      }
      request.respondWithNewView(value as Uint8Array);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
