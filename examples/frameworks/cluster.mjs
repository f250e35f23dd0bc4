import cluster from 'node:cluster';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { acceptProxyProtocol } from 'proxyproto/node';

if (cluster.isPrimary) {
  // The primary only hands connections out; it never reads them.
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  const server = http.createServer((req, res) => res.end(`${req.socket.remoteAddress}\n`));
  acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // in every worker
  server.listen(Number(process.env.PORT ?? 3000));
}
