import express from 'express';
import { pinoHttp } from 'pino-http';
import { acceptProxyProtocol } from 'proxyproto/node';

const app = express();
app.use(pinoHttp()); // logs req.remoteAddress, read from the socket
app.get('/', (req, res) => res.send(`${req.ip}\n`));

const server = app.listen(Number(process.env.PORT ?? 3000));
acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
