/**
 * Transparent sockets: once a PROXY header is used, the socket reports the header's source as its
 * `remoteAddress` / `remotePort` / `remoteFamily` and the header's destination as its
 * `localAddress` / `localPort` / `localFamily` / `address()`, so that every library reading the
 * socket (frameworks' `req.ip`, rate limiters, loggers) sees the client.
 *
 * `net.Socket`'s public getters read two internal methods, `_getpeername()` (which returns the
 * cached `_peername` once set, even after the handle is gone) and `_getsockname()` (which forgets
 * its cache when the handle closes). Setting `_peername` and an own `_getsockname` on the one
 * socket is the cheapest way to change what the getters return: two property writes, no
 * per-connection closure, no wrapper object, and it holds after `'close'`. A `TLSSocket` is another
 * object over the same connection (its getters ask the native TLS handle, not the raw socket), so
 * TLS servers apply the same names to it when it surfaces (`'secureConnection'`,
 * `'tlsClientError'`). http2's `session.socket` is a Proxy that reads the getters of the socket
 * under it (raw for h2c, the TLSSocket for h2), so it needs nothing of its own.
 *
 * The load balancer's own address is kept under {@link peerSymbol} (see `getPeerAddress`).
 */
import type { AddressInfo, Socket } from 'node:net';
import type { ProxyHeader } from '../index.js';

/** Where the socket's real peer (the load balancer) is kept once the socket is transparent. */
export const peerSymbol: unique symbol = Symbol.for('proxyproto.peer') as never;
/** The header's destination, returned by the socket's own `_getsockname`. */
const localSymbol: unique symbol = Symbol.for('proxyproto.local') as never;

interface Names {
  _peername?: AddressInfo | null;
  _getpeername?: () => Partial<AddressInfo>;
  _getsockname?: () => Partial<AddressInfo>;
  [peerSymbol]?: Partial<AddressInfo>;
  [localSymbol]?: AddressInfo;
}

/** Shared by every transparent socket: one function, no closure per connection. */
function headerDestination(this: Names): AddressInfo {
  return this[localSymbol] as AddressInfo;
}

/**
 * Makes `socket` report the header's addresses. Only a PROXY command with IPv4 or IPv6 addresses
 * changes anything: LOCAL, UNSPEC (v1 `UNKNOWN`) and UNIX headers leave the socket's own values.
 */
export function makeTransparent(socket: Socket, header: ProxyHeader): void {
  if (header.command !== 'proxy') return;
  const { source, destination } = header;
  if (source === null || destination === null || !('address' in source) || !('address' in destination)) return;
  const target = socket as unknown as Names;
  if (typeof target._getpeername !== 'function') return;
  const family = header.family === 'ipv4' ? 'IPv4' : 'IPv6';
  // The real peer: already cached when a trust policy looked at it; else one getpeername now,
  // while the handle is open, so that it stays readable after 'close'.
  target[peerSymbol] = target._peername ?? target._getpeername();
  apply(target, { address: source.address, port: source.port, family }, { address: destination.address, port: destination.port, family });
}

/**
 * Gives a `TLSSocket` over a transparent raw socket the same names. Called for every TLS socket a
 * TLS server surfaces; anything else (no `_parent`, an opaque parent) is left alone.
 */
export function adoptTransparent(tlsSocket: unknown): void {
  const parent = (tlsSocket as { _parent?: Names | null } | null)?._parent;
  const local = parent?.[localSymbol];
  if (local === undefined || parent === undefined || parent === null) return;
  const target = tlsSocket as Names;
  if (target[localSymbol] !== undefined) return;
  apply(target, parent._peername as AddressInfo, local);
}

function apply(target: Names, remote: AddressInfo, local: AddressInfo): void {
  target._peername = remote;
  target[localSymbol] = local;
  target._getsockname = headerDestination;
}
