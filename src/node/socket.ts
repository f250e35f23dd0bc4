/**
 * Reading the header off a socket without wrapping it: paused mode (`'readable'` + `read()`),
 * `unshift()` of whatever followed the header, and the original socket left for its consumer.
 */
import { addAbortListener } from 'node:events';
import type { Duplex } from 'node:stream';
import { type DecodeOptions, HeaderParser, type ProxyHeader, ProxyProtocolError } from '../index.js';
import { DEFAULT_HEADER_TIMEOUT, type ProxyMode, type ReadProxyHeaderOptions } from './options.js';
import { AbortError, toBuffer } from './util.js';

/**
 * The key under which the decoded header is stored on the raw socket. It is a `Symbol.for` key,
 * so every copy of the package (ESM and CommonJS) shares it.
 */
export const proxyHeaderSymbol: unique symbol = Symbol.for('proxyproto.header') as never;

/** @internal Options of {@link readHeader}, with defaults applied. */
export interface ReadHeaderSettings {
  lenient: boolean;
  /** Milliseconds; 0 disables. */
  timeout: number;
  decode: DecodeOptions | undefined;
}

/**
 * @internal Reads the header off `socket` and calls `done` exactly once. The socket is left with
 * none of this function's listeners, with the bytes after the header unshifted, and (on error)
 * untouched otherwise: the caller decides whether to destroy it. Returns a function that cancels
 * the read with the given error.
 */
export function readHeader(
  socket: Duplex,
  settings: ReadHeaderSettings,
  done: (error: Error | null, header: ProxyHeader | null) => void,
): (reason: Error) => void {
  const parser = new HeaderParser(settings.decode);
  let finished = false;
  let timer: NodeJS.Timeout | undefined;

  const finish = (error: Error | null, header: ProxyHeader | null, rest?: Uint8Array): void => {
    if (finished) return;
    finished = true;
    if (timer !== undefined) clearTimeout(timer);
    socket.removeListener('readable', onReadable);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
    if (error === null && rest !== undefined && rest.length > 0) socket.unshift(toBuffer(rest));
    done(error, header);
  };

  function onReadable(): void {
    let chunk: unknown;
    while (!finished && (chunk = socket.read()) !== null) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer);
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

  function onEnd(): void {
    if (parser.bufferedLength === 0) {
      if (settings.lenient) finish(null, null);
      else finish(missing(), null);
      return;
    }
    try {
      parser.end();
    } catch (error) {
      finish(error as Error, null);
    }
  }

  function onError(error: Error): void {
    finish(error, null);
  }

  function onClose(): void {
    finish(
      new ProxyProtocolError('ERR_PROXY_HEADER_INCOMPLETE', 'socket closed before a complete PROXY protocol header', {
        offset: parser.bufferedLength,
      }),
      null,
    );
  }

  if (socket.destroyed || socket.readableEnded) {
    process.nextTick(onClose);
    return (reason) => finish(reason, null);
  }
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.on('close', onClose);
  if (settings.timeout > 0) {
    timer = setTimeout(
      () => {
        finish(
          new ProxyProtocolError('ERR_PROXY_HEADER_TIMEOUT', `no complete PROXY protocol header within ${settings.timeout} ms`, {
            offset: parser.bufferedLength,
          }),
          null,
        );
      },
      Math.min(settings.timeout, MAX_TIMER_DELAY),
    );
    timer.unref();
  }
  return (reason) => finish(reason, null);
}

/**
 * Longest delay setTimeout honours (about 24.8 days): a longer one fires after 1 ms, with a
 * TimeoutOverflowWarning, which would time out every header at once.
 */
const MAX_TIMER_DELAY = 0x7fffffff;

/** @internal Validates the shared options and applies their defaults. */
export function settingsFrom(mode: ProxyMode | undefined, timeout: number | undefined, decode: DecodeOptions): ReadHeaderSettings {
  if (mode !== undefined && mode !== 'strict' && mode !== 'lenient') throw new TypeError(`mode must be 'strict' or 'lenient'`);
  const ms = timeout ?? DEFAULT_HEADER_TIMEOUT;
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError('timeout must be a non-negative number of milliseconds');
  return { lenient: mode === 'lenient', timeout: ms, decode };
}

/**
 * Reads the PROXY header at the start of `socket` (a `net.Socket`, or any `Duplex`) and stores it
 * on the socket (see {@link getProxyHeader}). Resolves with the header, or `null` in lenient mode
 * when the stream does not start with one. Whatever followed the header stays readable on the
 * same socket, byte for byte.
 *
 * Rejects with a `ProxyProtocolError` (`ERR_PROXY_HEADER_MISSING`, `ERR_PROXY_HEADER_TIMEOUT`,
 * `ERR_PROXY_HEADER_INCOMPLETE`, `ERR_PROXY_HEADER_TOO_LONG`, a decoding code), with the socket's
 * own error, or with an `AbortError`. The socket is not destroyed on rejection: do it yourself.
 */
export function readProxyHeader(socket: Duplex, options: ReadProxyHeaderOptions = {}): Promise<ProxyHeader | null> {
  const { mode, timeout, signal, ...decode } = options;
  let settings: ReadHeaderSettings;
  try {
    settings = settingsFrom(mode, timeout, decode);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    let disposable: Disposable | undefined;
    const cancel = readHeader(socket, settings, (error, header) => {
      disposable?.[Symbol.dispose]();
      if (error !== null) {
        reject(error);
        return;
      }
      if (header !== null) (socket as unknown as Record<symbol, unknown>)[proxyHeaderSymbol] = header;
      resolve(header);
    });
    if (signal !== undefined) {
      disposable = addAbortListener(signal, () => cancel(new AbortError(undefined, { cause: signal.reason })));
    }
  });
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

function own(target: unknown): ProxyHeader | undefined {
  const value = peek(target, proxyHeaderSymbol);
  return typeof value === 'object' && value !== null ? (value as ProxyHeader) : undefined;
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
  const direct = own(socketLike) ?? own(peek(socketLike, '_parent'));
  if (direct !== undefined) return direct;
  const socket = peek(socketLike, 'socket');
  if (socket === undefined || socket === socketLike) return null;
  return own(socket) ?? own(peek(socket, '_parent')) ?? null;
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
    proxied: false,
  };
}

function missing(): ProxyProtocolError {
  return new ProxyProtocolError('ERR_PROXY_HEADER_MISSING', 'connection does not start with a PROXY protocol header', { offset: 0 });
}
