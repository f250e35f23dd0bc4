/**
 * Transform streams for pipelines that are not sockets (files, child processes, tunnels). To
 * accept connections, prefer `acceptProxyProtocol` or `readProxyHeader`: they keep the original
 * `net.Socket`, which a Transform cannot.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import {
  type DecodeOptions,
  type EncodeOptions,
  encode,
  HeaderParser,
  type ProxyHeader,
  type ProxyHeaderInit,
  ProxyProtocolError,
} from '../index.js';
import { DEFAULT_HEADER_TIMEOUT, type ProxyMode } from './options.js';
import { MAX_TIMER_DELAY, toBuffer, withBuffers } from './util.js';
import { checkMode, checkOptions, checkSignal, DECODE_OPTION_NAMES, describe, ENCODE_OPTION_NAMES, milliseconds } from './validate.js';

const DECODER_OPTION_NAMES: readonly string[] = ['mode', 'headerTimeout', 'highWaterMark', 'signal', ...DECODE_OPTION_NAMES];
const ENCODER_OPTION_NAMES: readonly string[] = ['highWaterMark', 'signal', ...ENCODE_OPTION_NAMES];

/** Options of {@link ProxyProtocolDecoder}. */
export interface ProxyProtocolDecoderOptions extends DecodeOptions {
  /** Defaults to `'strict'`. */
  mode?: ProxyMode;
  /**
   * Milliseconds from construction to a known header (or to knowing there is none) before the
   * stream is destroyed with `ERR_PROXY_HEADER_TIMEOUT`. Defaults to 10 000; `0` disables.
   */
  headerTimeout?: number;
  /** Passed to `Transform`. */
  highWaterMark?: number;
  /** Destroys the stream when aborted (as every Node stream's `signal` option). */
  signal?: AbortSignal;
}

/**
 * Strips the PROXY header at the start of a byte stream and passes every following byte through
 * untouched, with backpressure.
 *
 * Emits `'header'` once, before any payload, with the {@link ProxyHeader} (or `null` in lenient
 * mode when there is none). A malformed header, a missing one in strict mode, or an end of stream
 * inside the header destroys the stream with a `ProxyProtocolError`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged interface only adds typed event overloads
export class ProxyProtocolDecoder extends Transform {
  /** The header once known: `undefined` before, `null` when absent (lenient mode). */
  header: ProxyHeader | null | undefined = undefined;
  readonly #parser: HeaderParser;
  readonly #lenient: boolean;
  #timer: NodeJS.Timeout | undefined;

  /** @throws {TypeError} for an unknown option or one of the wrong type. @throws {RangeError} for an impossible value. */
  constructor(options?: ProxyProtocolDecoderOptions) {
    const {
      mode = 'strict',
      headerTimeout,
      highWaterMark,
      signal,
      ...decodeOptions
    } = checkOptions(options, 'ProxyProtocolDecoder', DECODER_OPTION_NAMES);
    checkMode(mode);
    checkSignal(signal);
    const timeout = milliseconds(headerTimeout, 'headerTimeout', DEFAULT_HEADER_TIMEOUT);
    const parser = new HeaderParser(decodeOptions);
    super(streamOptions(highWaterMark, signal));
    this.#parser = parser;
    this.#lenient = mode === 'lenient';
    if (timeout > 0) {
      this.#timer = setTimeout(
        () => {
          this.destroy(
            new ProxyProtocolError('ERR_PROXY_HEADER_TIMEOUT', `no complete PROXY protocol header within ${timeout} ms`, {
              offset: this.#parser.bufferedLength,
            }),
          );
        },
        Math.min(timeout, MAX_TIMER_DELAY),
      );
      this.#timer.unref();
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#clearTimer();
    callback(error);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.header !== undefined) {
      callback(null, chunk);
      return;
    }
    let step: ReturnType<HeaderParser['push']>;
    try {
      step = this.#parser.push(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (step.status === 'incomplete') {
      callback();
      return;
    }
    if (step.status === 'complete') {
      this.#known(step.header);
      callback(null, step.rest.length > 0 ? toBuffer(step.rest) : undefined);
      return;
    }
    if (!this.#lenient) {
      callback(missing());
      return;
    }
    this.#known(null);
    callback(null, toBuffer(step.data));
  }

  override _flush(callback: TransformCallback): void {
    if (this.header !== undefined) {
      callback();
      return;
    }
    let data: Uint8Array | null;
    try {
      data = this.#parser.endOfStream(this.#lenient);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (data === null) {
      callback(missing());
      return;
    }
    this.#known(null);
    callback(null, data.length > 0 ? toBuffer(data) : undefined);
  }

  #known(header: ProxyHeader | null): void {
    this.#clearTimer();
    this.header = header === null ? null : withBuffers(header);
    this.emit('header', this.header);
  }
}

// Typed 'header' event on top of the Transform's own overloads (the pattern @types/node uses).
export interface ProxyProtocolDecoder {
  on(event: 'header', listener: (header: ProxyHeader | null) => void): this;
  // biome-ignore lint/suspicious/noExplicitAny: must match the base class overload
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'header', listener: (header: ProxyHeader | null) => void): this;
  // biome-ignore lint/suspicious/noExplicitAny: must match the base class overload
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** Options of {@link ProxyProtocolEncoder}. */
export interface ProxyProtocolEncoderOptions extends EncodeOptions {
  /** Passed to `Transform`. */
  highWaterMark?: number;
  /** Destroys the stream when aborted. */
  signal?: AbortSignal;
}

/**
 * Prepends one encoded PROXY header (v1 or v2, per `header.version`, default 2) to a byte
 * stream: the header and the first chunk leave in one piece, then every byte passes through.
 * On an empty stream the header alone is written at the end. The header is encoded by the
 * constructor, which throws a `ProxyProtocolError` if it is invalid.
 */
export class ProxyProtocolEncoder extends Transform {
  #header: Buffer | undefined;

  /** @throws {TypeError} for an unknown option; a `ProxyProtocolError` for an invalid header. */
  constructor(header: ProxyHeaderInit, options?: ProxyProtocolEncoderOptions) {
    const { highWaterMark, signal, ...encodeOptions } = checkOptions(options, 'ProxyProtocolEncoder', ENCODER_OPTION_NAMES);
    checkSignal(signal);
    if (typeof header !== 'object' || header === null) throw new TypeError('ProxyProtocolEncoder needs a header object');
    const bytes = toBuffer(encode(header, encodeOptions));
    super(streamOptions(highWaterMark, signal));
    this.#header = bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const header = this.#header;
    if (header === undefined) {
      callback(null, chunk);
      return;
    }
    this.#header = undefined;
    callback(null, Buffer.concat([header, chunk]));
  }

  override _flush(callback: TransformCallback): void {
    const header = this.#header;
    this.#header = undefined;
    callback(null, header);
  }
}

function streamOptions(highWaterMark: unknown, signal: AbortSignal | undefined): TransformOptions {
  const options: TransformOptions = {};
  if (highWaterMark !== undefined) {
    if (typeof highWaterMark !== 'number') throw new TypeError(`highWaterMark must be a number, got ${describe(highWaterMark)}`);
    if (!Number.isInteger(highWaterMark) || highWaterMark < 0) {
      throw new RangeError(`highWaterMark must be a non-negative integer, got ${highWaterMark}`);
    }
    options.highWaterMark = highWaterMark;
  }
  if (signal !== undefined) options.signal = signal;
  return options;
}

function missing(): ProxyProtocolError {
  return new ProxyProtocolError('ERR_PROXY_HEADER_MISSING', 'stream does not start with a PROXY protocol header', { offset: 0 });
}
