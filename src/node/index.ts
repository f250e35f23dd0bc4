/**
 * `proxyproto/node`: the PROXY protocol on Node sockets, servers and streams.
 *
 * @packageDocumentation
 */

export type { HeaderFromSocketOptions, ProxyConnectExtras, ProxyConnectOptions, SocketAddresses } from './client.js';
export { connect, createConnection, headerFromSocket } from './client.js';
export type { ProxyErrorMessage, ProxyHeaderMessage } from './diagnostics.js';
export type { ProxyMode, ReadProxyHeaderOptions } from './options.js';
export { DEFAULT_HEADER_TIMEOUT } from './options.js';
export type { ProxyPolicy, ProxyPolicyFunction, TrustedPeers } from './policy.js';
export { trustedList, unmapIPv4 } from './policy.js';
export type { AcceptProxyProtocolOptions, ProxyProtocolIntegration, ProxyProtocolStats } from './server.js';
export { acceptProxyProtocol } from './server.js';
export type { ClientAddress } from './socket.js';
export { getClientAddress, getPeerAddress, getProxyHeader, proxyHeaderSymbol, readProxyHeader } from './socket.js';
export type { ProxyProtocolDecoderOptions, ProxyProtocolEncoderOptions } from './stream.js';
export { ProxyProtocolDecoder, ProxyProtocolEncoder } from './stream.js';
