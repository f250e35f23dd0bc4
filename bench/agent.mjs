// Requests per second through `ProxyProtocolAgent` (keep-alive, one client) against a plain
// `http.Agent({ keepAlive: true })`, both to the same backend (an http server behind
// `acceptProxyProtocol` in lenient mode, which serves both). Rounds alternate between the two in
// one process; each keeps its best round. `node bench/agent.mjs` runs it alone; bench/run.mjs
// includes it in the table.
import http from 'node:http';
import { loadNode } from './node.mjs';

export const AGENT_TARGET = 0.95;

const HEADER = { source: { address: '203.0.113.7', port: 50123 }, destination: { address: '198.51.100.1', port: 443 } };

/** Seconds for `count` GETs through `agent`, `concurrency` in flight at a time. */
function run(agent, port, extra, count, concurrency) {
  return new Promise((resolve, reject) => {
    let started = 0;
    let done = 0;
    const begin = process.hrtime.bigint();
    const one = () => {
      started++;
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent, ...extra }, (res) => {
        res.resume();
        res.on('end', () => {
          done++;
          if (done === count) resolve(Number(process.hrtime.bigint() - begin) / 1e9);
          else if (started < count) one();
        });
      });
      req.on('error', reject);
    };
    for (let i = 0; i < concurrency; i++) one();
  });
}

/**
 * `{ oursPerSec, plainPerSec, ratio, connections }`: ratio = ours ÷ plain in requests/s (target
 * ≥ 0.95); `connections` counts what the backend accepted, which must stay at `concurrency` for
 * each agent (keep-alive works).
 */
export async function agentRate(node, { count = 4000, concurrency = 8, rounds = 6 } = {}) {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('ok'));
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;
  const integration = node.acceptProxyProtocol(server, { mode: 'lenient' });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const ours = new node.ProxyProtocolAgent({ maxSockets: concurrency });
  const plain = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let oursBest = Infinity;
  let plainBest = Infinity;
  try {
    // Warm-up, untimed: opens the connections of both agents and lets the JIT settle.
    for (let w = 0; w < 2; w++) {
      await run(ours, port, { proxyHeader: HEADER }, count, concurrency);
      await run(plain, port, {}, count, concurrency);
    }
    // The order alternates, so that neither always runs right after the other.
    for (let r = 0; r < rounds; r++) {
      const first = r % 2 === 0;
      if (first) oursBest = Math.min(oursBest, await run(ours, port, { proxyHeader: HEADER }, count, concurrency));
      plainBest = Math.min(plainBest, await run(plain, port, {}, count, concurrency));
      if (!first) oursBest = Math.min(oursBest, await run(ours, port, { proxyHeader: HEADER }, count, concurrency));
    }
  } finally {
    ours.destroy();
    plain.destroy();
    integration.close();
    server.closeAllConnections();
    server.close();
  }
  const oursPerSec = count / oursBest;
  const plainPerSec = count / plainBest;
  return { oursPerSec, plainPerSec, ratio: oursPerSec / plainPerSec, connections };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const node = await loadNode();
  if (node === undefined) {
    console.log('proxyproto/node is not built yet (dist/node.js missing): run `npm run build` first.');
  } else {
    const a = await agentRate(node);
    console.log(
      `keep-alive agent, one client: ProxyProtocolAgent ${a.oursPerSec.toFixed(0)} req/s, http.Agent ${a.plainPerSec.toFixed(0)} req/s, ratio ${a.ratio.toFixed(2)} (target ≥ ${AGENT_TARGET}); backend accepted ${a.connections} connections`,
    );
  }
}
