import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { acceptProxyProtocol } from 'proxyproto/node';

const app = new Hono();
app.get('/', (c) => c.json(getConnInfo(c).remote)); // { address, port, addressType }

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
