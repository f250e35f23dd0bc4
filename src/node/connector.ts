/**
 * A connector for undici (`new Agent({ connect })`, and so `fetch` with a dispatcher): every
 * connection the dispatcher opens starts with one client's PROXY header. Typed structurally, so
 * that the package does not depend on undici.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { EncodeOptions, ProxyHeaderInit } from '../index.js';
import { connectWithHeader, encodeHeader, encodeOptionsOf, rejectRemovedOptions } from './client.js';
import { MAX_TIMER_DELAY } from './util.js';
import { checkOptions, milliseconds } from './validate.js';

/** What undici passes to a connector (its `buildConnector.Options`). */
export interface UndiciConnectorOptions {
  hostname: string;
  host?: string | undefined;
  protocol: string;
  port: string;
  servername?: string | null | undefined;
  localAddress?: string | null | undefined;
  /** A socket to run TLS over (undici's proxy tunnels); the header is written on it first. */
  httpSocket?: net.Socket | undefined;
}

/** undici's connector callback. */
export type UndiciConnectorCallback = (...args: [null, net.Socket | tls.TLSSocket] | [Error, null]) => void;

/** A function usable as undici's `connect` option. */
export type UndiciConnector = (options: UndiciConnectorOptions, callback: UndiciConnectorCallback) => void;

/** Options of {@link proxyProtocolConnector}. */
export interface ProxyProtocolConnectorOptions extends EncodeOptions {
  /** The header written first on every connection: one client (or `{ command: 'local' }`). */
  header: ProxyHeaderInit;
  /** `tls.connect` options for `https:` origins (`ca`, `cert`, `rejectUnauthorized`, …). */
  tls?: tls.ConnectionOptions;
  /**
   * Milliseconds to establish the connection (and TLS); `0` disables. Defaults to 10000, as
   * undici. Values above 2³¹−1 ms are capped there.
   */
  timeout?: number;
}

const CONNECTOR_KEYS = ['header', 'crc32c', 'padTo', 'tls', 'timeout'];

/**
 * A connector for `new undici.Agent({ connect: proxyProtocolConnector({ header }) })`: each
 * connection starts with `header`, then (for `https:` origins) TLS with SNI and certificate
 * checks as undici does them. undici pools connections by origin, so a dispatcher serves one
 * client: keep one `Agent` per client, in a bounded map (see docs/outbound.md).
 *
 * @throws {TypeError} for an unknown option (the message lists the valid ones) or a wrongly typed one.
 * @throws {ProxyProtocolError} when the header does not encode, before any connection.
 */
export function proxyProtocolConnector(options: ProxyProtocolConnectorOptions): UndiciConnector {
  if (typeof options !== 'object' || options === null) throw new TypeError('proxyProtocolConnector: options must be an object');
  rejectRemovedOptions(options, 'proxyProtocolConnector');
  const { header, crc32c, padTo, tls: tlsOptions = {}, timeout: given } = checkOptions(options, 'proxyProtocolConnector', CONNECTOR_KEYS);
  if (typeof tlsOptions !== 'object' || tlsOptions === null) throw new TypeError('proxyProtocolConnector: tls must be tls.connect options');
  const timeout = milliseconds(given, 'proxyProtocolConnector: timeout', 10_000);
  // A longer delay would make Node's timer fire after 1 ms.
  const delay = Math.min(timeout, MAX_TIMER_DELAY);
  const bytes = encodeHeader(header, encodeOptionsOf(crc32c, padTo, 'proxyProtocolConnector'), 'proxyProtocolConnector');

  return (target, callback) => {
    const secure = target.protocol === 'https:';
    const port = Number(target.port) || (secure ? 443 : 80);
    const netOptions: net.NetConnectOpts = { host: target.hostname, port };
    if (typeof target.localAddress === 'string') netOptions.localAddress = target.localAddress;
    let socket: net.Socket;
    if (target.httpSocket !== undefined) {
      target.httpSocket.write(bytes);
      socket = target.httpSocket;
    } else {
      socket = connectWithHeader(bytes, netOptions);
    }
    socket.setNoDelay(true);
    if (secure) {
      const servername = target.servername || tlsOptions.servername || (net.isIP(target.hostname) === 0 ? target.hostname : undefined);
      const raw = socket;
      const options: tls.ConnectionOptions = { ...tlsOptions, socket: raw, host: target.hostname, port, ALPNProtocols: ['http/1.1'] };
      if (servername !== undefined) options.servername = servername;
      socket = tls.connect(options);
      raw.once('error', (error) => socket.destroy(error));
    }
    let pending: UndiciConnectorCallback | null = callback;
    const settle = (error: Error | null): void => {
      if (pending === null) return;
      const done = pending;
      pending = null;
      if (timer !== undefined) clearTimeout(timer);
      if (error === null) {
        // From here on undici listens for errors itself.
        socket.removeListener('error', settle);
        done(null, socket);
      } else {
        // A failed socket is undici's no more: keep a listener, so a late error is not thrown.
        done(error, null);
      }
    };
    const timer =
      timeout > 0
        ? setTimeout(() => {
            const error = Object.assign(new Error(`connect timeout after ${timeout} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
            socket.destroy(error);
            settle(error);
          }, delay)
        : undefined;
    timer?.unref();
    socket.once(secure ? 'secureConnect' : 'connect', () => settle(null));
    socket.on('error', settle);
  };
}
