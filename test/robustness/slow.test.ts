// Slow senders: a valid header that arrives one byte at a time is accepted; a slowloris that
// trickles bytes forever is cut by the header timeout, which bounds the whole header (it is not
// an idle timer that every byte would re-arm).
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { encode, type ProxyHeaderInit } from '../../src/index.js';
import { acceptProxyProtocol, getClientAddress, type ProxyProtocolIntegration, readProxyHeader } from '../../src/node/index.js';
import { installCrashGuard, listenerCounts, resources, withinBaseline } from '../support/process.js';
import { closed, closeServer, collect, delay, listen, pool, rawConnect, waitFor } from '../support/sockets.js';

installCrashGuard();

const V2_FIXED_65535 = Buffer.from('0d0a0d0a000d0a515549540a2111ffff', 'hex');

interface Harness {
  server: net.Server;
  integration: ProxyProtocolIntegration;
  port: number;
  errors: { code: string | undefined; at: number; socket: net.Socket }[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A net server that answers with the client address and the first payload chunk. */
async function harness(headerTimeout: number): Promise<Harness> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (payload: Buffer) => socket.end(JSON.stringify({ ...getClientAddress(socket), payload: payload.toString() })));
  });
  const integration = acceptProxyProtocol(server, { headerTimeout });
  const errors: Harness['errors'] = [];
  server.on('proxyError', (error: { code?: string }, socket: net.Socket) => {
    errors.push({ code: error.code, at: Date.now(), socket });
    socket.destroy();
  });
  const port = await listen(server);
  cleanups.push(() => closeServer(server));
  cleanups.push(() => integration.close());
  return { server, integration, port, errors };
}

/** Writes `bytes` one at a time with `gap` ms between them; stops early if the socket closes. */
async function trickle(socket: net.Socket, bytes: Uint8Array, gap: number): Promise<number> {
  let sent = 0;
  for (const byte of bytes) {
    if (socket.destroyed || socket.writableEnded) break;
    socket.write(Uint8Array.of(byte));
    sent++;
    await delay(gap);
  }
  return sent;
}

describe('slow senders', () => {
  test('40 clients sending a valid v1 or v2 header one byte at a time are all accepted', async () => {
    const { port, integration, errors } = await harness(3000);
    const started = Date.now();
    await pool(40, 40, async (i) => {
      const init: ProxyHeaderInit = {
        version: i % 2 === 0 ? 1 : 2,
        source:
          i % 4 < 2
            ? { address: `203.0.113.${i + 1}`, port: 20_000 + i }
            : { address: `2001:db8::${(i + 1).toString(16)}`, port: 20_000 + i },
        destination: i % 4 < 2 ? { address: '192.0.2.1', port: 443 } : { address: '2001:db8::1', port: 443 },
        ...(i % 2 === 1 ? { tlvs: [{ type: 0x05, value: Buffer.from(`id-${i}`) }] } : {}),
      };
      const socket = await rawConnect(port);
      const reply = collect(socket);
      await trickle(socket, encode(init), 5);
      socket.write(`ping ${i}`);
      const body = JSON.parse((await reply).toString());
      expect(body).toMatchObject({ ...init.source, proxied: true, payload: `ping ${i}` });
    });
    expect(errors).toEqual([]);
    expect(integration.stats).toMatchObject({ connections: 40, v1: 20, v2: 20, pending: 0, timedOut: 0 });
    console.log(`[slow] 40 byte-by-byte headers (5 ms per byte) accepted in ${Date.now() - started} ms`);
  });

  test('slowloris: bytes trickled every 40 ms forever are cut by a 400 ms header timeout, however many arrive', async () => {
    const { port, integration, errors } = await harness(400);
    const lorises = 20;
    const results = await pool(lorises, lorises, async (i) => {
      const socket = await rawConnect(port);
      const connectedAt = Date.now();
      const isClosed = closed(socket);
      // v2: a fixed part announcing 65535 bytes, then zeros; v1: an endless run of digits.
      const endless = i % 2 === 0 ? Buffer.concat([V2_FIXED_65535, Buffer.alloc(65535)]) : Buffer.from(`PROXY TCP4 ${'1'.repeat(200)}`);
      const sent = await trickle(socket, endless, 40);
      await isClosed;
      return { sent, lifetime: Date.now() - connectedAt, connectedAt };
    });
    // Meanwhile-served check: a valid client right after.
    const socket = await rawConnect(port);
    const reply = collect(socket);
    socket.write(
      Buffer.concat([
        encode({ source: { address: '192.0.2.77', port: 7 }, destination: { address: '192.0.2.1', port: 80 } }),
        Buffer.from('hi'),
      ]),
    );
    expect(JSON.parse((await reply).toString())).toMatchObject({ address: '192.0.2.77', port: 7 });

    expect(errors.map((e) => e.code)).toEqual(Array(lorises).fill('ERR_PROXY_HEADER_TIMEOUT'));
    expect(integration.stats).toMatchObject({ timedOut: lorises, pending: 0 });
    const lifetimes = results.map((r) => r.lifetime).sort((a, b) => a - b);
    const sent = results.map((r) => r.sent).sort((a, b) => a - b);
    // Total, not per byte: a byte every 40 ms would keep an idle timer of 400 ms alive forever.
    expect(lifetimes[0]).toBeGreaterThanOrEqual(400 - 20);
    // (Upper bounds with room for a loaded machine: an idle timer would never fire at all.)
    expect(lifetimes[lifetimes.length - 1]).toBeLessThan(400 + 1600);
    expect(sent[sent.length - 1]).toBeLessThan(60);
    console.log(
      `[slow] ${lorises} slowloris connections cut after ${lifetimes[0]}..${lifetimes[lifetimes.length - 1]} ms having sent ${sent[0]}..${sent[sent.length - 1]} bytes`,
    );
  });

  test('readProxyHeader: the timeout bounds the whole header too', async () => {
    const server = net.createServer();
    const port = await listen(server);
    cleanups.push(() => closeServer(server));
    const accepted = once(server, 'connection');
    const client = await rawConnect(port);
    cleanups.push(() => void client.destroy());
    const [socket] = (await accepted) as [net.Socket];
    cleanups.push(() => void socket.destroy());
    const listenersBefore = listenerCounts(socket);
    const t0 = Date.now();
    const reading = readProxyHeader(socket, { headerTimeout: 300 }).then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    );
    const trickling = trickle(client, Buffer.concat([V2_FIXED_65535, Buffer.alloc(100)]), 25);
    expect(await reading).toBe('ERR_PROXY_HEADER_TIMEOUT');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(300 - 20);
    expect(took).toBeLessThan(300 + 1200);
    client.destroy();
    await trickling;
    expect(listenerCounts(socket)).toEqual(listenersBefore);
  });

  test('after the slow tests, no socket, server or timer is left', async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await waitFor(
      () => withinBaseline({ TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 1 }),
      () => `no resources left, now ${JSON.stringify(resources())}`,
    );
  });
});
