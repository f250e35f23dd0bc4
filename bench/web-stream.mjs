// Throughput of the core's `ProxyProtocolDecoderStream` after the header, against a plain
// identity `TransformStream`, in one process, interleaved: rounds alternate between the two and
// each keeps its best round. `node bench/web-stream.mjs` runs it alone; bench/run.mjs includes it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cases } from './cases.mjs';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
const V2_HEADER = cases.find((c) => c.id === 'v2-tcp4').bytes;

/** Ours ÷ identity TransformStream, in MB/s, with 64 KiB chunks. */
export const WEB_STREAM_TARGET = 0.95;

/** The built core, or undefined when `dist/` is missing. */
export async function loadCore() {
  return existsSync(dist) ? import(dist) : undefined;
}

/**
 * Seconds to pipe `count` chunks (the same Uint8Array each time: nothing is copied, so this is
 * per-chunk overhead), after `header` if any, through `transform` and read them all.
 */
async function pump(transform, header, chunk, count) {
  let sent = 0;
  const source = new ReadableStream(
    {
      start(controller) {
        if (header) controller.enqueue(header);
      },
      pull(controller) {
        if (sent++ < count) controller.enqueue(chunk);
        else controller.close();
      },
    },
    { highWaterMark: 1 },
  );
  const start = process.hrtime.bigint();
  const reader = source.pipeThrough(transform).getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
  }
  if (received !== count * chunk.length) throw new Error(`received ${received} of ${count * chunk.length} bytes`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** MB/s of payload through `ProxyProtocolDecoderStream` and through `new TransformStream()`; `ratio` = ours ÷ identity. */
export async function webStreamPassThrough(core, { chunkSize = 64 * 1024, chunks = 200_000, rounds = 5 } = {}) {
  const chunk = new Uint8Array(chunkSize).fill(0x61);
  const total = chunkSize * chunks;
  let ours = 0;
  let plain = 0;
  // One warm-up round of each, untimed.
  await pump(new core.ProxyProtocolDecoderStream(), V2_HEADER, chunk, chunks / 4);
  await pump(new TransformStream(), undefined, chunk, chunks / 4);
  for (let r = 0; r < rounds; r++) {
    const a = await pump(new core.ProxyProtocolDecoderStream(), V2_HEADER, chunk, chunks);
    const b = await pump(new TransformStream(), undefined, chunk, chunks);
    ours = Math.max(ours, total / a / 1e6);
    plain = Math.max(plain, total / b / 1e6);
  }
  return { chunkSize, oursMBs: ours, plainMBs: plain, ratio: ours / plain };
}

/**
 * Everything bench/run.mjs needs: runs both chunk sizes and returns the console lines, the
 * Markdown section for docs/benchmarks.md, and the targets missed.
 */
export async function webStreamReport({ quick = false } = {}) {
  const core = await loadCore();
  if (core === undefined) return { text: [], md: [], misses: ['dist/index.js not built: Web Streams benchmark not run'] };
  const results = [];
  for (const chunkSize of [64 * 1024, 1024])
    results.push(await webStreamPassThrough(core, { chunkSize, chunks: quick ? 50_000 : 200_000, rounds: quick ? 3 : 5 }));
  const text = ['', 'Web Streams (ratio = ours ÷ identity TransformStream; above 1: ours is faster)'];
  const md = [
    '## Web Streams',
    '',
    '| benchmark | ours (MB/s) | identity TransformStream (MB/s) | ratio |',
    '| --- | ---: | ---: | ---: |',
  ];
  const misses = [];
  for (const r of results) {
    const kib = r.chunkSize / 1024;
    text.push(
      `  ProxyProtocolDecoderStream after the header, ${kib} KiB chunks: ours ${r.oursMBs.toFixed(0)} MB/s, identity ${r.plainMBs.toFixed(0)} MB/s   ${r.ratio.toFixed(2)}`,
    );
    md.push(
      `| \`ProxyProtocolDecoderStream\` after the header, ${kib} KiB chunks | ${r.oursMBs.toFixed(0)} | ${r.plainMBs.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
    );
    if (r.ratio < WEB_STREAM_TARGET)
      misses.push(`Web Streams decoder (${kib} KiB chunks): ${r.ratio.toFixed(2)} × identity TransformStream < ${WEB_STREAM_TARGET}`);
  }
  md.push(
    '',
    '- A source `ReadableStream` yields a v2 TCP4 header, then the same `Uint8Array` over and over, piped through the',
    `  decoder (or \`new TransformStream()\`) and read by a default reader. Nothing is copied: the MB/s measure per-chunk`,
    `  overhead. Target: ≥ ${WEB_STREAM_TARGET} × the identity transform, both chunk sizes.`,
    '',
  );
  return { text, md, misses };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { text, misses } = await webStreamReport({ quick: process.argv.includes('--quick') });
  console.log(text.join('\n'));
  console.log(misses.length ? `\nTargets missed:\n  ${misses.join('\n  ')}` : '\nAll targets met.');
}
