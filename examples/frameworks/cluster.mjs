import cluster from 'node:cluster';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { acceptProxyProtocol } from 'proxyproto/node';

if (cluster.isPrimary) {
  // The primary only hands connections out; it never reads them.
  for (let i = 0; i < availableParallelism(); i++) cluster.fork();
} else {
  const server = http.createServer((req, res) => res.end(`${req.socket.remoteAddress}\n`));
  acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // in every worker
  server.listen(Number(process.env.PORT ?? 3000));
}
