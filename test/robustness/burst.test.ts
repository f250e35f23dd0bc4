// Concurrent bursts of valid v1/v2 connections: every one is served with its own client address;
// memory returns to its baseline after each burst and does not grow across rounds; no socket,
// timer or listener is left behind.
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { canonicalAddress, encode, type ProxyHeaderInit } from '../../src/index.js';
import { acceptProxyProtocol, getClientAddress } from '../../src/node/index.js';
import { installCrashGuard, listenerCounts, MiB, resources, settledMemory, withinBaseline } from '../support/process.js';
import { closeServer, collect, listen, pool, rawConnect, waitFor } from '../support/sockets.js';

installCrashGuard();

const PER_ROUND = 3000;
const CONCURRENCY = 200;
const ROUNDS = 2;
const WARM_UP = 500;

function initFor(round: number, i: number, port: number): ProxyHeaderInit {
  const version = i % 2 === 0 ? 1 : 2;
  if (i % 3 === 0) {
    return {
      version,
      source: { address: `2001:db8:${round.toString(16)}::${i.toString(16)}`, port: 1024 + i },
      destination: { address: '::1', port },
    };
  }
  return { version, source: { address: `10.${round}.${i >> 8}.${i & 255}`, port: 1024 + i }, destination: { address: '127.0.0.1', port } };
}

describe('bursts of valid connections', () => {
  test(`${ROUNDS} rounds of ${PER_ROUND} connections after a warm-up, ${CONCURRENCY} at a time: all served with their own address; memory flat`, {
    timeout: 60_000,
  }, async () => {
    const baselineResources = resources();
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (payload: Buffer) => socket.end(JSON.stringify({ ...getClientAddress(socket), payload: payload.toString() })));
    });
    const integration = acceptProxyProtocol(server, { headerTimeout: 5000 });
    const errors: unknown[] = [];
    server.on('proxyError', (error: unknown, socket: net.Socket) => {
      errors.push(error);
      socket.destroy();
    });
    const port = await listen(server);
    const listenersBefore = listenerCounts(server);

    const round = async (r: number, count = PER_ROUND): Promise<number> => {
      const t0 = Date.now();
      await pool(count, CONCURRENCY, async (i) => {
        const init = initFor(r, i, port);
        const socket = await rawConnect(port);
        const reply = collect(socket);
        const header = encode(init);
        const payload = Buffer.from(`ping ${r}/${i}`);
        if (i % 5 === 0) {
          // Header and payload in separate writes.
          socket.write(header);
          await new Promise((resolve) => setImmediate(resolve));
          socket.write(payload);
        } else socket.write(Buffer.concat([header, payload]));
        const answer = JSON.parse((await reply).toString());
        if (
          answer.address !== canonicalAddress((init.source as { address: string }).address) ||
          answer.port !== (init.source as { port: number }).port ||
          answer.payload !== payload.toString()
        ) {
          throw new Error(`connection ${r}/${i} got ${JSON.stringify(answer)} for ${JSON.stringify(init.source)}`);
        }
      });
      return Date.now() - t0;
    };

    // Round 0 (500 connections) warms up (JIT, pools), then the baseline is taken.
    const warm = await round(0, WARM_UP);
    const baseline = await settledMemory();
    const timings: number[] = [];
    const after: { heapUsed: number; rss: number; arrayBuffers: number }[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      timings.push(await round(r));
      await waitFor(() => integration.stats.pending === 0, 'no pending header');
      after.push(await settledMemory());
    }

    expect(errors).toEqual([]);
    const total = WARM_UP + PER_ROUND * ROUNDS;
    expect(integration.stats).toMatchObject({ connections: total, pending: 0, timedOut: 0, rejected: 0, errors: 0, none: 0 });
    expect(integration.stats.v1 + integration.stats.v2).toBe(total);

    const mib = (n: number) => (n / MiB).toFixed(1);
    const last = after[after.length - 1] as (typeof after)[number];
    // Back near the baseline after each burst, and no growth from round to round.
    for (const m of after) expect(m.heapUsed - baseline.heapUsed).toBeLessThan(4 * MiB);
    expect(last.heapUsed - (after[0] as (typeof after)[number]).heapUsed).toBeLessThan(2 * MiB);
    expect(last.arrayBuffers - baseline.arrayBuffers).toBeLessThan(2 * MiB);
    expect(last.rss - baseline.rss).toBeLessThan(64 * MiB);

    await waitFor(() => server.listening, 'listening');
    await waitFor(() => integration.stats.pending === 0, 'pending 0');
    let connections = -1;
    await waitFor(
      () => {
        server.getConnections((_e, n) => {
          connections = n;
        });
        return connections === 0;
      },
      () => `getConnections() = 0, now ${connections}`,
    );
    expect(await promisify(server.getConnections.bind(server))()).toBe(0);
    expect(listenerCounts(server)).toEqual(listenersBefore);
    integration.close();
    await closeServer(server);
    await waitFor(
      () => withinBaseline(baselineResources),
      () => `resources back to ${JSON.stringify(baselineResources)}, now ${JSON.stringify(resources())}`,
    );

    console.log(
      `[burst] ${WARM_UP} + ${ROUNDS} × ${PER_ROUND} connections (${CONCURRENCY} concurrent): warm-up ${warm} ms, rounds ${timings.join(', ')} ms ` +
        `(${Math.round((PER_ROUND * 1000) / Math.min(...timings))} conn/s best). heapUsed baseline ${mib(baseline.heapUsed)} MiB -> ${after.map((m) => mib(m.heapUsed)).join(' / ')} MiB; ` +
        `rss ${mib(baseline.rss)} -> ${after.map((m) => mib(m.rss)).join(' / ')} MiB; arrayBuffers ${mib(baseline.arrayBuffers)} -> ${mib(last.arrayBuffers)} MiB; ` +
        `resources after close ${JSON.stringify(resources())}`,
    );
  });
});
