// Oversized headers and garbage are rejected with the right codes, early, without buffering what
// a length field announces (CVE-2021-23351 class: unbounded reads); the server is unaffected; a
// huge payload after a valid header is passed through intact.
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decode, encode } from '../../src/index.js';
import { acceptProxyProtocol, getClientAddress, type ProxyProtocolIntegration } from '../../src/node/index.js';
import { prng, randomBytes, sha256 } from '../support/bytes.js';
import { installCrashGuard, MiB, settledMemory } from '../support/process.js';
import { closed, closeServer, collect, listen, pool, rawConnect, waitFor } from '../support/sockets.js';

installCrashGuard();

const V2_SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const v2Fixed = (declared: number) => Buffer.concat([V2_SIG, Buffer.from([0x21, 0x11, declared >>> 8, declared & 0xff])]);

/** A net server that hashes every byte after the header and answers with the hash and the client address. */
async function hashingServer(options: Parameters<typeof acceptProxyProtocol>[1]) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
    });
    socket.on('end', () => socket.end(JSON.stringify({ ...getClientAddress(socket), bytes, hash: sha256(...chunks) })));
  });
  const integration = acceptProxyProtocol(server, options);
  const errors: { code: string | undefined; offset: number | undefined; remotePort: number | undefined; at: number }[] = [];
  server.on('proxyError', (error: { code?: string; offset?: number }, socket: net.Socket) => {
    errors.push({ code: error.code, offset: error.offset, remotePort: socket.remotePort, at: Date.now() });
    socket.destroy();
  });
  const port = await listen(server);
  return { server, integration, port, errors };
}

let h: Awaited<ReturnType<typeof hashingServer>>;
let integration: ProxyProtocolIntegration;
beforeAll(async () => {
  h = await hashingServer({ maxHeaderLength: 4096, headerTimeout: 5000 });
  integration = h.integration;
});
afterAll(async () => {
  integration.close();
  await closeServer(h.server);
});

/** A valid request: header, payload, end; resolves with the server's answer. */
async function validRequest(
  source = { address: '192.0.2.10', port: 1000 },
  payload = Buffer.from('hello'),
): Promise<{ address: string; port: number; bytes: number; hash: string }> {
  const socket = await rawConnect(h.port);
  const reply = collect(socket);
  socket.end(Buffer.concat([encode({ source, destination: { address: '192.0.2.1', port: 80 } }), payload]));
  return JSON.parse((await reply).toString());
}

describe('oversized headers', () => {
  test('a v2 fixed part announcing 65535 bytes over a 4096-byte limit is rejected from its 16 bytes, before any body', async () => {
    const before = h.errors.length;
    const socket = await rawConnect(h.port);
    const isClosed = closed(socket);
    const t0 = Date.now();
    socket.write(v2Fixed(0xffff)); // and nothing more: the connection stays open on our side
    await isClosed;
    expect(Date.now() - t0).toBeLessThan(1000); // not the 5 s header timeout
    expect(h.errors.slice(before)).toMatchObject([{ code: 'ERR_PROXY_HEADER_TOO_LONG', offset: 14 }]);
    expect((await validRequest()).address).toBe('192.0.2.10');
  });

  test('a v1 line without CRLF is rejected at 107 bytes, without waiting for more', async () => {
    const before = h.errors.length;
    for (const line of [
      `PROXY TCP4 ${'1'.repeat(96)}`,
      `PROXY TCP4 1.2.3.4 5.6.7.8 1 ${'2'.repeat(200)}`,
      `PROXY UNKNOWN ${'x'.repeat(100)}`,
    ]) {
      const socket = await rawConnect(h.port);
      const isClosed = closed(socket);
      socket.write(line);
      await isClosed;
    }
    expect(h.errors.slice(before).map((e) => e.code)).toEqual([
      'ERR_PROXY_V1_LINE_TOO_LONG',
      'ERR_PROXY_V1_LINE_TOO_LONG',
      'ERR_PROXY_V1_LINE_TOO_LONG',
    ]);
    expect((await validRequest()).address).toBe('192.0.2.10');
  });

  test('with the default limit, 200 pending headers announcing 65535 bytes hold only the bytes that arrived', async () => {
    const big = await hashingServer({ headerTimeout: 10_000 });
    try {
      const before = await settledMemory();
      const sockets = await pool(200, 50, async () => {
        const socket = await rawConnect(big.port);
        socket.write(Buffer.concat([v2Fixed(0xffff), Buffer.alloc(100)]));
        return socket;
      });
      await waitFor(() => big.integration.stats.pending === 200, 'all 200 headers pending');
      // Let every socket's bytes be read.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const during = await settledMemory();
      const grown = during.arrayBuffers - before.arrayBuffers;
      // 200 × 64 KiB = 12.5 MiB if declared lengths were allocated up front.
      expect(grown).toBeLessThan(2 * MiB);
      console.log(
        `[limits] 200 pending v2 headers announcing 65535 bytes: ArrayBuffer memory +${(grown / 1024).toFixed(0)} KiB, heapUsed +${((during.heapUsed - before.heapUsed) / 1024).toFixed(0)} KiB`,
      );
      for (const s of sockets) s.destroy();
      await waitFor(() => big.integration.stats.pending === 0, 'pending back to 0');
      expect(big.integration.stats).toMatchObject({ connections: 200, errors: 200, timedOut: 0 });
    } finally {
      big.integration.close();
      await closeServer(big.server);
    }
  });
});

