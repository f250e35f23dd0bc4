// 1,000 connections that never send a byte (CVE-2021-23409 class: no header timeout exhausts file
// descriptors): every one is closed by the header timeout, valid clients are served meanwhile,
// and nothing is left behind: no sockets, timers or listeners.
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { encode } from '../../src/index.js';
import { acceptProxyProtocol, getClientAddress } from '../../src/node/index.js';
import { installCrashGuard, listenerCounts, resources, withinBaseline } from '../support/process.js';
import { closeServer, collect, listen, pool, rawConnect, waitFor } from '../support/sockets.js';

installCrashGuard();

const IDLE = 1000;
const VALID = 60;
// Long enough that the silent connections are still pending while the valid clients are served
// on a loaded machine (at 500 ms the last replies could come after every silent one had expired).
const HEADER_TIMEOUT = 1000;
/** Slowest reply a valid client may see while the silent connections are held. */
const MAX_LATENCY = 2000;

describe('idle connections', () => {
  test(`${IDLE} silent connections are all closed by a ${HEADER_TIMEOUT} ms header timeout while valid clients are served`, async () => {
    const baseline = resources();
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end(JSON.stringify(getClientAddress(socket)));
    });
    // No 'proxyError' listener: the default (destroy only that socket) is under test.
    const integration = acceptProxyProtocol(server, { headerTimeout: HEADER_TIMEOUT });
    const port = await listen(server);
    const listenersBefore = listenerCounts(server);
    const started = Date.now();

    // Open the silent connections, at most 50 handshakes at a time.
    const idle: { connectedAt: number; closedAt: number; received: Promise<Buffer> }[] = [];
    let idleOpened = 0;
    const opening = pool(IDLE, 50, async () => {
      const socket = await rawConnect(port);
      const entry = { connectedAt: Date.now(), closedAt: 0, received: collect(socket) };
      socket.once('close', () => {
        entry.closedAt = Date.now();
      });
      idle.push(entry);
      idleOpened++;
    });

    // Valid clients, while the silent ones are pending.
    await waitFor(() => idleOpened >= IDLE / 2, 'half of the idle connections');
    const latencies: number[] = [];
    const pendingAtReply: number[] = [];
    const served = pool(VALID, 10, async (i) => {
      const source = { address: `198.51.100.${(i % 250) + 1}`, port: 10_000 + i };
      const socket = await rawConnect(port);
      const t0 = Date.now();
      const reply = collect(socket);
      socket.write(encode({ version: i % 2 === 0 ? 1 : 2, source, destination: { address: '127.0.0.1', port } }));
      const body = JSON.parse((await reply).toString());
      latencies.push(Date.now() - t0);
      pendingAtReply.push(integration.stats.pending);
      expect(body).toMatchObject({ ...source, proxied: true });
    });
    await Promise.all([opening, served]);
    const validDoneAfter = Date.now() - started;

    await waitFor(
      () => idle.every((e) => e.closedAt > 0),
      () => `every idle connection closed (${idle.filter((e) => e.closedAt > 0).length}/${IDLE})`,
      15_000,
    );
    const allClosedAfter = Date.now() - started;
    const lifetimes = idle.map((e) => e.closedAt - e.connectedAt).sort((a, b) => a - b);
    for (const e of idle) expect((await e.received).length).toBe(0);

    // Each was closed by the timeout: not before it, and not long after.
    expect(lifetimes[0]).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
    expect(lifetimes[lifetimes.length - 1]).toBeLessThan(HEADER_TIMEOUT + 3000);
    // Served while silent connections were still held, not after them (latency includes the
    // event-loop load of the handshakes, made by this same process).
    expect(Math.min(...pendingAtReply)).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(MAX_LATENCY);
    expect(integration.stats).toMatchObject({ connections: IDLE + VALID, timedOut: IDLE, pending: 0, rejected: 0, errors: 0 });
    expect(integration.stats.v1 + integration.stats.v2).toBe(VALID);

    // Nothing left: connections, listeners, handles, timers.
    await waitFor(() => server.listening, 'server listening');
    expect(await promisify(server.getConnections.bind(server))()).toBe(0);
    expect(listenerCounts(server)).toEqual(listenersBefore);
    integration.close();
    await closeServer(server);
    await waitFor(
      () => withinBaseline(baseline),
      () => `resources back to ${JSON.stringify(baseline)}, now ${JSON.stringify(resources())}`,
    );

    console.log(
      `[idle] ${IDLE} silent + ${VALID} valid connections: valid ones served in max ${Math.max(...latencies)} ms ` +
        `(done after ${validDoneAfter} ms, ${Math.min(...pendingAtReply)}..${Math.max(...pendingAtReply)} silent pending at each reply); silent ones closed after ` +
        `${lifetimes[0]}..${lifetimes[lifetimes.length - 1]} ms (median ${lifetimes[IDLE >> 1]}); all closed ${allClosedAfter} ms after start; ` +
        `resources ${JSON.stringify(resources())} (baseline ${JSON.stringify(baseline)})`,
    );
  });
});
