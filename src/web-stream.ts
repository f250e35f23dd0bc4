/**
 * Web Streams for runtimes whose connections are `ReadableStream`/`WritableStream` pairs
 * (`Deno.listen`, workerd's `connect()`, Bun, browsers, Node's `stream/web`): strip the PROXY
 * header off a byte stream, or prepend one. Web platform globals only, no Node API.
 */
import { encode } from './encode.js';
import { ProxyProtocolError } from './errors.js';
import type { DecodeOptions, EncodeOptions } from './options.js';
import { HeaderParser } from './parser.js';
import { DEFAULT_HEADER_TIMEOUT, MAX_TIMER_DELAY } from './timers.js';
import type { ProxyHeader, ProxyHeaderInit } from './types.js';

/** Options of {@link ProxyProtocolDecoderStream}: its own three, plus every decoding option. */
export interface ProxyProtocolDecoderStreamOptions extends DecodeOptions {
  /**
   * `'strict'` (the default, as the spec requires): a stream that does not start with a header
   * fails with `ERR_PROXY_HEADER_MISSING`. `'lenient'`: its bytes pass through unchanged and
   * `header` resolves to `null`; use it only for peers you trust.
   */
  mode?: 'strict' | 'lenient';
  /**
   * Milliseconds the stream may take, from construction, to deliver its complete header before
   * both sides fail with `ERR_PROXY_HEADER_TIMEOUT`. Defaults to 10 000 (the spec asks for at
   * least 3 s, to cover a TCP retransmit); `0` disables.
   */
  headerTimeout?: number;
  /** Aborting it errors both sides with `signal.reason` (and rejects `header` if still pending). */
  signal?: AbortSignal;
}

/** The keys this module adds to the decoding options; every other key goes to the core decoder untouched. */
const STREAM_OPTIONS: readonly string[] = ['mode', 'headerTimeout', 'signal'];

// The constructors and timers, reached through globalThis so that the core needs no DOM or Node
// typings; read inside functions only, so that importing the core reads no global.
interface UnderlyingSource {
  start(controller: SourceController): void;
  pull(): void;
  cancel(reason: unknown): void;
}
interface UnderlyingSink {
  start(controller: SinkController): void;
  write(chunk: unknown): void | Promise<void>;
  close(): void;
  abort(reason: unknown): void;
}
interface SourceController {
  readonly desiredSize: number | null;
  enqueue(chunk: Uint8Array): void;
  close(): void;
  error(reason: unknown): void;
}
interface SinkController {
  error(reason: unknown): void;
}
interface Transformer {
  start(controller: SourceController): void;
  transform(chunk: unknown, controller: SourceController): void;
}
interface TransformPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}
interface Platform {
  ReadableStream: new (source: UnderlyingSource, strategy: { highWaterMark: number }) => ReadableStream<Uint8Array>;
  WritableStream: new (sink: UnderlyingSink, strategy: { highWaterMark: number }) => WritableStream<Uint8Array>;
  TransformStream: new (transformer: Transformer) => TransformPair;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}
/** @internal */
export interface EventTargetLike {
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

const platform = (): Platform => globalThis as unknown as Platform;

/**
 * Strips the PROXY header (v1 or v2) at the start of a byte stream and passes every following
 * byte through, with backpressure: a `TransformStream`-shaped pair for `pipeThrough`, as
 * `TextDecoderStream`.
 *
 * ```ts
 * const decoder = new ProxyProtocolDecoderStream();
 * const body = conn.readable.pipeThrough(decoder);
 * const header = await decoder.header; // before reading `body`: does not wait for a reader
 * ```
 *
 * `header` settles once: with the header, with `null` (lenient mode, no header), or with the
 * error that failed the stream before a header was read: a `ProxyProtocolError` (malformed,
 * missing in strict mode, incomplete at the end of the stream, too long, late), the reason of an
 * abort or a cancel, or a `TypeError` for a chunk that is not a `Uint8Array`. Such an error also
 * fails both sides. A rejection nobody awaits is not reported as unhandled.
 *
 * After the header, the chunks written are the chunks read, the same objects (the first one a
 * view of the bytes after the header); nothing is copied. `readable` is a default
 * `ReadableStream`, not a byte stream: a byte stream takes ownership of each chunk's
 * `ArrayBuffer` (it detaches it), which would break writers that reuse a buffer, and in Node
 * would detach the shared pool behind small `Buffer`s; avoiding that would mean copying every
 * chunk.
 */
export class ProxyProtocolDecoderStream {
  /** The bytes after the header. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Where the incoming bytes go (header first). */
  readonly writable: WritableStream<Uint8Array>;
  /** The header: `null` when absent in lenient mode; rejects if the stream fails before a header. */
  readonly header: Promise<ProxyHeader | null>;

