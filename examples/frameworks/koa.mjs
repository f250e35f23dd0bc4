import Koa from 'koa';
import { acceptProxyProtocol } from 'proxyproto/node';

const app = new Koa(); // leave app.proxy false
app.use((ctx) => {
  ctx.body = `${ctx.ip}\n`;
});

const server = app.listen(Number(process.env.PORT ?? 3000));
acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
