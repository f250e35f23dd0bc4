/**
 * Reading the header off a socket without wrapping it: paused mode (`'readable'` + `read()`),
 * `unshift()` of whatever followed the header, and the original socket left for its consumer.
 */
import { addAbortListener } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type DecodeOptions, HeaderParser, type ProxyHeader, ProxyProtocolError } from '../index.js';
import { errorChannel, headerChannel } from './diagnostics.js';
import { DEFAULT_HEADER_TIMEOUT, type ReadProxyHeaderOptions } from './options.js';
import { makeTransparent, peerSymbol } from './transparent.js';
import { AbortError, MAX_TIMER_DELAY, signatureIn, toBuffer, withBuffers } from './util.js';
import { checkMode, checkOptions, checkSignal, DECODE_OPTION_NAMES, describe, milliseconds, optionalBoolean } from './validate.js';

/**
 * The key under which the decoded header is stored on the raw socket. It is a `Symbol.for` key,
 * so every copy of the package (ESM and CommonJS) shares it.
 */
export const proxyHeaderSymbol: unique symbol = Symbol.for('proxyproto.header') as never;

/** @internal Options of {@link readHeader}, with defaults applied. */
export interface ReadHeaderSettings {
  /** A stream that cannot start a header is passed through (`null` header) instead of failing. */
  lenient: boolean;
  /** Milliseconds; 0 disables. */
  timeout: number;
  decode: DecodeOptions | undefined;
  /**
   * A parser for this one read, already built from `decode` (readProxyHeader builds it to check
   * the options at the call): used instead of building another. Never set on settings shared by
   * several reads.
   */
  parser?: HeaderParser;
  /**
   * Fail with `ERR_PROXY_CONNECTION_REJECTED` as soon as the bytes start with a signature,
   * without parsing the header; pass anything else through (the `reject` policy).
   */
  rejectHeaders?: boolean;
  /** Lenient only: milliseconds without a single byte after which the stream counts as header-less; 0 never. */
  assumeNoHeaderAfter?: number;
  /** Give the bytes after the header to `done` instead of unshifting them. */
  keepRest?: boolean;
  /** The caller times the read out (`cancel('timeout')`): no timer of its own. */
  callerTimer?: boolean;
}

/**
 * @internal Reads the header off `socket` and calls `done` exactly once. The socket is left with
 * none of this function's listeners, with the bytes after the header unshifted (or given to
 * `done` under `keepRest`), and (on error)
 * untouched otherwise: the caller decides whether to destroy it. Returns a function that cancels
 * the read with the given error.
 *
 * The end of the stream is detected at the `'readable'` that announces it, before `'end'` is
 * emitted, and without the `read()` that would schedule `'end'`: whoever gets the socket next
 * still sees `'end'` (after any bytes handed back), as an `allowHalfOpen` server needs.
 */
