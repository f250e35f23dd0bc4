// A reverse proxy that speaks the PROXY protocol to its backend: node:http in front, a
// ProxyProtocolAgent behind, and a backend behind acceptProxyProtocol that answers with the client
// it sees. The agent keeps one keep-alive pool per client, so a kept-alive connection never
// carries another client's requests.
//
// The front itself accepts PROXY headers from a load balancer (lenient: direct clients work too),
// and headerFromSocket(req) forwards the load balancer's client. Here a second ProxyProtocolAgent
// plays the load balancer, sending three different clients.
//
// Run `npm run build` first, then `node examples/reverse-proxy.mjs` (or `npm run example:reverse-proxy`).
import http from 'node:http';
import { acceptProxyProtocol, getClientAddress, headerFromSocket, ProxyProtocolAgent } from '../dist/node.js';

// The backend: requires a PROXY header on every connection.
const connections = new WeakMap();
let nextConnection = 1;
const backend = http.createServer((req, res) => {
  if (!connections.has(req.socket)) connections.set(req.socket, nextConnection++);
  const client = getClientAddress(req.socket);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ client: `${client.address}:${client.port}`, proxied: client.proxied, connection: connections.get(req.socket) }));
});
acceptProxyProtocol(backend);
await new Promise((resolve) => backend.listen(0, '127.0.0.1', resolve));
const backendPort = backend.address().port;

// The reverse proxy: one agent for every client, keyed by the header it sends.
const agent = new ProxyProtocolAgent({ maxTotalSockets: 256, maxFreeSockets: 4, timeout: 30_000 });
const front = http.createServer((req, res) => {
  const upstream = http.request(
    {
      host: '127.0.0.1',
      port: backendPort,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
      // The inbound request's client (or, behind a load balancer, the client it announced).
      proxyHeader: req.url === '/healthz' ? { command: 'local' } : headerFromSocket(req),
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    res.statusCode = 502;
    res.end(`bad gateway: ${error.message}`);
  });
  req.pipe(upstream);
});
acceptProxyProtocol(front, { mode: 'lenient' });
await new Promise((resolve) => front.listen(0, '127.0.0.1', resolve));
const frontPort = front.address().port;

// The "load balancer" in front of the proxy, and three of its clients.
const balancer = new ProxyProtocolAgent();
const clients = [
  { source: { address: '203.0.113.7', port: 50123 }, destination: { address: '198.51.100.1', port: 443 } },
  { source: { address: '2001:db8::42', port: 40000 }, destination: { address: '2001:db8::1', port: 443 } },
  { version: 1, source: { address: '192.0.2.99', port: 61000 }, destination: { address: '198.51.100.1', port: 443 } },
];

function get(options) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: frontPort, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
  });
}

console.log('-- reverse proxy: node:http front, ProxyProtocolAgent behind, backend behind acceptProxyProtocol');
for (let round = 1; round <= 2; round++) {
  const seen = await Promise.all(clients.map((header) => get({ path: '/', agent: balancer, proxyHeader: header })));
  for (const [i, s] of seen.entries())
    console.log(`round ${round}: client ${i + 1} -> backend saw ${s.client} on connection ${s.connection}`);
}
const direct = await get({ path: '/', agent: false });
console.log(`a direct client (no load balancer) -> backend saw ${direct.client}`);
const health = await get({ path: '/healthz', agent: false });
console.log(`health check with a LOCAL header -> backend saw its own peer ${health.client} (proxied: ${health.proxied})`);

balancer.destroy();
agent.destroy();
front.closeAllConnections();
backend.closeAllConnections();
front.close();
backend.close();
