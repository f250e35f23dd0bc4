/** Outbound connections that start with a PROXY header, and the header a proxy sends for an accepted socket. */
import net from 'node:net';
import tls from 'node:tls';
import { type EncodeOptions, encode, type ProxyHeaderInit } from '../index.js';
import { getProxyHeader } from './socket.js';
import { toBuffer } from './util.js';

/** Extra options of {@link connect} and {@link createConnection}. */
export interface ProxyConnectExtras {
  /** The header written as the very first bytes of the connection, in one write. */
  header: ProxyHeaderInit;
  /** How to encode it (v2 CRC32C, padding). */
  encodeOptions?: EncodeOptions;
  /**
   * Speak TLS over the connection after the header: `true`, or `tls.connect` options. With
   * `true`, the TLS options found in the connect options themselves (`ca`, `servername`,
   * `rejectUnauthorized`, …, as an https `Agent` passes them) are used.
   */
  tls?: boolean | tls.ConnectionOptions;
}

/** Options of {@link connect}: `net.connect` options plus {@link ProxyConnectExtras}. */
export type ProxyConnectOptions = net.NetConnectOpts & tls.ConnectionOptions & ProxyConnectExtras;

/**
 * Opens a connection (like `net.connect`) whose first bytes are the encoded `header`, written in
 * one write before anything else. With `tls`, returns a `TLSSocket` layered over it after the
 * header (the same as `tls.connect({ socket })` on the socket this returns without `tls`).
 * `connectListener` runs on `'connect'` (`'secureConnect'` with TLS).
 *
 * @throws {ProxyProtocolError} synchronously, before connecting, when the header is invalid.
 */
export function connect(options: ProxyConnectOptions, connectListener?: () => void): net.Socket {
  const { header, encodeOptions, tls: tlsOption, ...rest } = options;
  const bytes = toBuffer(encode(header, encodeOptions));
  const socket = net.connect(rest as net.NetConnectOpts);
  socket.write(bytes);
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

/**
 * Same as {@link connect}, with Node's `createConnection` shape: usable as the `createConnection`
 * option of `http.request`, or assigned to an `http.Agent`:
 *
 * ```js
 * const agent = new http.Agent({ keepAlive: true });
 * agent.createConnection = (opts, cb) => createConnection({ ...opts, header }, cb);
 * ```
 */
export function createConnection(options: ProxyConnectOptions, connectListener?: () => void): net.Socket {
  return connect(options, connectListener);
}

/** Options of {@link headerFromSocket}: fields forced onto the header built. */
export interface HeaderFromSocketOptions {
  /** Defaults to 2. */
  version?: 1 | 2;
  /** `'local'` builds a LOCAL header (health checks, the sender's own connections). Defaults to `'proxy'`. */
  command?: 'proxy' | 'local';
  /** v2 TLVs to add. */
  tlvs?: ProxyHeaderInit['tlvs'];
  /**
   * When the inbound socket itself arrived with a PROXY header (a chain of proxies), forward the
   * original client's addresses from it instead of the socket's own. Defaults to `true`.
   */
  forwardReceived?: boolean;
}

/** The endpoint fields of a socket that {@link headerFromSocket} reads (a `net.Socket` has them all). */
export interface SocketAddresses {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/**
 * The header a proxy sends upstream for a socket it accepted: the client (`remoteAddress`) as
 * source, the address the client connected to (`localAddress`) as destination.
 *
 * - Two IPv4 addresses give `ipv4`; otherwise `ipv6`, with any IPv4 address mapped to
 *   `::ffff:a.b.c.d` (as HAProxy does), so IPv4-mapped peers of a dual-stack listener stay IPv6.
 * - A socket without IP addresses (UNIX socket) gives family `unspec` (v1 `PROXY UNKNOWN`): the
 *   receiver then uses its own endpoints.
 * - `command: 'local'` gives a LOCAL header without addresses.
 */
export function headerFromSocket(socket: SocketAddresses | net.Socket, options: HeaderFromSocketOptions = {}): ProxyHeaderInit {
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
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
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
