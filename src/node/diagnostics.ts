/**
 * `node:diagnostics_channel` channels, where APM agents and loggers subscribe without touching
 * the server. Publishing is guarded by `hasSubscribers`, so without a subscriber it costs one
 * property read per connection and builds no message.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyHeader } from '../index.js';

/** Message of `proxyproto:header`: a header that is used (not ignored) on a connection. */
export interface ProxyHeaderMessage {
  header: ProxyHeader;
  socket: Socket | Duplex;
  /** The server the connection came to (`acceptProxyProtocol`); absent for `readProxyHeader`. */
  server?: unknown;
}

/** Message of `proxyproto:error`: a connection dropped, or a read rejected, before its payload. */
export interface ProxyErrorMessage {
  error: Error;
  socket: Socket | Duplex;
  server?: unknown;
}

export const headerChannel: diagnostics.Channel = diagnostics.channel('proxyproto:header');
export const errorChannel: diagnostics.Channel = diagnostics.channel('proxyproto:error');