  #parser: HeaderParser | undefined;
  readonly #lenient: boolean;
  #source!: SourceController;
  #sink!: SinkController;
  #resolve!: (header: ProxyHeader | null) => void;
  #reject!: (reason: unknown) => void;
  /** Set once the header is known: from then on chunks pass straight through. */
  #through = false;
  /** Set once either side has failed: later events are ignored. */
  #failed = false;
  /** Pending while the reader's queue is full; resolved by the reader's next pull, or by a failure. */
  #blocked: Promise<void> | undefined;
  #unblock: (() => void) | undefined;
  /** Why the stream failed, for a write that was waiting. */
  #failure: unknown;
  #timer: unknown;
  #signal: (AbortSignal & EventTargetLike) | undefined;
  readonly #onAbort = (): void => {
    this.#fail((this.#signal as AbortSignal).reason);
  };

  constructor(options?: ProxyProtocolDecoderStreamOptions) {
    const settings = streamSettings(options);
    this.#parser = new HeaderParser(settings.decode);
    this.#lenient = settings.lenient;
    this.header = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Marks the promise as handled: a rejection nobody awaits is not reported as unhandled,
    // while `await header` still sees it.
    this.header.catch(noop);
    const { ReadableStream, WritableStream } = platform();
    this.readable = new ReadableStream(
      {
        start: (controller) => {
          this.#source = controller;
        },
        pull: () => {
          this.#wake();
        },
        cancel: (reason) => {
          this.#fail(reason ?? new Error('the stream was cancelled'));
        },
      },
      // As a TransformStream's readable side: nothing is queued ahead of the reader.
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream(
      {
        start: (controller) => {
          this.#sink = controller;
        },
        write: (chunk) => this.#write(chunk),
        close: () => {
          this.#close();
        },
        abort: (reason) => {
          this.#fail(reason ?? new Error('the stream was aborted'));
        },
      },
      { highWaterMark: 1 },
    );
    const signal = settings.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#fail(signal.reason);
        return;
      }
      this.#signal = signal;
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (settings.timeout > 0) {
      const { setTimeout } = platform();
      const timer = setTimeout(
        () => {
          const buffered = this.#parser?.bufferedLength ?? 0;
          const message = `no complete PROXY protocol header within ${settings.timeout} ms`;
          this.#fail(new ProxyProtocolError('ERR_PROXY_HEADER_TIMEOUT', message, { offset: buffered }));
        },
        Math.min(settings.timeout, MAX_TIMER_DELAY),
      );
      // Not unref'd: the timeout must fire even when nothing else keeps the process alive (an
      // in-memory source); it is cleared as soon as the header is in or the stream fails.
      this.#timer = timer;
    }
  }

  #write(chunk: unknown): void | Promise<void> {
    if (!(chunk instanceof Uint8Array)) {
      const error = new TypeError('ProxyProtocolDecoderStream accepts Uint8Array chunks only');
      this.#fail(error);
      throw error;
    }
    if (this.#through) return this.#forward(chunk);
    let step: ReturnType<HeaderParser['push']>;
    try {
      step = (this.#parser as HeaderParser).push(chunk);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
    if (step.status === 'incomplete') return;
    if (step.status === 'complete') {
      this.#known(step.header);
      return step.rest.length > 0 ? this.#forward(step.rest) : undefined;
    }
    if (!this.#lenient) {
      const error = missing();
      this.#fail(error);
      throw error;
    }
    this.#known(null);
    return this.#forward(step.data);
  }

  /**
   * Hands `chunk` to the reader, as a TransformStream does: once the reader's queue is full, the
   * next write waits until the reader asks for more.
   */
  #forward(chunk: Uint8Array): void | Promise<void> {
    const blocked = this.#blocked;
    if (blocked === undefined) {
      this.#enqueue(chunk);
      return;
    }
    return blocked.then(() => {
      if (this.#failed) throw this.#failure;
      this.#enqueue(chunk);
    });
  }

  #enqueue(chunk: Uint8Array): void {
    const source = this.#source;
    source.enqueue(chunk);
    if ((source.desiredSize as number) > 0) return;
    // Never rejected (a failure resolves it too), so it needs no handler of its own.
    this.#blocked = new Promise<void>((resolve) => {
      this.#unblock = resolve;
    });
  }

  #wake(): void {
    const unblock = this.#unblock;
    this.#unblock = this.#blocked = undefined;
    unblock?.();
  }

  #close(): void {
    if (!this.#through) {
      let data: Uint8Array | null;
      try {
        data = (this.#parser as HeaderParser).endOfStream(this.#lenient);
        if (data === null) throw missing();
      } catch (error) {
        this.#fail(error);
        throw error;
      }
      this.#known(null);
      if (data.length > 0) this.#source.enqueue(data);
    }
    this.#source.close();
    // The signal applies until the end of the input (as Node's `signal` option, after the header too).
    this.#releaseSignal();
  }

  #known(header: ProxyHeader | null): void {
    this.#through = true;
    this.#parser = undefined;
    this.#clearTimer();
    this.#resolve(header);
  }

  #fail(reason: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#failure = reason;
    this.#clearTimer();
    this.#releaseSignal();
    // Settles `header` if it is still pending; a no-op otherwise.
    this.#reject(reason);
    this.#source.error(reason);
    this.#sink.error(reason);
    const unblock = this.#unblock;
    this.#unblock = undefined;
    unblock?.();
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    platform().clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #releaseSignal(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#signal = undefined;
  }
}

