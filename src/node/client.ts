/** Outbound connections that start with a PROXY header, and the header a proxy sends for an accepted connection. */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { type EncodeOptions, encode, type ProxyHeaderInit } from '../index.js';
import { resolveEncodeOptions } from '../options.js';
import { getProxyHeader } from './socket.js';
import { peerSymbol } from './transparent.js';
import { toBuffer } from './util.js';
import { checkOptions } from './validate.js';

/** Extra options of {@link connect}: the header, how to encode it, and TLS after it. */
export interface ProxyConnectExtras extends EncodeOptions {
  /** The header written as the very first bytes of the connection, in one write. */
  header: ProxyHeaderInit;
  /**
   * Speak TLS over the connection after the header: `true`, or `tls.connect` options. With
   * `true`, the TLS options found in the connect options themselves (`ca`, `servername`,
   * `rejectUnauthorized`, …) are used.
   */
  tls?: boolean | tls.ConnectionOptions;
}

/** Options of {@link connect}: `net.connect` (and `tls.connect`) options plus {@link ProxyConnectExtras}. */
export type ProxyConnectOptions = net.NetConnectOpts & tls.ConnectionOptions & ProxyConnectExtras;

/**
 * @internal `crc32c` and `padTo` as encode options, checked at the call (a `TypeError` naming
 * `where` for a wrong type, the encoder's `RangeError` for an impossible `padTo`), so that an
 * agent whose headers come from a function still reports them when it is built.
 */
export function encodeOptionsOf(crc32c: unknown, padTo: unknown, where: string): EncodeOptions {
  if (crc32c !== undefined && typeof crc32c !== 'boolean') throw new TypeError(`${where}: crc32c must be a boolean`);
  if (padTo !== undefined && typeof padTo !== 'number') throw new TypeError(`${where}: padTo must be a number`);
  const options: EncodeOptions = {};
  if (crc32c !== undefined) options.crc32c = crc32c;
  if (padTo !== undefined) options.padTo = padTo;
  // The encoder's own value check, as for any v2 header: the v1 refusal waits for the header.
  resolveEncodeOptions(options, 2);
  return options;
}

/**
 * @internal The header's bytes. Throws a `TypeError` for a header that is not an object, a
 * `ProxyProtocolError` (or `RangeError`) for one that does not encode.
 */
export function encodeHeader(header: unknown, options: EncodeOptions, where: string): Buffer {
  if (typeof header !== 'object' || header === null) throw new TypeError(`${where}: header must be a ProxyHeaderInit object`);
  return toBuffer(encode(header as ProxyHeaderInit, options));
}

/** @internal A `TypeError` for an option that moved, so that old call sites say how to migrate. */
export function rejectRemovedOptions(options: object, where: string): void {
  if ('encodeOptions' in options) {
    throw new TypeError(`${where}: encodeOptions was removed; pass crc32c and padTo next to header`);
  }
}

/** @internal Opens a TCP connection whose first write is `bytes`. */
export function connectWithHeader(bytes: Uint8Array, options: net.NetConnectOpts): net.Socket {
  const socket = net.connect(options);
  // Queued until the connection is up, then sent before anything else written to the socket.
  socket.write(bytes);
  return socket;
}

/**
 * Opens a connection (like `net.connect`) whose first bytes are the encoded `header`, written in
 * one write before anything else. With `tls`, returns a `TLSSocket` layered over it after the
 * header (the same as `tls.connect({ socket })` on the socket this returns without `tls`).
 * `connectListener` runs on `'connect'` (`'secureConnect'` with TLS).
 *
 * Usable as the `createConnection` option of `http.request`:
 * `createConnection: (opts, cb) => connect({ ...opts, header }, cb)`. For a keep-alive pool, use
 * {@link ProxyProtocolAgent}, whose pool is keyed by the header.
 *
 * @throws {TypeError} synchronously when `header`, `crc32c`, `padTo` or `tls` has the wrong type,
 * or when the removed `encodeOptions` is given.
 * @throws {ProxyProtocolError} synchronously, before connecting, when the header does not encode.
 */
