import { readFileSync } from 'node:fs';
import https from 'node:https';
import { acceptProxyProtocol } from 'proxyproto/node';

const options = { key: readFileSync('server.key'), cert: readFileSync('server.crt') };
const server = https.createServer(options, (req, res) => res.end(`${req.socket.remoteAddress}\n`));

acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
server.listen(Number(process.env.PORT ?? 3000));
