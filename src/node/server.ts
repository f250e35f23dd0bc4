/**
 * PROXY protocol for an existing server: net, http, https, tls and http2 (h2c and TLS).
 *
 * The server's `'connection'` event is intercepted at dispatch: each raw socket is held until its
 * header is read (paused mode, remainder unshifted), then the ORIGINAL socket is handed to the
 * server's own `'connection'` listeners, which therefore see a real `net.Socket` with its
 * timeouts, keep-alive and native TLS path intact. Intercepting `emit` rather than swapping the
 * listener array also covers listeners added later and connections injected with
 * `server.emit('connection', socket)`, and leaves `listeners()` untouched.
 */
import { Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { type DecodeOptions, HeaderParser, type ProxyHeader, ProxyProtocolError } from '../index.js';
import { errorChannel, headerChannel } from './diagnostics.js';
import { DEFAULT_HEADER_TIMEOUT, type ProxyMode } from './options.js';
import { assertPolicy, compilePolicy, type ProxyPolicy, type ProxyPolicyFunction, type TrustedPeers } from './policy.js';
import { assertRawSocketAccess } from './runtime.js';
import { handOverAtEnd, proxyHeaderSymbol, type ReadHeaderSettings, readHeader } from './socket.js';
import { adoptTransparent, makeTransparent } from './transparent.js';
import { MAX_TIMER_DELAY } from './util.js';
import { checkMode, checkOptions, checkServer, checkTrusted, DECODE_OPTION_NAMES, milliseconds, optionalBoolean } from './validate.js';

/** Options of {@link acceptProxyProtocol}. Decoding options (`maxHeaderLength`, `versions`, …) apply to every connection. */
export interface AcceptProxyProtocolOptions extends DecodeOptions {
  /**
   * Shorthand for `policy`: `'strict'` is `'require'`, `'lenient'` is `'use'`. Defaults to
   * `'strict'`. Ignored when `policy` is given.
   */
  mode?: ProxyMode;
  /**
   * Policy for (trusted) peers, or a function choosing it per peer. Defaults to the one `mode`
   * names, `'require'` by default.
   */
  policy?: ProxyPolicy | ProxyPolicyFunction;
  /**
   * Upstreams allowed to send a header (addresses, CIDR blocks, a `net.BlockList`, or a
   * predicate). Other peers get `untrusted`. Peers on a UNIX socket have no address and only
   * match a predicate. Defaults to every peer.
   */
  trusted?: TrustedPeers;
  /** Policy for peers not in `trusted`. Defaults to `'reject'`: a header from them drops the connection. */
  untrusted?: ProxyPolicy;
  /**
   * Milliseconds a connection may take to deliver its complete header before it is destroyed
   * with `ERR_PROXY_HEADER_TIMEOUT`. Cleared once the header is in. Defaults to 10 000
   * (the spec asks for at least 3 s, to cover a TCP retransmit); `0` disables.
   */
  headerTimeout?: number;
  /**
   * When a header with addresses is used, the sockets the server and its handlers see (the raw
   * socket, the `TLSSocket` of https/tls, http2's `session.socket`) report the client:
   * `remoteAddress`, `remotePort`, `remoteFamily` are the header's source, `localAddress` and
   * `localPort` its destination. Defaults to `true`; `false` keeps the load balancer's
   * addresses there. `getPeerAddress` always returns the load balancer's.
   */
  transparent?: boolean;
  /**
   * For protocols where the server speaks first (SMTP, FTP, MySQL…) under a policy that allows
   * connections without a header (`mode: 'lenient'`, `use`, `ignore`, `reject`): milliseconds
   * without a single byte after which the connection is served as header-less. Off (`0`) by
   * default; under `require` it never applies. A header that arrives later is application data.
   */
  assumeNoHeaderAfter?: number;
}

const ACCEPT_OPTION_NAMES: readonly string[] = [
  'mode',
  'policy',
  'trusted',
  'untrusted',
  'headerTimeout',
  'transparent',
  'assumeNoHeaderAfter',
  ...DECODE_OPTION_NAMES,
];

/** Counters since {@link acceptProxyProtocol} was called. */
export interface ProxyProtocolStats {
  /** Connections seen. */
  connections: number;
  /** Connections still waiting for their header. */
  pending: number;
  /** Connections handed on with a v1 header in use. */
  v1: number;
  /** Connections handed on with a v2 header in use. */
  v2: number;
  /** Connections handed on without a header (or with an ignored one, see `ignored`). */
  none: number;
  /** Headers read and discarded under the `ignore` policy (also counted in `none`). */
  ignored: number;
  /** Connections handed on unread under the `skip` policy. */
  skipped: number;
  /** Connections dropped by `headerTimeout`. */
  timedOut: number;
  /** Connections dropped by policy: a missing header under `require`, a header under `reject`, a version not allowed. */
  rejected: number;
  /** Connections dropped for any other reason: malformed or oversized header, closed or failed before the header. */
  errors: number;
}

/** What {@link acceptProxyProtocol} returns. */
export interface ProxyProtocolIntegration {
  /** Live counters, for metrics. */
  readonly stats: Readonly<ProxyProtocolStats>;
  /**
   * Stops intercepting connections (the server's `emit` is restored) and destroys the
   * connections still waiting for their header. Connections already handed on are untouched.
   */
  close(): void;
}

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

interface Pending {
  /** Ends the read: with an error, or with the timeout error built by the reader. */
  cancel: (reason: Error | 'timeout') => void;
  /** `performance.now()` at which the header is late. */
  deadline: number;
}

type Close = (callback?: (error?: Error) => void) => unknown;

const REJECTED = new Set(['ERR_PROXY_HEADER_MISSING', 'ERR_PROXY_CONNECTION_REJECTED', 'ERR_PROXY_VERSION_NOT_ALLOWED']);
const installed = new WeakSet<object>();

/**
 * Makes `server` (net, http, https, tls, http2 or http2 secure) read a PROXY header at the start
 * of every connection before the server sees it. With a header in use, the server's sockets
 * report the client as their remote address (see `transparent`); the header itself is available
 * through `getProxyHeader(req.socket)`, and `getClientAddress(req.socket)` gives the client either
 * way.
 *
 * A connection that fails (missing, malformed, oversized or late header, policy rejection) emits
 * `'proxyError'` `(error, socket)` on the server. With no `'proxyError'` listener the socket is
 * destroyed; with one, the listener decides (and should destroy it). Either way only that
 * connection is affected. `server.close()` also destroys the connections still waiting for a
 * header.
 *
 * ```js
 * const server = http.createServer((req, res) => res.end(req.socket.remoteAddress));
 * acceptProxyProtocol(server, { trusted: ['10.0.0.0/8'] });
 * server.listen(8080);
 * ```
 *
 * @throws {TypeError} when `server` is not a `net.Server` (the message says where a framework
 *   keeps its server), for an unknown option or an option of the wrong type.
 * @throws {RangeError} for an impossible value (a negative timeout).
 */
export function acceptProxyProtocol(server: Server, options?: AcceptProxyProtocolOptions): ProxyProtocolIntegration {
  // Bun's http servers are no net.Server: name the working alternatives before the type check.
  if (typeof server === 'object' && server !== null) assertRawSocketAccess(server);
  checkServer(server);
  const {
    mode,
    policy,
    trusted,
    untrusted = 'reject',
    headerTimeout,
    transparent: transparentOption,
    assumeNoHeaderAfter,
    ...decode
  } = checkOptions(options, 'acceptProxyProtocol', ACCEPT_OPTION_NAMES);
  if (installed.has(server)) throw new Error('acceptProxyProtocol is already installed on this server');
  checkMode(mode);
  if (policy !== undefined && typeof policy !== 'function') assertPolicy(policy, 'policy');
  assertPolicy(untrusted, 'untrusted');
  checkTrusted(trusted);
  const timeout = milliseconds(headerTimeout, 'headerTimeout', DEFAULT_HEADER_TIMEOUT);
  const transparent = optionalBoolean(transparentOption, 'transparent', true);
  const quiet = milliseconds(assumeNoHeaderAfter, 'assumeNoHeaderAfter', 0);
  const base = policy ?? (mode === 'lenient' ? 'use' : 'require');
  if (quiet > 0 && base === 'require' && (trusted === undefined || untrusted === 'require')) {
    throw new TypeError(
      "assumeNoHeaderAfter never applies here: every connection must carry a header (use mode: 'lenient' or a policy other than 'require')",
    );
  }
  // Validates the decoding options now (a RangeError for a NaN limit), not at the first connection.
  new HeaderParser(decode);
  if (Array.isArray(trusted) && trusted.length === 0 && untrusted !== 'use' && untrusted !== 'require') {
    process.emitWarning(
      `acceptProxyProtocol: trusted is empty, so every peer gets the untrusted policy '${untrusted}' and no PROXY header is ever used; list your load balancers in trusted`,
      { code: 'PROXYPROTO_NO_TRUSTED_PEER' },
    );
  }
  const choose = compilePolicy(base, trusted, untrusted);
  // An http server parses what its socket's 'data' listener gets: the bytes after the header go
  // straight to that listener (see handOver).
  const keepRest = server instanceof HttpServer;
  // The header timeout is the integration's own (see sweep), not one timer per connection. No
  // decoding option: the parser's defaults, not options resolved again for every connection.
  const decodeOptions = Object.keys(decode).length === 0 ? undefined : decode;
  const settings: Record<ProxyPolicy, ReadHeaderSettings> = {
    require: { lenient: false, timeout, callerTimer: true, decode: decodeOptions, keepRest },
    use: { lenient: true, timeout, callerTimer: true, decode: decodeOptions, assumeNoHeaderAfter: quiet, keepRest },
    ignore: { lenient: true, timeout, callerTimer: true, decode: decodeOptions, assumeNoHeaderAfter: quiet, keepRest },
    reject: { lenient: true, timeout, callerTimer: true, decode: decodeOptions, rejectHeaders: true, assumeNoHeaderAfter: quiet, keepRest },
    skip: { lenient: true, timeout, callerTimer: true, decode: decodeOptions, keepRest },
  };

  const stats: ProxyProtocolStats = {
    connections: 0,
    pending: 0,
    v1: 0,
    v2: 0,
    none: 0,
    ignored: 0,
    skipped: 0,
    timedOut: 0,
    rejected: 0,
    errors: 0,
  };
  // Connections reading their header, oldest first. They all have the same timeout, so their
  // deadlines come in insertion order and one timer, armed for the oldest, serves them all:
  // no timer per connection.
  const waiting = new Map<Socket, Pending>();
  let sweeper: NodeJS.Timeout | undefined;
  const arm = (delay: number): void => {
    sweeper = setTimeout(sweep, Math.min(Math.max(Math.ceil(delay), 1), MAX_TIMER_DELAY));
    sweeper.unref();
  };
  const sweep = (): void => {
    sweeper = undefined;
    const now = performance.now();
    for (const pending of waiting.values()) {
      if (pending.deadline > now) {
        arm(pending.deadline - now);
        return;
      }
      pending.cancel('timeout'); // deletes the entry
    }
  };
  const target = server as unknown as { emit: Emit; close: Close };
  const hadOwnEmit = Object.hasOwn(server, 'emit');
  const hadOwnClose = Object.hasOwn(server, 'close');
  const originalEmit = target.emit;
  const originalClose = target.close;
  const forward = (socket: Socket): void => {
    originalEmit.call(server, 'connection', socket);
  };
  const handOver = (socket: Socket, atEnd: boolean, rest: Buffer | undefined): void => {
    if (atEnd) handOverAtEnd(socket, () => forward(socket), false);
    else forward(socket);
    if (rest === undefined || socket.destroyed) return;
    // The http server's connection listener has attached its 'data' listener (and made its
    // parser consume the handle): giving it the bytes directly saves the unshift, the resume and
    // the flow of the stream machinery, which cost more than the rest of the header reading put
    // together. Anything else attached to the socket gets them back on the stream.
    if (socket.listenerCount('data') > 0 && socket.listenerCount('readable') === 0) socket.emit('data', rest);
    else socket.unshift(rest);
  };

  const fail = (error: Error, socket: Socket): void => {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PROXY_HEADER_TIMEOUT') stats.timedOut++;
    else if (typeof code === 'string' && REJECTED.has(code)) stats.rejected++;
    else stats.errors++;
    if (errorChannel.hasSubscribers) errorChannel.publish({ error, socket, server });
    // A late ECONNRESET must not become an uncaught 'error' once our listener is gone.
    socket.on('error', ignoreError);
    if (server.listenerCount('proxyError') > 0) originalEmit.call(server, 'proxyError', error, socket);
    else socket.destroy();
  };

  const onConnection = (socket: Socket): void => {
    stats.connections++;
    let chosen: ProxyPolicy;
    try {
      chosen = choose(socket);
    } catch (error) {
      fail(error as Error, socket);
      return;
    }
    if (chosen === 'skip') {
      stats.skipped++;
      forward(socket);
      return;
    }
    stats.pending++;
    const cancel = readHeader(socket, settings[chosen], (error, header, atEnd, rest) => {
      waiting.delete(socket);
      stats.pending--;
      if (error !== null) {
        fail(error, socket);
        return;
      }
      if (header === null) {
        stats.none++;
        handOver(socket, atEnd, rest);
        return;
      }
      if (chosen === 'ignore') {
        stats.ignored++;
        stats.none++;
        handOver(socket, atEnd, rest);
        return;
      }
      store(socket, header);
      if (transparent) makeTransparent(socket, header);
      if (header.version === 1) stats.v1++;
      else stats.v2++;
      if (headerChannel.hasSubscribers) headerChannel.publish({ header, socket, server });
      handOver(socket, atEnd, rest);
    });
    if (timeout > 0) {
      waiting.set(socket, { cancel, deadline: performance.now() + timeout });
      if (sweeper === undefined) arm(timeout);
    } else waiting.set(socket, { cancel, deadline: Number.POSITIVE_INFINITY });
  };

  const dropPending = (message: string): void => {
    const closing = new ProxyProtocolError('ERR_PROXY_HEADER_INCOMPLETE', message);
    for (const [socket, { cancel }] of [...waiting]) {
      waiting.delete(socket);
      socket.on('error', ignoreError);
      cancel(closing);
      socket.destroy();
    }
  };

  // A TLS server builds its TLSSocket inside its own 'connection' listener; it surfaces here.
  const tls = transparent && server instanceof TlsServer;
  // Every event of the server comes through here ('request' for each request of an http server):
  // `arguments` forwards them without building an array per event.
  const intercepting = function (this: unknown, event: string | symbol, first?: unknown, second?: unknown): boolean {
    if (event === 'connection' && first !== undefined) {
      onConnection(first as Socket);
      return true;
    }
    if (tls) {
      if (event === 'secureConnection') adoptTransparent(first);
      else if (event === 'tlsClientError') adoptTransparent(second);
    }
    // biome-ignore lint/complexity/noArguments: see above
    return Reflect.apply(originalEmit, this, arguments) as boolean;
  } as Emit;
  // server.close() alone would wait for connections still reading their header (they are not
  // the server's yet, so closeIdleConnections does not see them) until their timeout.
  const closing: Close = function (this: unknown, callback) {
    dropPending('server closed before the PROXY protocol header arrived');
    return originalClose.call(this, callback);
  };
  target.emit = intercepting;
  target.close = closing;
  installed.add(server);

  return {
    stats,
    close(): void {
      if (target.emit === intercepting) {
        if (hadOwnEmit) target.emit = originalEmit;
        else delete (target as { emit?: Emit }).emit;
      }
      if (target.close === closing) {
        if (hadOwnClose) target.close = originalClose;
        else delete (target as { close?: Close }).close;
      }
      installed.delete(server);
      dropPending('PROXY protocol integration closed before the header arrived');
      if (sweeper !== undefined) clearTimeout(sweeper);
      sweeper = undefined;
    },
  };
}

function store(socket: Socket, header: ProxyHeader): void {
  (socket as unknown as Record<symbol, unknown>)[proxyHeaderSymbol] = header;
}

function ignoreError(): void {}
