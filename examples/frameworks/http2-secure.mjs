import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { acceptProxyProtocol } from 'proxyproto/node';

const options = { key: readFileSync('server.key'), cert: readFileSync('server.crt'), allowHTTP1: true };
const server = http2.createSecureServer(options, (req, res) => res.end(`${req.socket.remoteAddress}\n`));

acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
server.listen(Number(process.env.PORT ?? 3000));
