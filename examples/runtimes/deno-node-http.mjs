// Deno: `node:http` with `acceptProxyProtocol` from proxyproto/node. Deno's node:http hands the
// raw socket to the 'connection' event as Node does, so the header is read before HTTP parsing.
// (Deno.serve cannot: it exposes requests, never the bytes of a connection.)
//
//   npm run build && deno run --allow-net=127.0.0.1 examples/runtimes/deno-node-http.mjs [port]
import http from 'node:http';
import { acceptProxyProtocol, getClientAddress } from '../../dist/node.js';

const server = http.createServer((req, res) => {
  const client = getClientAddress(req.socket);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(client));
});
acceptProxyProtocol(server, { headerTimeout: 3000 });
server.listen(Number(Deno.args[0] ?? 8080), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
