import express from 'express';
import rateLimit from 'express-rate-limit';
import morgan from 'morgan';
import { acceptProxyProtocol } from 'proxyproto/node';

const app = express();
// Do not set 'trust proxy': the socket already is the client.
app.use(morgan('combined'));
app.use(rateLimit({ windowMs: 60_000, limit: 2 })); // per client, as req.ip reports it
app.get('/', (req, res) => res.send(`${req.ip}\n`));

const server = app.listen(Number(process.env.PORT ?? 3000));
acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
