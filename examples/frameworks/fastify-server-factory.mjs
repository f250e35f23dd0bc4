import http from 'node:http';
import Fastify from 'fastify';
import { acceptProxyProtocol } from 'proxyproto/node';

const app = Fastify({
  logger: true,
  serverFactory(handler) {
    const server = http.createServer(handler);
    acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
    return server;
  },
});
app.get('/', async (request) => `${request.ip}\n`);
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
