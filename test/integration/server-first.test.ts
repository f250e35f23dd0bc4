// Server-first protocols (SMTP, FTP, MySQL): the opt-in assumeNoHeaderAfter serves a silent
// connection as header-less after a delay; without it, a silent connection waits for its header.
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { encode } from '../../src/index.js';
import { type AcceptProxyProtocolOptions, acceptProxyProtocol, getProxyHeader, readProxyHeader } from '../../src/node/index.js';
import { closeServer, delay, listen, rawConnect } from '../support/sockets.js';

const INIT = { source: { address: '198.51.100.23', port: 61000 }, destination: { address: '127.0.0.1', port: 25 } };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server that greets first, SMTP-style, with the client address it sees. */
async function smtp(options: AcceptProxyProtocolOptions): Promise<{ port: number; errors: string[] }> {
  const errors: string[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write(`220 ${socket.remoteAddress} ${getProxyHeader(socket) === null ? 'direct' : 'proxied'}\r\n`);
  });
  server.on('proxyError', (error: { code: string }, socket: net.Socket) => {
    errors.push(error.code);
    socket.destroy();
  });
  const integration = acceptProxyProtocol(server, options);
  const port = await listen(server);
  cleanups.push(() => closeServer(server));
  cleanups.push(() => integration.close());
  return { port, errors };
}

async function banner(port: number, first?: Uint8Array): Promise<string> {
  const socket = await rawConnect(port);
  cleanups.push(() => {
    socket.destroy();
  });
  socket.on('error', () => {});
  if (first !== undefined) socket.write(first);
  const [data] = (await once(socket, 'data')) as [Buffer];
  return data.toString();
}

describe('assumeNoHeaderAfter', () => {
  test('lenient: a silent client gets the banner after the delay; a proxied one right away', async () => {
    const { port } = await smtp({ mode: 'lenient', assumeNoHeaderAfter: 50 });
    expect(await banner(port)).toBe('220 127.0.0.1 direct\r\n');
    expect(await banner(port, encode(INIT))).toBe('220 198.51.100.23 proxied\r\n');
  });

  test('untrusted peers under reject get it as well', async () => {
    const { port } = await smtp({ trusted: ['10.0.0.0/8'], assumeNoHeaderAfter: 50 });
    expect(await banner(port)).toBe('220 127.0.0.1 direct\r\n');
  });

  test('a connection that sent part of a header keeps waiting for the rest (then times out)', async () => {
    const { port, errors } = await smtp({ mode: 'lenient', assumeNoHeaderAfter: 30, headerTimeout: 200 });
    const socket = await rawConnect(port);
    const closed = once(socket, 'close');
    socket.write(encode(INIT).subarray(0, 6));
    await closed;
    expect(errors).toEqual(['ERR_PROXY_HEADER_TIMEOUT']);
  });

  test('off by default: a silent client in lenient mode waits for headerTimeout', async () => {
    const { port, errors } = await smtp({ mode: 'lenient', headerTimeout: 150 });
    const socket = await rawConnect(port);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    await once(socket, 'close');
    expect(received).toEqual([]);
    expect(errors).toEqual(['ERR_PROXY_HEADER_TIMEOUT']);
  });

  test('readProxyHeader (lenient) resolves null after the silence', async () => {
    const accepted = new Promise<net.Socket>((resolve) => {
      const server = net.createServer(resolve);
      cleanups.push(() => closeServer(server));
      listen(server).then(async (port) => {
        const client = await rawConnect(port);
        cleanups.push(() => {
          client.destroy();
        });
      });
    });
    const socket = await accepted;
    cleanups.push(() => {
      socket.destroy();
    });
    expect(await readProxyHeader(socket, { mode: 'lenient', assumeNoHeaderAfter: 30 })).toBeNull();
    await delay(1);
    expect(socket.listenerCount('readable')).toBe(0);
  });
});
