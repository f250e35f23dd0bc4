import http from 'node:http';
import { acceptProxyProtocol } from 'proxyproto/node';
import { WebSocketServer } from 'ws';

const server = http.createServer();
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => ws.send(req.socket.remoteAddress));

acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
server.listen(Number(process.env.PORT ?? 3000));
