/** How `listen` and `relay` read the header: the server's own integration, sockets left as they are. */
import type net from 'node:net';
import { type AcceptProxyProtocolOptions, acceptProxyProtocol, type ProxyProtocolIntegration } from '../node/index.js';

/**
 * `acceptProxyProtocol` in `mode`. The commands show both ends, the load balancer (the socket's
 * own peer) and the client (the header's source), so sockets keep their own addresses
 * (`transparent: false`; integrations that predate the option ignore it).
 */
export function acceptHeaders(server: net.Server, mode: 'strict' | 'lenient', headerTimeout: number): ProxyProtocolIntegration {
  const options: Record<string, unknown> = { mode, headerTimeout, transparent: false };
  return acceptProxyProtocol(server, options as AcceptProxyProtocolOptions);
}
