/**
 * `proxyproto/node`: the PROXY protocol on Node sockets, servers and streams.
 *
 * @packageDocumentation
 */

export type {
  ProxyAgentExtras,
  ProxyHeaderOption,
  ProxyProtocolAgentOptions,
  ProxyProtocolHttpsAgentOptions,
  ProxyRequestOptions,
} from './agent.js';
export { ProxyProtocolAgent, ProxyProtocolHttpsAgent } from './agent.js';
export type { HeaderFromSocketOptions, ProxyConnectExtras, ProxyConnectOptions, SocketAddresses } from './client.js';
export { connect, headerFromSocket } from './client.js';
export type {
  ProxyProtocolConnectorOptions,
  UndiciConnector,
  UndiciConnectorCallback,
  UndiciConnectorOptions,
} from './connector.js';
export { proxyProtocolConnector } from './connector.js';
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
