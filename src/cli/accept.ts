/** How `listen` and `relay` read the header: the server's own integration, sockets left as they are. */
import type net from 'node:net';
import { acceptProxyProtocol, type ProxyProtocolIntegration } from '../node/index.js';

/**
 * `acceptProxyProtocol` in `mode`. The commands show both ends, the load balancer (the socket's
 * own peer) and the client (the header's source), so sockets keep their own addresses
 * (`transparent: false`).
 */
export function acceptHeaders(server: net.Server, mode: 'strict' | 'lenient', headerTimeout: number): ProxyProtocolIntegration {
  return acceptProxyProtocol(server, { mode, headerTimeout, transparent: false });
}
