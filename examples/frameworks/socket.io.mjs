import http from 'node:http';
import { acceptProxyProtocol } from 'proxyproto/node';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server);
io.on('connection', (socket) => socket.emit('address', socket.handshake.address));

acceptProxyProtocol(server, { trusted: ['127.0.0.1'] }); // your load balancers
server.listen(Number(process.env.PORT ?? 3000));
