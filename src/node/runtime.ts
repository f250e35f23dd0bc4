/**
 * Where `acceptProxyProtocol` cannot work. It reads the header off the raw socket that a server's
 * `'connection'` event carries. Bun's node:http, https and http2 servers parse HTTP natively and
 * never let those bytes reach the socket handed to `'connection'`: a request with a header then
 * fails, and, worse, a request without one is served although the default is strict. So the
 * integration refuses to install there instead of failing open.
 */
import http from 'node:http';
import https from 'node:https';

/** Names of Bun's http2 server classes (node:http2 exports no constructor to test against). */
const HTTP2_SERVERS = new Set(['Http2Server', 'Http2SecureServer']);

/**
 * @internal Throws a `TypeError` naming the working alternatives when `server` is a node:http,
 * https or http2 server running in Bun; does nothing anywhere else (Node, Deno, or a `net`/`tls`
 * server in Bun).
 */
export function assertRawSocketAccess(server: object): void {
  const bun = (process.versions as Record<string, string | undefined>).bun;
  if (bun === undefined || !isHttpServer(server)) return;
  throw new TypeError(
    `acceptProxyProtocol cannot read PROXY headers on a node:http, https or http2 server in Bun ${bun}: ` +
      'Bun parses HTTP natively and never passes the connection bytes to the server, so requests without a header ' +
      'would be served. Use a net server (net.createServer) with acceptProxyProtocol, Bun.listen with HeaderParser, ' +
      'or ProxyProtocolDecoderStream on a raw connection.',
  );
}

function isHttpServer(server: object): boolean {
  if (server instanceof http.Server || server instanceof https.Server) return true;
  for (let proto = Object.getPrototypeOf(server); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (HTTP2_SERVERS.has((proto as { constructor?: { name?: string } }).constructor?.name ?? '')) return true;
  }
  return false;
}
