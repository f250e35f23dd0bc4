// workerd: a TCP service behind a proxy that sends a PROXY header. The `tcp` socket of
// config.capnp hands each connection to `connect(socket)`; the core's Web Streams decoder strips
// the header. Each connection sends one line; the reply names the client the header announced.
// (workerd's HTTP sockets cannot take a PROXY header: a fetch() handler never sees the bytes.)
import { ProxyProtocolDecoderStream } from '../../../dist/index.js';

export default {
  async connect(socket) {
    const decoder = new ProxyProtocolDecoderStream({ headerTimeout: 3000 });
    const body = socket.readable.pipeThrough(decoder);
    let header;
    try {
      header = await decoder.header;
    } catch (error) {
      // Missing, malformed or late header: drop the connection.
      console.error(`dropped a connection: ${error.code ?? error}`);
      await socket.close();
      return;
    }
    const client = header.source ?? { address: 'the proxy', port: 0 };
    const line = await firstLine(body);
    const writer = socket.writable.getWriter();
    await writer.write(new TextEncoder().encode(`client ${client.address ?? client.path}:${client.port ?? 0} said ${line}\n`));
    await writer.close();
  },
};

/** The bytes up to the first newline (the body is the stream after the header, byte for byte). */
async function firstLine(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('\n')) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text.split('\n')[0];
}
