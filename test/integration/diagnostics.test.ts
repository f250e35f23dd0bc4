// node:diagnostics_channel: each used header on 'proxyproto:header', each failure on 'proxyproto:error'.
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { encode } from '../../src/index.js';
import { acceptProxyProtocol, type ProxyErrorMessage, type ProxyHeaderMessage, readProxyHeader } from '../../src/node/index.js';
import { closeServer, collect, listen, rawConnect } from '../support/sockets.js';

const INIT = { source: { address: '198.51.100.23', port: 61000 }, destination: { address: '127.0.0.1', port: 443 } };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function subscribe<T>(name: string): T[] {
  const messages: T[] = [];
  const onMessage = (message: unknown) => messages.push(message as T);
  diagnostics.subscribe(name, onMessage);
  cleanups.push(() => {
    diagnostics.unsubscribe(name, onMessage);
  });
  return messages;
}

async function send(port: number, bytes: Uint8Array | string): Promise<void> {
  const socket = await rawConnect(port);
  const closed = collect(socket);
  socket.end(bytes);
  await closed;
}

describe('diagnostics channels', () => {
  test('acceptProxyProtocol publishes used headers and failures, not ignored headers', async () => {
    const headers = subscribe<ProxyHeaderMessage>('proxyproto:header');
    const errors = subscribe<ProxyErrorMessage>('proxyproto:error');
    const server = net.createServer((socket) => socket.end('ok'));
    const integration = acceptProxyProtocol(server, { policy: (address) => (address === '127.0.0.1' ? 'require' : 'ignore') });
    const port = await listen(server);
    cleanups.push(() => closeServer(server));
    cleanups.push(() => integration.close());

    await send(port, encode(INIT));
    expect(headers).toHaveLength(1);
    expect(headers[0]?.header.source).toEqual(INIT.source);
    expect(headers[0]?.server).toBe(server);
    expect(headers[0]?.socket).toBeInstanceOf(net.Socket);

    await send(port, 'GET / HTTP/1.1\r\n\r\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({ code: 'ERR_PROXY_HEADER_MISSING' });
    expect(errors[0]?.server).toBe(server);
    expect(headers).toHaveLength(1);
  });

  test('readProxyHeader publishes too, without a server', async () => {
    const headers = subscribe<ProxyHeaderMessage>('proxyproto:header');
    const errors = subscribe<ProxyErrorMessage>('proxyproto:error');
    const good = new PassThrough();
    good.end(encode(INIT));
    await readProxyHeader(good);
    const bad = new PassThrough();
    bad.end('nope');
    await expect(readProxyHeader(bad)).rejects.toMatchObject({ code: 'ERR_PROXY_HEADER_MISSING' });
    expect(headers.map((m) => [m.socket, m.server])).toEqual([[good, undefined]]);
    expect(errors.map((m) => [m.socket, (m.error as { code?: string }).code])).toEqual([[bad, 'ERR_PROXY_HEADER_MISSING']]);
  });

  test('nothing is published, and nothing breaks, without subscribers', async () => {
    expect(diagnostics.channel('proxyproto:header').hasSubscribers).toBe(false);
    const stream = new PassThrough();
    stream.end(encode(INIT));
    expect((await readProxyHeader(stream))?.source).toEqual(INIT.source);
  });
});
