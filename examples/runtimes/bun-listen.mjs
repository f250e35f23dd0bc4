// Bun: a TCP server behind a proxy that sends a PROXY header, with `Bun.listen` and the core's
// incremental HeaderParser. Each connection sends one line; the reply names the client the header
// announced, and the server closes.
//
//   npm run build && bun examples/runtimes/bun-listen.mjs [port]
import { HeaderParser } from '../../dist/index.js';

const HEADER_TIMEOUT = 3000;

const server = Bun.listen({
  hostname: '127.0.0.1',
  port: Number(process.argv[2] ?? 8080),
  socket: {
    open(socket) {
      socket.data = { parser: new HeaderParser(), header: undefined, body: [], timer: setTimeout(() => socket.end(), HEADER_TIMEOUT) };
    },
    data(socket, chunk) {
      const state = socket.data;
      if (state.header !== undefined) {
        // Bun may reuse `chunk` once this handler returns: keep a copy.
        received(socket, chunk.slice());
        return;
      }
      let step;
      try {
        step = state.parser.push(chunk);
      } catch (error) {
        drop(socket, error.code);
        return;
      }
      if (step.status === 'incomplete') return;
      if (step.status === 'none') {
        drop(socket, 'ERR_PROXY_HEADER_MISSING');
        return;
      }
      clearTimeout(state.timer);
      state.header = step.header;
      if (step.rest.length > 0) received(socket, step.rest.slice());
    },
    end(socket) {
      if (socket.data.header === undefined) drop(socket, 'ERR_PROXY_HEADER_INCOMPLETE');
      else socket.end();
    },
  },
});
console.log(`listening ${server.port}`);

/** The application: collects bytes up to a newline, then replies with the client's address. */
function received(socket, bytes) {
  const { header, body } = socket.data;
  body.push(bytes);
  const text = Buffer.concat(body).toString();
  if (!text.includes('\n')) return;
  // A LOCAL header (a health check) carries no addresses: the peer is the proxy itself.
  const client = header.source ?? { address: socket.remoteAddress, port: 0 };
  socket.end(`client ${client.address}:${client.port} said ${text.split('\n')[0]}\n`);
}

function drop(socket, code) {
  clearTimeout(socket.data.timer);
  socket.data.header = null;
  console.error(`dropped a connection: ${code}`);
  socket.end();
}
