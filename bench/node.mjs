// Benchmarks for the `proxyproto/node` entry point: stream pass-through throughput of
// `ProxyProtocolDecoder` and the accept rate of a PROXY-protocol server on loopback. Both compare
// with the same thing without the PROXY protocol, measured in the same process, interleaved:
// rounds alternate between the two, and each keeps its best round.
// `node bench/node.mjs` runs them alone; bench/run.mjs includes them in the table.
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cases } from './cases.mjs';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'node.js');

const V1_HEADER = cases.find((c) => c.id === 'v1-tcp4').bytes;
const V2_HEADER = cases.find((c) => c.id === 'v2-tcp4').bytes;

/** Seconds to push `total` payload bytes (after `header`, if any) through `stream` in `chunk`-sized writes and drain them. */
function pump(stream, header, chunk, total) {
  return new Promise((resolve, reject) => {
    let received = 0;
    const start = process.hrtime.bigint();
    stream.on('data', (c) => {
      received += c.length;
    });
    stream.on('end', () => {
      if (received !== total) reject(new Error(`received ${received} of ${total} bytes`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e9);
    });
    stream.on('error', reject);
    if (header) stream.write(header);
    let sent = 0;
    const write = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!stream.write(chunk)) {
          stream.once('drain', write);
          return;
        }
      }
      stream.end();
    };
    write();
  });
}

/**
 * MB/s of payload through `ProxyProtocolDecoder` (a v2 TCP4 header, then `chunks` chunks of
 * `chunkSize` bytes, the same Buffer each time: nothing is copied, so this is per-chunk overhead) and through a bare `PassThrough`, the floor. `ratio` = ours ÷ PassThrough
 * in MB/s: 1 means no cost, the target is ≥ 0.95.
 */
export async function streamPassThrough(node, { chunkSize = 64 * 1024, chunks = 400_000, rounds = 5 } = {}) {
  const chunk = Buffer.alloc(chunkSize, 0x61);
  const total = chunkSize * chunks;
  let ours = 0;
  let plain = 0;
  // One warm-up round of each, untimed.
  await pump(new node.ProxyProtocolDecoder(), V2_HEADER, chunk, total / 4);
  await pump(new PassThrough(), undefined, chunk, total / 4);
  for (let r = 0; r < rounds; r++) {
    const a = await pump(new node.ProxyProtocolDecoder(), V2_HEADER, chunk, total);
    const b = await pump(new PassThrough(), undefined, chunk, total);
    ours = Math.max(ours, total / a / 1e6);
    plain = Math.max(plain, total / b / 1e6);
  }
  return { chunkSize, oursMBs: ours, plainMBs: plain, ratio: ours / plain };
}

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n', 'latin1');

/**
 * Seconds until the application behind a server listening on 127.0.0.1 has received the first
 * bytes (the request) of `count` connections. Clients connect `concurrency` at a time; each
 * writes `header` (if any) and the request in one piece, and ends.
 */
function acceptRun(makeServer, header, count, concurrency) {
  return new Promise((resolve, reject) => {
    let served = 0;
    let started = 0;
    let start = 0n;
    const payload = header ? Buffer.concat([header, REQUEST]) : REQUEST;
    const server = makeServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (chunk) => {
        if (chunk.length !== REQUEST.length) reject(new Error(`application got ${chunk.length} bytes, expected the request only`));
        socket.destroy();
        served++;
        if (served === count) {
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          server.close(() => resolve(seconds));
        }
      });
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      const next = () => {
        if (started >= count) return;
        started++;
        const client = net.connect(port, '127.0.0.1', () => client.end(payload));
        client.on('error', () => {});
        client.on('close', next);
      };
      start = process.hrtime.bigint();
      for (let k = 0; k < concurrency; k++) next();
    });
  });
}

/**
 * Connections per second served on 127.0.0.1 by a `net` server with `acceptProxyProtocol`
 * (strict mode; clients send a v1 or v2 TCP4 header, then a request) and by a plain
 * `net.createServer` (clients send the request only). A connection counts once the application
 * has its request. `ratio` = ours ÷ plain in connections/s: the target is ≥ 0.9. Loopback only,
 * a few thousand connections in all.
 */
export async function acceptRate(node, { count = 600, concurrency = 50, rounds = 6 } = {}) {
  const plainServer = (onConnection) => net.createServer(onConnection);
  const proxyServer = (onConnection) => {
    const server = net.createServer(onConnection);
    node.acceptProxyProtocol(server, { mode: 'strict' });
    return server;
  };
  const out = [];
  for (const [label, header] of [
    ['v1', V1_HEADER],
    ['v2', V2_HEADER],
  ]) {
    let ours = 0;
    let plain = 0;
    await acceptRun(proxyServer, header, count / 5, concurrency); // warm-up
    await acceptRun(plainServer, undefined, count / 5, concurrency);
    for (let r = 0; r < rounds; r++) {
      ours = Math.max(ours, count / (await acceptRun(proxyServer, header, count, concurrency)));
      plain = Math.max(plain, count / (await acceptRun(plainServer, undefined, count, concurrency)));
    }
    out.push({ label, oursPerSec: ours, plainPerSec: plain, ratio: ours / plain });
  }
  return out;
}

export const STREAM_TARGET = 0.95;
export const ACCEPT_TARGET = 0.9;

export async function loadNode() {
  return existsSync(dist) ? await import(dist) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const node = await loadNode();
  if (node === undefined) {
    console.log('proxyproto/node is not built yet (dist/node.js missing): run `npm run build` first.');
  } else {
    for (const chunkSize of [64 * 1024, 1024]) {
      const s = await streamPassThrough(node, { chunkSize });
      console.log(
        `stream pass-through, ${chunkSize / 1024} KiB chunks: ours ${s.oursMBs.toFixed(0)} MB/s, PassThrough ${s.plainMBs.toFixed(0)} MB/s, ratio ${s.ratio.toFixed(2)}`,
      );
    }
    for (const a of await acceptRate(node)) {
      console.log(
        `accept rate, ${a.label} header: ours ${a.oursPerSec.toFixed(0)}/s, plain ${a.plainPerSec.toFixed(0)}/s, ratio ${a.ratio.toFixed(2)}`,
      );
    }
  }
}
