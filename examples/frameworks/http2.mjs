import http2 from 'node:http2';
import { acceptProxyProtocol } from 'proxyproto/node';

const server = http2.createServer();
server.on('stream', (stream) => {
  stream.respond({ ':status': 200 });
  stream.end(`${stream.session.socket.remoteAddress}\n`);
});

acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
server.listen(Number(process.env.PORT ?? 3000));
