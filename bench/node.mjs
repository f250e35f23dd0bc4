// Benchmarks for the `proxyproto/node` entry point: stream pass-through throughput of
// `ProxyProtocolDecoder` and the accept rate of a PROXY-protocol server on loopback.
// That entry point is built separately; until `dist/node.js` exists this script says so and
// exits 0. To complete: fill in the two bodies below (see the TODOs), then call them from
// bench/run.mjs so that their numbers join the table.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'node.js');

/**
 * MB/s through `header + payload` piped into the decoder and drained, for payloads of 1 KiB,
 * 64 KiB and 1 MiB in 16 KiB chunks; compared with a bare `PassThrough` (the floor).
 * TODO: `new ProxyProtocolDecoder()`, write the v2 TCP4 fixture then the chunks, count bytes out.
 */
export async function streamPassThrough(_node) {
  return undefined;
}

/**
 * Connections per second accepted on 127.0.0.1 by the PROXY-aware server vs a plain
 * `net.createServer`, each client sending a v2 TCP4 header and closing; bounded to a fixed
 * number of connections (e.g. 5,000) and a time limit, loopback only.
 * TODO: create the server from `proxyproto/node`, connect in batches of 50, time to last accept.
 */
export async function acceptRate(_node) {
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!existsSync(dist)) {
    console.log('proxyproto/node is not built yet (dist/node.js missing): node benchmarks skipped.');
  } else {
    const node = await import(dist);
    console.log('stream pass-through:', (await streamPassThrough(node)) ?? 'not implemented yet');
    console.log('accept rate:', (await acceptRate(node)) ?? 'not implemented yet');
  }
}
