// Bun (or Node, or Deno): a `net` server with `acceptProxyProtocol` from proxyproto/node. Bun's
// `net` sockets carry the raw bytes, so this works as in Node. Bun's node:http, https and http2
// do not (Bun parses HTTP natively): acceptProxyProtocol refuses them under Bun.
//
//   npm run build && bun examples/runtimes/bun-net.mjs [port]
import net from 'node:net';
import { acceptProxyProtocol, getClientAddress } from '../../dist/node.js';

const server = net.createServer((socket) => {
  const client = getClientAddress(socket);
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk) => {
    text += chunk;
    if (text.includes('\n')) socket.end(`client ${client?.address}:${client?.port} said ${text.split('\n')[0]}\n`);
  });
});
acceptProxyProtocol(server, { headerTimeout: 3000 });
server.listen(Number(process.argv[2] ?? 8080), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