export function connect(options: ProxyConnectOptions, connectListener?: () => void): net.Socket {
  if (typeof options !== 'object' || options === null) throw new TypeError('connect: options must be an object');
  rejectRemovedOptions(options, 'connect');
  const { header, crc32c, padTo, tls: tlsOption, ...rest } = options;
  if (tlsOption !== undefined && typeof tlsOption !== 'boolean' && (typeof tlsOption !== 'object' || tlsOption === null)) {
    throw new TypeError('connect: tls must be a boolean or tls.connect options');
  }
  if (connectListener !== undefined && typeof connectListener !== 'function') {
    throw new TypeError('connect: connectListener must be a function');
  }
  const bytes = encodeHeader(header, encodeOptionsOf(crc32c, padTo, 'connect'), 'connect');
  const socket = connectWithHeader(bytes, rest as net.NetConnectOpts);
  if (tlsOption === undefined || tlsOption === false) {
    if (connectListener !== undefined) socket.once('connect', connectListener);
    return socket;
  }
  const tlsOptions: tls.ConnectionOptions = tlsOption === true ? { ...rest } : { ...rest, ...tlsOption };
  tlsOptions.socket = socket;
  if (tlsOptions.servername === undefined && typeof rest.host === 'string' && net.isIP(rest.host) === 0) {
    tlsOptions.servername = rest.host;
  }
  return tls.connect(tlsOptions, connectListener);
}

/** Options of {@link headerFromSocket}: fields forced onto the header built. */
export interface HeaderFromSocketOptions {
  /** Defaults to 2. */
  version?: 1 | 2;
  /** `'local'` builds a LOCAL header (health checks, the sender's own connections). Defaults to `'proxy'`. */
  command?: 'proxy' | 'local';
  /** v2 TLVs to add (`{ authority: req.headers.host }`, …). */
  tlvs?: ProxyHeaderInit['tlvs'];
  /**
   * When the inbound connection itself arrived with a PROXY header (a chain of proxies, a load
   * balancer in front), forward the original client's addresses from it instead of the
   * connection's own. Defaults to `true`.
   */
  forwardReceived?: boolean;
}

const HEADER_FROM_SOCKET_KEYS = ['version', 'command', 'tlvs', 'forwardReceived'];

