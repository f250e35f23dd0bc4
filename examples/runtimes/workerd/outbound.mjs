// workerd: a fetch() handler that forwards each request's client address to a TCP backend in a
// PROXY header, over an outbound `connect()` (cloudflare:sockets), with the core's Web Streams
// encoder. The backend (UPSTREAM, "host:port") reads the header as from any proxy.
import { connect } from 'cloudflare:sockets';
import { ProxyProtocolEncoderStream } from '../../../dist/index.js';

export default {
  async fetch(request, env) {
    const [hostname, port] = env.UPSTREAM.split(':');
    // On Cloudflare, the client's address; locally, whatever the caller put there.
    const client = request.headers.get('cf-connecting-ip') ?? '127.0.0.1';
    const v6 = client.includes(':');
    const socket = connect({ hostname, port: Number(port) });
    // The destination is this service's own address, which a worker does not know: the wildcard.
    const header = { source: { address: client, port: 0 }, destination: { address: v6 ? '::' : '0.0.0.0', port: Number(port) } };
    const encoder = new ProxyProtocolEncoderStream(header);
    encoder.readable.pipeTo(socket.writable).catch(() => {});
    const writer = encoder.writable.getWriter();
    await writer.write(new TextEncoder().encode(`${new URL(request.url).pathname.slice(1) || 'ping'}\n`));
    writer.releaseLock();
    // The backend's reply, streamed back as the response body.
    return new Response(socket.readable);
  },
};
