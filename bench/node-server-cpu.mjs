// Server CPU per connection of an http server with `acceptProxyProtocol` against the same http
// server without it. The servers run in a child process of their own so that the CPU measured
// (`process.cpuUsage` there) is the server's alone; this process is the client. Short connections
// (one request each, `Connection: close`), paired rounds (the plain server and ours loaded at the
// same time), median of the paired ratios.
// `node bench/node-server-cpu.mjs` runs it alone (after `npm run build`).
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cases } from './cases.mjs';

const here = fileURLToPath(import.meta.url);
// PROXYPROTO_NODE_DIST points at another build (say, of an older commit) to compare with.
const dist = process.env.PROXYPROTO_NODE_DIST ?? join(dirname(here), '..', 'dist', 'node.js');
const V2_HEADER = cases.find((c) => c.id === 'v2-tcp4').bytes;
const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n', 'latin1');

export const SERVER_CPU_TARGET = 1.1;

/** The variants measured, each against the plain server of its own round. */
const VARIANTS = {
  default: {},
  trusted: { trusted: ['127.0.0.1'] },
  opaque: { transparent: false },
  // Not the library: the least any reader in JavaScript does (read the first chunk, skip a v2
  // header by its length field, hand the rest to the http server's 'data' listener), to tell the
  // cost of reading the header in JavaScript at all from the cost of this library.
  floor: null,
};

/** The floor's reader: no checks, no timeout, no policy. */
function floorReader(server) {
  const emit = server.emit;
  server.emit = function (event, socket, ...args) {
    if (event !== 'connection') return emit.call(this, event, socket, ...args);
    const onReadable = () => {
      const chunk = socket.read(socket.readableLength);
      if (chunk === null) return;
      socket.removeListener('readable', onReadable);
      const length = 16 + chunk.readUInt16BE(14);
      emit.call(server, 'connection', socket);
      if (chunk.length > length) socket.emit('data', chunk.subarray(length));
    };
    socket.on('readable', onReadable);
    return true;
  };
}

/** The server process: one http server, plain or with `acceptProxyProtocol(server, VARIANTS[name])`. */
async function serve(name) {
  const handler = (req, res) => {
    // What a framework does: read the client's address.
    res.end(req.socket.remoteAddress);
  };
  const server = http.createServer(handler);
  if (name === 'floor') floorReader(server);
  else if (name !== 'plain') {
    const node = await import(dist);
    try {
      node.acceptProxyProtocol(server, VARIANTS[name]);
    } catch {
      process.send({ port: null }); // an option this build does not know
      return;
    }
  }
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ cpu: user + system });
    } else if (message === 'exit') process.exit(0);
  });
}

function ask(child) {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message.cpu));
    child.send('cpu');
  });
}

/** Opens `count` connections, `concurrency` at a time; each sends `payload` and reads the response to its end. */
function run(port, payload, count, concurrency) {
  return new Promise((resolve, reject) => {
    let started = 0;
    let done = 0;
    const next = () => {
      if (started >= count) return;
      started++;
      const socket = net.connect(port, '127.0.0.1', () => socket.write(payload));
      let bytes = 0;
      socket.on('data', (chunk) => {
        bytes += chunk.length;
      });
      socket.on('error', reject);
      socket.on('close', () => {
        if (bytes === 0) reject(new Error('no response'));
        done++;
        if (done === count) resolve();
        else next();
      });
    };
    for (let k = 0; k < concurrency; k++) next();
  });
}

async function cpuOf(child, port, payload, count, concurrency) {
  const before = await ask(child);
  await run(port, payload, count, concurrency);
  return ((await ask(child)) - before) / count;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Server CPU µs per connection, plain and with `acceptProxyProtocol` (clients send a v2 TCP4
 * header then the request in one write), for each variant: the defaults (transparent sockets on),
 * `trusted` (the policy reads the peer address), `transparent: false`, and a floor that is not
 * the library (the least a JavaScript reader does). Each server runs in its own
 * process. `ratio` = the median over rounds of (ours ÷ plain of the same round): the target is
 * ≤ 1.10.
 */
export async function serverCpu({ count = 500, concurrency = 4, rounds = 31 } = {}) {
  // One process per server, so that neither shares its engine state (inline caches, heap) with
  // the other: the plain server's is what a plain server has.
  const servers = {};
  for (const name of ['plain', ...Object.keys(VARIANTS)]) {
    const child = fork(here, ['--serve', name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const { port } = await new Promise((resolve) => child.once('message', resolve));
    if (port === null) child.send('exit');
    else servers[name] = { child, port };
  }
  const plain = servers.plain;
  const plainPayload = REQUEST;
  const proxyPayload = Buffer.concat([V2_HEADER, REQUEST]);
  const names = Object.keys(servers).filter((name) => name !== 'plain');
  // Warm-up, untimed.
  for (let i = 0; i < 3; i++) {
    await run(plain.port, plainPayload, count, concurrency);
    for (const name of names) await run(servers[name].port, proxyPayload, count, concurrency);
  }
  const samples = Object.fromEntries(names.map((name) => [name, { plain: [], ours: [], ratios: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      // Both servers of a pair are loaded at the same time, so that they run under the same
      // machine load (on a shared machine, the load changes faster than a round lasts).
      const [base, ours] = await Promise.all([
        cpuOf(plain.child, plain.port, plainPayload, count, concurrency),
        cpuOf(servers[name].child, servers[name].port, proxyPayload, count, concurrency),
      ]);
      samples[name].plain.push(base);
      samples[name].ours.push(ours);
      samples[name].ratios.push(ours / base);
    }
  }
  for (const { child } of Object.values(servers)) child.send('exit');
  return names.map((name) => ({
    label: name,
    plainUs: median(samples[name].plain),
    oursUs: median(samples[name].ours),
    ratio: median(samples[name].ratios),
  }));
}

/** What bench/run.mjs prints, puts in docs/benchmarks.md, and counts as a miss. */
export function serverCpuReport(results) {
  return {
    lines: results.map(
      (v) =>
        `  http server CPU per connection (${v.label}): ours ${v.oursUs.toFixed(1)} µs, plain ${v.plainUs.toFixed(1)} µs   ${v.ratio.toFixed(2)}`,
    ),
    rows: results.map(
      (v) =>
        `| http server CPU per connection, ${v.label} (µs, lower is better) | ${v.oursUs.toFixed(1)} | ${v.plainUs.toFixed(1)} (plain server) | ${v.ratio.toFixed(2)} |`,
    ),
    misses: results
      .filter((v) => v.label === 'default' && v.ratio > SERVER_CPU_TARGET)
      .map((v) => `http server CPU per connection: ${v.ratio.toFixed(2)} × plain server > ${SERVER_CPU_TARGET}`),
  };
}

if (process.argv.includes('--serve')) {
  await serve(process.argv[process.argv.indexOf('--serve') + 1]);
} else if (here === process.argv[1]) {
  if (!existsSync(dist)) {
    console.log('proxyproto/node is not built yet (dist/node.js missing): run `npm run build` first.');
  } else {
    const quick = process.argv.includes('--quick');
    for (const v of await serverCpu(quick ? { rounds: 20 } : {})) {
      console.log(
        `http server CPU per connection (${v.label}): ours ${v.oursUs.toFixed(1)} µs, plain ${v.plainUs.toFixed(1)} µs, ratio ${v.ratio.toFixed(3)}`,
      );
    }
  }
}