export function readHeader(
  socket: Duplex,
  settings: ReadHeaderSettings,
  done: (error: Error | null, header: ProxyHeader | null, atEnd: boolean, rest?: Buffer) => void,
): (reason: Error | 'timeout') => void {
  const parser = settings.rejectHeaders === true ? undefined : (settings.parser ?? new HeaderParser(settings.decode));
  // Under rejectHeaders: the first bytes, while they are still a prefix of a signature.
  let head: Uint8Array | undefined;
  let received = false;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  let silence: NodeJS.Timeout | undefined;

  // Set when the stream is handed on at its end with nothing left to read: its 'end' is then
  // emitted (or was) without a read, and whoever takes the socket may miss it.
  let atEnd = false;
  const finish = (error: Error | null, header: ProxyHeader | null, rest?: Uint8Array): void => {
    if (finished) return;
    finished = true;
    if (timer !== undefined) clearTimeout(timer);
    if (silence !== undefined) clearTimeout(silence);
    socket.removeListener('readable', onReadable);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
    const more = error === null && rest !== undefined && rest.length > 0 && !socket.readableEnded;
    if (more && settings.keepRest !== true) socket.unshift(toBuffer(rest));
    done(
      error,
      header === null ? null : withBuffers(header),
      atEnd && (rest === undefined || rest.length === 0),
      more && settings.keepRest === true ? toBuffer(rest) : undefined,
    );
  };

  function onReadable(): void {
    while (!finished) {
      // Read exactly what is buffered: a bare read() that empties an ended stream schedules
      // 'end', which the next owner of the socket would miss.
      const length = socket.readableLength;
      if (length === 0) {
        if (ended(socket)) onEof();
        return;
      }
      const chunk: unknown = socket.read(length);
      if (chunk === null) return;
      received = true;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer);
      if (parser === undefined) {
        screen(bytes);
        continue;
      }
      let step: ReturnType<HeaderParser['push']>;
      try {
        step = parser.push(bytes);
      } catch (error) {
        finish(error as Error, null);
        return;
      }
      if (step.status === 'complete') finish(null, step.header, step.rest);
      else if (step.status === 'none') {
        if (settings.lenient) finish(null, null, step.data);
        else finish(missing(), null);
      }
    }
  }

  /** The `reject` policy: a signature is enough to drop the connection; anything else passes. */
  function screen(bytes: Uint8Array): void {
    const seen = head === undefined ? bytes : Buffer.concat([head, bytes]);
    const found = signatureIn(seen);
    if (found === 'header') finish(rejected(), null);
    else if (found === 'none') finish(null, null, seen);
    else head = seen;
  }

  function onEof(): void {
    atEnd = true;
    if (parser === undefined) {
      // Fewer bytes than a signature, then the end: not a header.
      finish(null, null, head);
      return;
    }
    let data: Uint8Array | null;
    try {
      data = parser.endOfStream(settings.lenient);
    } catch (error) {
      finish(error as Error, null);
      return;
    }
    if (data === null) finish(missing(), null);
    else finish(null, null, data.length > 0 ? data : undefined);
  }

  // Only if something else read the stream to its end under us: the same decisions, too late to
  // hand bytes back.
  function onEnd(): void {
    onEof();
  }

  function onError(error: Error): void {
    finish(error, null);
  }

  function onClose(): void {
    finish(incomplete(parser?.bufferedLength ?? head?.length ?? 0), null);
  }

  if (socket.destroyed) {
    process.nextTick(onClose);
    return (reason) => finish(reason === 'timeout' ? incomplete(0) : reason, null);
  }
  if (socket.readableLength === 0 && ended(socket)) {
    // The end arrived before the read began: a 'readable' listener now would emit 'end' at once
    // (if it is not already gone, which the caller can see in socket.readableEnded).
    process.nextTick(onEof);
    return (reason) => finish(reason === 'timeout' ? incomplete(0) : reason, null);
  }
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.on('close', onClose);
  const timeOut = (): void => {
    finish(
      new ProxyProtocolError('ERR_PROXY_HEADER_TIMEOUT', `no complete PROXY protocol header within ${settings.timeout} ms`, {
        offset: parser?.bufferedLength ?? head?.length ?? 0,
      }),
      null,
    );
  };
  if (settings.timeout > 0 && settings.callerTimer !== true) {
    timer = setTimeout(timeOut, Math.min(settings.timeout, MAX_TIMER_DELAY));
    timer.unref();
  }
  const cancel = (reason: Error | 'timeout'): void => {
    if (reason === 'timeout') timeOut();
    else finish(reason, null);
  };
  const quiet = settings.assumeNoHeaderAfter ?? 0;
  if (settings.lenient && quiet > 0) {
    silence = setTimeout(
      () => {
        // Silence, not slowness: a connection that sent even one byte keeps waiting for its header.
        if (!received) finish(null, null);
      },
      Math.min(quiet, MAX_TIMER_DELAY),
    );
    silence.unref();
  }
  return cancel;
}

/**
 * @internal Hands `socket` on (`handOver()`) when it is at its end with nothing to read. A socket
 * emits `'end'` on the tick after its end of data whether or not anyone reads, so a new owner that
 * attaches its listeners later misses it. A synchronous hand-over (a server's `'connection'`
 * listeners) comes before that tick; a `deferred` one (a promise settling) waits for the next
 * macrotask, by when the socket's `'end'` is out. Either way, listeners added after an `'end'`
 * that was already out get it once, at the next macrotask. Nothing is attached to the socket.
 */
export function handOverAtEnd(socket: Duplex, handOver: () => void, deferred: boolean): void {
  const settle = (): void => {
    if (!socket.readableEnded) {
      handOver(); // 'end' still to come (or never, for a stream nobody reads): the stream emits it
      return;
    }
    const before = new Set(socket.rawListeners('end'));
    handOver();
    setImmediate(() => {
      for (const listener of socket.rawListeners('end')) if (!before.has(listener)) (listener as () => void).call(socket);
    });
  };
  if (deferred && !socket.readableEnded) setImmediate(settle);
  else settle();
}