describe('garbage', () => {
  test('300 connections of seeded random bytes: each rejected with the code decode gives, the server unaffected', async () => {
    const next = prng(0x5eed);
    const prefixes = [
      Buffer.alloc(0),
      Buffer.from('PROXY '),
      Buffer.from('PROXY TCP4 '),
      V2_SIG,
      Buffer.concat([V2_SIG, Buffer.from([0x21])]),
    ];
    const inputs = Array.from({ length: 300 }, () => {
      const prefix = prefixes[Math.floor(next() * prefixes.length)] as Buffer;
      return Buffer.concat([prefix, randomBytes(next, 1 + Math.floor(next() * 300))]);
    });
    const expected = inputs.map((bytes) => {
      try {
        const r = decode(bytes, { maxHeaderLength: 4096 });
        if (r.status === 'complete') return 'served';
        return r.status === 'none' ? 'ERR_PROXY_HEADER_MISSING' : 'ERR_PROXY_HEADER_INCOMPLETE'; // incomplete: the client ends
      } catch (error) {
        return (error as { code: string }).code;
      }
    });
    const errorsBefore = h.errors.length;
    const outcomes = await pool(inputs.length, 50, async (i) => {
      const socket = await rawConnect(h.port);
      const localPort = socket.localPort;
      const reply = collect(socket);
      socket.end(inputs[i] as Buffer);
      const answer = await reply;
      return { localPort, answer };
    });
    await waitFor(() => integration.stats.pending === 0, 'no pending header');
    const byPort = new Map(h.errors.slice(errorsBefore).map((e) => [e.remotePort, e.code]));
    const got = outcomes.map((o) => byPort.get(o.localPort) ?? (o.answer.length > 0 ? 'served' : 'closed without error'));
    expect(got).toEqual(expected);
    const tally: Record<string, number> = {};
    for (const code of got) tally[code] = (tally[code] ?? 0) + 1;
    expect(Object.keys(tally).length).toBeGreaterThan(4);
    console.log(`[limits] 300 garbage connections: ${JSON.stringify(tally)}`);
    expect((await validRequest({ address: '192.0.2.99', port: 9 })).address).toBe('192.0.2.99');
  });
});

describe('huge payload after a valid header', () => {
  for (const version of [1, 2] as const) {
    test(`v${version}: 32 MiB after the header arrive intact (checksum), header and first chunk in one write`, async () => {
      const block = cryptoRandomBytes(MiB);
      const header = encode({ version, source: { address: '198.51.100.7', port: 4242 }, destination: { address: '192.0.2.1', port: 80 } });
      const socket = await rawConnect(h.port);
      const reply = collect(socket);
      const chunks: Buffer[] = [];
      for (let i = 0; i < 32; i++) {
        const chunk = Buffer.from(block);
        chunk.writeUInt32BE(i, 0); // no two blocks alike
        chunks.push(chunk);
      }
      const t0 = Date.now();
      for (let i = 0; i < chunks.length; i++) {
        const data = i === 0 ? Buffer.concat([header, chunks[0] as Buffer]) : (chunks[i] as Buffer);
        if (!socket.write(data)) await once(socket, 'drain');
      }
      socket.end();
      const answer = JSON.parse((await reply).toString());
      expect(answer).toMatchObject({ address: '198.51.100.7', port: 4242, bytes: 32 * MiB, hash: sha256(...chunks) });
      console.log(`[limits] v${version}: 32 MiB through the server after the header in ${Date.now() - t0} ms, checksum equal`);
    });
  }
});
