// End-to-end demo of proxyproto/node: an http server behind acceptProxyProtocol, and clients that
// reach it through connect() with v1 and v2 headers. Run `npm run build` first, then
// `node examples/node-server.mjs`.
import http from 'node:http';
import { acceptProxyProtocol, connect, getClientAddress } from '../dist/node.js';

const server = http.createServer((req, res) => {
  const client = getClientAddress(req.socket);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(client));
});
const proxy = acceptProxyProtocol(server, { headerTimeout: 3000 });
server.on('proxyError', (error, socket) => {
  console.log(`dropped a connection: ${error.code}`);
  socket.destroy();
});

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

function get(header) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/', createConnection: (options) => connect({ ...options, header }) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(JSON.parse(body)));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

console.log('-- proxyproto/node: an http server behind acceptProxyProtocol, clients sending headers with connect()');
const v1 = await get({ version: 1, source: { address: '203.0.113.7', port: 50123 }, destination: { address: '127.0.0.1', port } });
console.log('v1 header, server saw client', v1);
const v2 = await get({ version: 2, source: { address: '2001:db8::42', port: 40000 }, destination: { address: '2001:db8::1', port: 443 } });
console.log('v2 header, server saw client', v2);
const local = await get({ command: 'local' });
console.log('v2 LOCAL (health check), server saw client', local);

console.log('stats', proxy.stats);
proxy.close();
server.close();