/** Whether the stream has seen its end of data (`'end'` may not be emitted yet). */
function ended(stream: Duplex): boolean {
  return (stream as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

const READ_OPTION_NAMES: readonly string[] = [
  'mode',
  'headerTimeout',
  'signal',
  'transparent',
  'assumeNoHeaderAfter',
  ...DECODE_OPTION_NAMES,
];

/**
 * Reads the PROXY header at the start of `socket` (a `net.Socket`, or any `Duplex`) and stores it
 * on the socket (see {@link getProxyHeader}). Resolves with the header, or `null` in lenient mode
 * when the stream does not start with one. Whatever followed the header stays readable on the
 * same socket, byte for byte, and an end of stream is still emitted as `'end'` once those bytes
 * are read.
 *
 * With a used header (command PROXY with IP addresses) the socket becomes transparent: its
 * `remoteAddress` / `remotePort` / `remoteFamily` are the header's source and its `localAddress` /
 * `localPort` its destination (`transparent: false` keeps the real ones; {@link getPeerAddress}
 * always gives the real peer).
 *
 * Rejects with a `ProxyProtocolError` (`ERR_PROXY_HEADER_MISSING`, `ERR_PROXY_HEADER_TIMEOUT`,
 * `ERR_PROXY_HEADER_INCOMPLETE`, `ERR_PROXY_HEADER_TOO_LONG`, a decoding code), with the socket's
 * own error, or with an `AbortError`; with a `TypeError` or `RangeError` for invalid arguments.
 * The socket is not destroyed on rejection: do it yourself.
 */
export function readProxyHeader(socket: Duplex, options?: ReadProxyHeaderOptions): Promise<ProxyHeader | null> {
  let settings: ReadHeaderSettings;
  let signal: AbortSignal | undefined;
  let transparent: boolean;
  try {
    if (!isReadable(socket)) throw new TypeError(`readProxyHeader needs a net.Socket or a Duplex stream, got ${describe(socket)}`);
    const {
      mode,
      headerTimeout,
      signal: given,
      transparent: keep,
      assumeNoHeaderAfter,
      ...decode
    } = checkOptions(options, 'readProxyHeader', READ_OPTION_NAMES);
    checkMode(mode);
    checkSignal(given);
    signal = given;
    transparent = optionalBoolean(keep, 'transparent', true);
    const timeout = milliseconds(headerTimeout, 'headerTimeout', DEFAULT_HEADER_TIMEOUT);
    const quiet = milliseconds(assumeNoHeaderAfter, 'assumeNoHeaderAfter', 0);
    if (quiet > 0 && mode !== 'lenient') {
      throw new TypeError("assumeNoHeaderAfter only applies to mode: 'lenient' (in strict mode a header is required)");
    }
    settings = {
      lenient: mode === 'lenient',
      timeout,
      decode,
      // Validates the decoding options now, not at the first byte; the read then uses it.
      parser: new HeaderParser(decode),
      assumeNoHeaderAfter: quiet,
    };
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    let disposable: Disposable | undefined;
    const cancel = readHeader(socket, settings, (error, header, atEnd) => {
      disposable?.[Symbol.dispose]();
      if (error !== null) {
        if (errorChannel.hasSubscribers) errorChannel.publish({ error, socket });
        reject(error);
        return;
      }
      if (header !== null) {
        (socket as unknown as Record<symbol, unknown>)[proxyHeaderSymbol] = header;
        if (transparent) makeTransparent(socket as Socket, header);
        if (headerChannel.hasSubscribers) headerChannel.publish({ header, socket });
      }
      if (atEnd) handOverAtEnd(socket, () => resolve(header), true);
      else resolve(header);
    });
    if (signal !== undefined) {
      disposable = addAbortListener(signal, () => cancel(new AbortError(undefined, { cause: signal.reason })));
    }
  });
}

function isReadable(value: unknown): value is Duplex {
  const stream = value as Partial<Duplex> | null;
  return (
    typeof stream === 'object' &&
    stream !== null &&
    typeof stream.read === 'function' &&
    typeof stream.unshift === 'function' &&
    typeof stream.on === 'function' &&
    typeof stream.removeListener === 'function'
  );
}

/** Reads a property without letting a throwing getter (http2's socket proxy) escape. */
function peek(target: unknown, key: PropertyKey): unknown {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) return undefined;
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

function own<T>(target: unknown, key: symbol): T | undefined {
  const value = peek(target, key);
  return typeof value === 'object' && value !== null ? (value as T) : undefined;
}

/** `key` on the object, its `_parent` (the raw socket under a TLSSocket), its `socket`, or that socket's `_parent`. */
function lookUp<T>(socketLike: unknown, key: symbol): T | undefined {
  const direct = own<T>(socketLike, key) ?? own<T>(peek(socketLike, '_parent'), key);
  if (direct !== undefined) return direct;
  const socket = peek(socketLike, 'socket');
  if (socket === undefined || socket === socketLike) return undefined;
  return own<T>(socket, key) ?? own<T>(peek(socket, '_parent'), key);
}

/**
 * The header received on a connection, or `null` when there was none (or it was ignored).
 *
 * Accepts the raw `net.Socket`, the `TLSSocket` built over it (https, tls, h2), an http2
 * `session.socket`, or anything with a `socket` property (`req`, an http2 session): the header is
 * looked up on the object, then on its `_parent` (the raw socket under a TLSSocket), then on its
 * `socket`.
 */
export function getProxyHeader(socketLike: unknown): ProxyHeader | null {
  return lookUp<ProxyHeader>(socketLike, proxyHeaderSymbol) ?? null;
}

/**
 * The connection's real peer, the load balancer (what `remoteAddress` / `remotePort` /
 * `remoteFamily` said before the socket became transparent), whatever header arrived. Accepts
 * the same objects as {@link getProxyHeader}. `undefined` when it is not known (a destroyed socket
 * that never became transparent, a UNIX socket peer).
 */
export function getPeerAddress(socketLike: unknown): AddressInfo | undefined {
  const kept = lookUp<Partial<AddressInfo>>(socketLike, peerSymbol);
  if (kept !== undefined)
    return typeof kept.address === 'string' ? { address: kept.address, port: kept.port ?? 0, family: kept.family ?? '' } : undefined;
  const remote = ownRemote(socketLike);
  if (remote === undefined) return undefined;
  return { address: remote.address, port: remote.port, family: remote.family };
}

/** The address of the client at the far end: see {@link getClientAddress}. */
export interface ClientAddress {
  /** IPv4 dotted-quad, IPv6 text (IPv4-mapped as `::ffff:a.b.c.d`), or a UNIX socket path (may be empty). */
  address: string;
  /** TCP or UDP port; `0` for UNIX sockets. */
  port: number;
  /** `'IPv4'` or `'IPv6'` (as in `socket.remoteFamily`), or `'unix'` for a UNIX socket path. */
  family: 'IPv4' | 'IPv6' | 'unix';
  /** `true` when the address comes from a PROXY header, `false` when it is the socket's own peer. */
  proxied: boolean;
}

/**
 * The original client's address: the header's source for a PROXY header with addresses, else
 * (LOCAL, UNKNOWN, UNSPEC, no header) the socket's own remote address, as the spec requires.
 * `undefined` when neither is known (a destroyed socket, or a UNIX socket peer without a path).
 */
export function getClientAddress(socketLike: unknown): ClientAddress | undefined {
  const header = getProxyHeader(socketLike);
  const source = header !== null && header.command === 'proxy' ? header.source : null;
  if (source !== null) {
    if ('path' in source) return { address: source.path, port: 0, family: 'unix', proxied: true };
    return { address: source.address, port: source.port, family: header?.family === 'ipv4' ? 'IPv4' : 'IPv6', proxied: true };
  }
  const remote = ownRemote(socketLike);
  if (remote === undefined) return undefined;
  return { address: remote.address, port: remote.port, family: remote.family === 'IPv4' ? 'IPv4' : 'IPv6', proxied: false };
}

/** The socket's own remote address (of the object, or of its `socket`). */
function ownRemote(socketLike: unknown): { address: string; port: number; family: string } | undefined {
  let target = socketLike;
  let address = peek(target, 'remoteAddress');
  if (address === undefined && peek(target, 'socket') !== undefined) {
    target = peek(target, 'socket');
    address = peek(target, 'remoteAddress');
  }
  if (typeof address !== 'string') return undefined;
  const port = peek(target, 'remotePort');
  const family = peek(target, 'remoteFamily');
  return {
    address,
    port: typeof port === 'number' ? port : 0,
    family: family === 'IPv4' || (family === undefined && !address.includes(':')) ? 'IPv4' : 'IPv6',
  };
}

function rejected(): ProxyProtocolError {
  return new ProxyProtocolError('ERR_PROXY_CONNECTION_REJECTED', 'PROXY protocol header from an untrusted peer', { offset: 0 });
}

function incomplete(offset: number): ProxyProtocolError {
  return new ProxyProtocolError('ERR_PROXY_HEADER_INCOMPLETE', 'socket closed before a complete PROXY protocol header', { offset });
}

function missing(): ProxyProtocolError {
  return new ProxyProtocolError('ERR_PROXY_HEADER_MISSING', 'connection does not start with a PROXY protocol header', { offset: 0 });
}
