// Deno: a TCP server behind a proxy that sends a PROXY header (HAProxy `send-proxy-v2`, an AWS
// NLB, ...), with `Deno.listen` and the core's Web Streams decoder. Each connection sends one
// line; the reply names the client the header announced, and the server closes.
//
//   npm run build && deno run --allow-net=127.0.0.1 examples/runtimes/deno-listen.mjs [port]
import { ProxyProtocolDecoderStream } from '../../dist/index.js';

const listener = Deno.listen({ hostname: '127.0.0.1', port: Number(Deno.args[0] ?? 8080) });
console.log(`listening ${listener.addr.port}`);
for await (const conn of listener) {
  // One connection's failure (a client that half-closed, so that writing the reply fails with
  // BadResource, or reset) must not end the server: an unhandled rejection would stop Deno.
  serve(conn).catch((error) => {
    console.error(`connection failed: ${error.name ?? error}`);
    close(conn);
  });
}

async function serve(conn) {
  const decoder = new ProxyProtocolDecoderStream({ headerTimeout: 3000 });
  const body = conn.readable.pipeThrough(decoder);
  let header;
  try {
    header = await decoder.header;
  } catch (error) {
    // Missing, malformed or late header: drop the connection (the application never sees it).
    console.error(`dropped a connection: ${error.code ?? error}`);
    close(conn);
    return;
  }
  // A LOCAL header (a health check) carries no addresses: the peer is the proxy itself.
  const client = header.source ?? conn.remoteAddr;
  const line = await firstLine(body);
  const writer = conn.writable.getWriter();
  await writer.write(new TextEncoder().encode(`client ${client.address ?? client.hostname}:${client.port} said ${line}\n`));
  close(conn);
}

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
  // Not cancelled here: cancelling the body cancels conn.readable, which in Deno closes the
  // whole connection, before the reply is written.
  reader.releaseLock();
  return text.split('\n')[0];
}

function close(conn) {
  try {
    conn.close();
  } catch {
    // already closed by the failed pipe
  }
}
