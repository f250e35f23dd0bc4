import Fastify from 'fastify';
import { acceptProxyProtocol } from 'proxyproto/node';

const app = Fastify({ logger: true }); // do not set trustProxy
app.get('/', async (request) => `${request.ip}\n`);

// app.server exists as soon as Fastify() returns: install before listening.
acceptProxyProtocol(app.server, { trusted: ['127.0.0.1'] }); // your load balancers
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