/**
 * Prepends one encoded PROXY header (v1 or v2, per `header.version`, default 2) to a byte
 * stream, as `TextEncoderStream` for text: `body.pipeThrough(new ProxyProtocolEncoderStream(h)).pipeTo(socket.writable)`.
 *
 * The header is the first chunk, queued at once (a protocol where the server speaks first works
 * too); then every chunk passes through unchanged. The constructor encodes the header and throws
 * a `ProxyProtocolError` if it is invalid, or what `encode` throws for bad `options`.
 */
export class ProxyProtocolEncoderStream {
  /** The header, then the bytes written. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Where the bytes to send go. */
  readonly writable: WritableStream<Uint8Array>;

  constructor(header: ProxyHeaderInit, options?: EncodeOptions) {
    const bytes = encode(header, options);
    const { TransformStream } = platform();
    const pair = new TransformStream({
      start(controller) {
        controller.enqueue(bytes);
      },
      transform(chunk, controller) {
        if (!(chunk instanceof Uint8Array)) throw new TypeError('ProxyProtocolEncoderStream accepts Uint8Array chunks only');
        controller.enqueue(chunk);
      },
    });
    this.readable = pair.readable;
    this.writable = pair.writable;
  }
}

/** @internal */
export interface StreamSettings {
  lenient: boolean;
  timeout: number;
  signal: (AbortSignal & EventTargetLike) | undefined;
  decode: DecodeOptions | undefined;
}

/** @internal Validates the stream options of this module and splits them from the decoding options. */
export function streamSettings(options: ProxyProtocolDecoderStreamOptions | undefined): StreamSettings {
  if (options === undefined) return { lenient: false, timeout: DEFAULT_HEADER_TIMEOUT, signal: undefined, decode: undefined };
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (Object.hasOwn(options, 'timeout')) {
    throw new TypeError(`unknown option 'timeout': the header timeout is 'headerTimeout' (milliseconds, 0 disables)`);
  }
  const own = options as Record<string, unknown>;
  const decode: Record<string, unknown> = {};
  for (const key of Object.keys(own)) if (!STREAM_OPTIONS.includes(key)) decode[key] = own[key];
  const { mode, headerTimeout = DEFAULT_HEADER_TIMEOUT, signal } = options;
  if (mode !== undefined && mode !== 'strict' && mode !== 'lenient') throw new TypeError(`mode must be 'strict' or 'lenient'`);
  if (typeof headerTimeout !== 'number') throw new TypeError('headerTimeout must be a number of milliseconds');
  if (!Number.isFinite(headerTimeout) || headerTimeout < 0) {
    throw new RangeError('headerTimeout must be a non-negative number of milliseconds');
  }
  if (signal !== undefined && !isAbortSignal(signal)) throw new TypeError('signal must be an AbortSignal');
  return { lenient: mode === 'lenient', timeout: headerTimeout, signal, decode: decode as DecodeOptions };
}

function isAbortSignal(value: unknown): value is AbortSignal & EventTargetLike {
  const signal = value as Partial<AbortSignal & EventTargetLike> | null;
  return (
    typeof signal === 'object' && signal !== null && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function'
  );
}

/** @internal */
export function missing(): ProxyProtocolError {
  return new ProxyProtocolError('ERR_PROXY_HEADER_MISSING', 'stream does not start with a PROXY protocol header', { offset: 0 });
}

/** @internal */
export function noop(): void {}