/** The endpoint fields of a socket that {@link headerFromSocket} reads (a `net.Socket` has them all). */
export interface SocketAddresses {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/** The socket under an `http.IncomingMessage` (or an http2 compatibility request), else the value itself. */
function socketOf(value: object): SocketAddresses {
  if ('remoteAddress' in value) return value as SocketAddresses;
  const socket = (value as { socket?: unknown }).socket;
  return typeof socket === 'object' && socket !== null ? (socket as SocketAddresses) : (value as SocketAddresses);
}

/**
 * The connection's own endpoints. A transparent socket reports the received header's addresses;
 * its real peer is kept under {@link peerSymbol}, and `net.Socket`'s own `_getsockname` still asks the
 * handle for the real local address.
 */
function ownAddresses(socket: SocketAddresses): SocketAddresses {
  const peer = (socket as { [peerSymbol]?: { address?: string; port?: number } })[peerSymbol];
  if (typeof peer !== 'object' || peer === null) return socket;
  const own: SocketAddresses = { remoteAddress: peer.address, remotePort: peer.port };
  const getsockname = (net.Socket.prototype as unknown as { _getsockname?: () => { address?: string; port?: number } })._getsockname;
  const local = socket instanceof net.Socket && typeof getsockname === 'function' ? getsockname.call(socket) : undefined;
  own.localAddress = local?.address ?? socket.localAddress;
  own.localPort = local?.port ?? socket.localPort;
  return own;
}

/**
 * The header a proxy sends upstream for a connection it accepted: the client as source, the
 * address the client connected to as destination. Takes the accepted socket, or the inbound
 * `http.IncomingMessage` of a request (its socket is used), so that a reverse proxy builds the
 * outbound header in one call: `proxyHeader: headerFromSocket(req)`.
 *
 * - When the inbound connection arrived with a PROXY header (see {@link getProxyHeader}), its
 *   client and destination are forwarded (unless `forwardReceived: false`): a proxy behind a load
 *   balancer passes on the real client, not the balancer.
 * - Two IPv4 addresses give `ipv4`; otherwise `ipv6`, with any IPv4 address mapped to
 *   `::ffff:a.b.c.d` (as HAProxy does), so IPv4-mapped peers of a dual-stack listener stay IPv6.
 * - A socket without IP addresses (UNIX socket) gives family `unspec` (v1 `PROXY UNKNOWN`): the
 *   receiver then uses its own endpoints.
 * - `command: 'local'` gives a LOCAL header without addresses.
 *
 * @throws {TypeError} for an unknown option or a wrongly typed one.
 */
export function headerFromSocket(
  socket: SocketAddresses | net.Socket | IncomingMessage,
  options: HeaderFromSocketOptions = {},
): ProxyHeaderInit {
  if (typeof socket !== 'object' || socket === null) throw new TypeError('headerFromSocket: expected a socket or an IncomingMessage');
  checkHeaderFromSocketOptions(options);
  const { version, command = 'proxy', tlvs, forwardReceived = true } = options;
  const init: ProxyHeaderInit = {};
  if (version !== undefined) init.version = version;
  if (tlvs !== undefined) init.tlvs = tlvs;
  if (command === 'local') {
    return { ...init, command: 'local', family: 'unspec', transport: 'unspec', source: null, destination: null };
  }
  const received = forwardReceived ? getProxyHeader(socket) : null;
  if (received !== null && received.command === 'proxy' && received.source !== null && received.destination !== null) {
    if (!(version === 1 && (received.family === 'unix' || received.transport === 'dgram'))) {
      return {
        ...init,
        command: 'proxy',
        family: received.family,
        transport: received.transport,
        source: received.source,
        destination: received.destination,
      };
    }
  }
  const { remoteAddress, remotePort, localAddress, localPort } = ownAddresses(socketOf(socket));
  const remoteVersion = typeof remoteAddress === 'string' ? net.isIP(remoteAddress) : 0;
  const localVersion = typeof localAddress === 'string' ? net.isIP(localAddress) : 0;
  if (remoteVersion === 0 || localVersion === 0 || typeof remotePort !== 'number' || typeof localPort !== 'number') {
    return { ...init, command: 'proxy', family: 'unspec', transport: 'unspec', source: null, destination: null };
  }
  const source = remoteAddress as string;
  const destination = localAddress as string;
  if (remoteVersion === 4 && localVersion === 4) {
    return {
      ...init,
      command: 'proxy',
      family: 'ipv4',
      transport: 'stream',
      source: { address: source, port: remotePort },
      destination: { address: destination, port: localPort },
    };
  }
  const map = (address: string, ipVersion: number): string => (ipVersion === 4 ? `::ffff:${address}` : address);
  return {
    ...init,
    command: 'proxy',
    family: 'ipv6',
    transport: 'stream',
    source: { address: map(source, remoteVersion), port: remotePort },
    destination: { address: map(destination, localVersion), port: localPort },
  };
}

function checkHeaderFromSocketOptions(options: unknown): void {
  const { version, command, tlvs, forwardReceived } = checkOptions(
    options as Record<string, unknown>,
    'headerFromSocket',
    HEADER_FROM_SOCKET_KEYS,
  );
  if (version !== undefined && version !== 1 && version !== 2) {
    if (typeof version !== 'number') throw new TypeError('headerFromSocket: version must be 1 or 2');
    throw new RangeError(`headerFromSocket: version must be 1 or 2, not ${version}`);
  }
  if (command !== undefined && command !== 'proxy' && command !== 'local') {
    if (typeof command !== 'string') throw new TypeError(`headerFromSocket: command must be 'proxy' or 'local'`);
    throw new RangeError(`headerFromSocket: command must be 'proxy' or 'local', not ${JSON.stringify(command)}`);
  }
  if (tlvs !== undefined && (typeof tlvs !== 'object' || tlvs === null))
    throw new TypeError('headerFromSocket: tlvs must be an object or an array');
  if (forwardReceived !== undefined && typeof forwardReceived !== 'boolean') {
    throw new TypeError('headerFromSocket: forwardReceived must be a boolean');
  }
}
