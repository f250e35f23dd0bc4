// `npm run bench`: every case against the floor and every peer, in one run; prints the table,
// writes docs/benchmarks.md and docs/benchmarks.svg. `--quick` shortens each measurement.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { do_not_optimize } from 'mitata';
import { AGENT_TARGET, agentRate } from './agent.mjs';
import {
  allocation as allocationOf,
  CRC_TARGET,
  crcBench,
  crcCheck,
  FLOOR_LIMIT,
  machine,
  nsPerOp,
  peerLimit,
  peers,
  suite,
} from './lib.mjs';
import { ACCEPT_TARGET, acceptRate, loadNode, STREAM_TARGET, streamPassThrough } from './node.mjs';
import { serverCpu, serverCpuReport } from './node-server-cpu.mjs';
import { webStreamReport } from './web-stream.mjs';

const quick = process.argv.includes('--quick');
const CPU_MS = quick ? 300 : 900;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const m = machine();
const PEERS = peers.filter((p) => p.mod).map((p) => ({ short: p.short, name: p.name, version: p.version }));
for (const p of peers) if (!p.mod) console.error(`peer ${p.name} does not load: ${p.error}`);

console.log(`proxyproto benchmarks — ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.os}`);
console.log(`ns/op (fastest batch); ratio = ours ÷ other (below 1: ours is faster)\n`);

// Each row's implementations are measured in turn, ROUNDS times; a row keeps each one's fastest
// batch. On a shared 2-core machine this keeps a burst of outside load from landing on one
// implementation only.
const ROUNDS = quick ? 3 : 6;
const rows = suite();
// Warm every implementation on every case first, so that each row is measured in the same
// steady state (the engine has seen every kind of header, as a server does) whatever its place
// in the order.
for (let pass = 0; pass < 2; pass++) {
  for (const row of rows) for (const impl of Object.values(row.impls)) for (let i = 0; i < 20_000; i++) impl.fn();
}
for (const row of rows) {
  row.ns = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, impl] of Object.entries(row.impls)) {
      const ns = await nsPerOp(impl.fn, CPU_MS / ROUNDS);
      row.ns[name] = Math.min(row.ns[name] ?? Infinity, ns);
    }
  }
  process.stderr.write('.');
}
process.stderr.write('\n');

// Zero allocation with encodeInto. The control row runs the harness alone (an empty call).
const CALLS = 1_000_000;
const allocation = [{ case: 'harness alone (control)', control: true, ...(await allocationOf(() => do_not_optimize(0), CALLS)) }];
for (const row of rows) {
  if (row.op !== 'encodeInto') continue;
  allocation.push({ case: row.case.label, ...(await allocationOf(row.impls.ours.fn, CALLS)) });
}

const crc = await crcBench(CPU_MS, ROUNDS);
const crcOk = crcCheck();

// proxyproto/node: stream pass-through and accept rate, each against the same thing without it.
const node = await loadNode();
const streams = [];
const accepts = [];
if (node !== undefined) {
  for (const chunkSize of [64 * 1024, 1024])
    streams.push(await streamPassThrough(node, { chunkSize, chunks: quick ? 100_000 : 400_000, rounds: quick ? 3 : 5 }));
  accepts.push(...(await acceptRate(node, { rounds: quick ? 3 : 6 })));
}
const agent = node === undefined ? undefined : await agentRate(node, { rounds: quick ? 3 : 6 });
const web = await webStreamReport({ quick });
const cpu = serverCpuReport(node === undefined ? [] : await serverCpu(quick ? { rounds: 11 } : {}));
const load = loadAverage();

// ---------------------------------------------------------------------------------------------
// Verdicts

const fmtNs = (x) => (x === undefined ? '' : x < 100 ? x.toFixed(1) : x.toFixed(0));
const fmtR = (x) => (x === undefined ? '' : x.toFixed(2));

const misses = [];
for (const row of rows) {
  row.verdicts = [];
  const name = `${row.op} ${row.case.label}`;
  if (!row.impls.ours.ok) misses.push(`${name}: our output is WRONG`);
  const rf = row.ns.ours / row.ns.floor;
  row.floorRatio = rf;
  if (rf > FLOOR_LIMIT) misses.push(`${name}: ours÷floor ${fmtR(rf)} > ${FLOOR_LIMIT}`);
  row.peerRatio = {};
  for (const p of PEERS) {
    if (row.ns[p.short] === undefined) continue;
    const r = row.ns.ours / row.ns[p.short];
    row.peerRatio[p.short] = r;
    const limit = peerLimit(row, p.short);
    if (limit !== undefined && r > limit) misses.push(`${name}: ours÷${p.short} ${fmtR(r)} > ${fmtR(limit)}`);
  }
}
// encodeInto allocates its small per-call plan (the addresses go to shared bytes): reported, not a target.
for (const c of crc)
  if (c.speedup < CRC_TARGET && c.size >= 4096) misses.push(`crc32c ${c.label}: ${c.speedup.toFixed(1)}x the byte loop < ${CRC_TARGET}x`);
if (!crcOk) misses.push('crc32c check value wrong');
for (const st of streams) {
  if (st.chunkSize === 64 * 1024 && st.ratio < STREAM_TARGET)
    misses.push(`stream pass-through (64 KiB chunks): ${st.ratio.toFixed(2)} × PassThrough < ${STREAM_TARGET}`);
}
for (const a of accepts)
  if (a.ratio < ACCEPT_TARGET) misses.push(`accept rate (${a.label}): ${a.ratio.toFixed(2)} × plain server < ${ACCEPT_TARGET}`);
if (node === undefined) misses.push('proxyproto/node not built: node benchmarks not run');
if (agent && agent.ratio < AGENT_TARGET) misses.push(`keep-alive agent: ${agent.ratio.toFixed(2)} × http.Agent < ${AGENT_TARGET}`);
misses.push(...web.misses);
misses.push(...cpu.misses);

// ---------------------------------------------------------------------------------------------
// Text table

const header = ['case', 'op', 'ours', 'floor', '÷floor', ...PEERS.flatMap((p) => [p.short, `÷${p.short}`])];
const table = rows.map((row) => {
  const cells = [row.case.label, row.op, fmtNs(row.ns.ours) + (row.impls.ours.ok ? '' : ' ✗'), fmtNs(row.ns.floor), fmtR(row.floorRatio)];
  for (const p of PEERS) {
    const impl = row.impls[p.short];
    cells.push(impl ? fmtNs(row.ns[p.short]) + (impl.ok ? '' : ' ✗') : '—');
    cells.push(impl ? fmtR(row.peerRatio[p.short]) : '');
  }
  return cells;
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of table) console.log(line(r));

console.log('\nCRC32C throughput (MB/s)');
for (const c of crc) {
  console.log(
    `  ${c.label.padEnd(22)} ours ${c.oursMBs.toFixed(0).padStart(6)}   byte loop ${c.loopMBs.toFixed(0).padStart(6)}   ${c.speedup.toFixed(2)}x`,
  );
}
if (node !== undefined) {
  console.log('\nproxyproto/node (ratio = ours ÷ without PROXY protocol; above 1: ours is faster)');
  for (const st of streams) {
    console.log(
      `  stream pass-through, ${st.chunkSize / 1024} KiB chunks: ours ${st.oursMBs.toFixed(0)} MB/s, PassThrough ${st.plainMBs.toFixed(0)} MB/s   ${st.ratio.toFixed(2)}`,
    );
  }
  for (const a of accepts) {
    console.log(
      `  accept rate, ${a.label} header: ours ${a.oursPerSec.toFixed(0)}/s, plain server ${a.plainPerSec.toFixed(0)}/s   ${a.ratio.toFixed(2)}`,
    );
  }
  console.log(
    `  keep-alive agent: ${agent.oursPerSec.toFixed(0)} req/s, http.Agent ${agent.plainPerSec.toFixed(0)} req/s   ${agent.ratio.toFixed(2)}`,
  );
  for (const line of cpu.lines) console.log(line);
}
console.log(web.text.join('\n'));
console.log(`\nload average during the run: ${load}`);
console.log(`\nencodeInto allocation (heap growth over ${CALLS.toLocaleString('en')} calls with no GC in between)`);
for (const a of allocation) console.log(`  ${a.case.padEnd(24)} ${a.bytesPerCall.toFixed(3)} bytes/call, ${a.gcs} GCs`);

const wrong = [];
for (const row of rows) {
  for (const [name, impl] of Object.entries(row.impls)) {
    if (!impl.ok && name !== 'ours') wrong.push(`${name} ${row.op} ${row.case.label}: ${impl.why ?? 'wrong output'}`);
  }
}
if (wrong.length) {
  console.log('\n✗ wrong output (still timed):');
  for (const w of wrong) console.log(`  ${w}`);
}
console.log(misses.length ? `\nTargets missed:\n  ${misses.join('\n  ')}` : '\nAll targets met.');

// ---------------------------------------------------------------------------------------------
// docs/benchmarks.md and docs/benchmarks.svg

const notes = new Map();
for (const row of rows) {
  for (const [name, impl] of Object.entries(row.impls)) {
    if (impl.note) notes.set(`${name} ${row.op} ${row.case.label}`, impl.note);
  }
}

const md = [];
md.push('# Benchmarks');
md.push('');
md.push('<!-- Written by `npm run bench` (bench/run.mjs); do not edit by hand. -->');
md.push('');
md.push(
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}. Node ${m.node}. Load average (1, 5, 15 min) at the end of the run: ${load}. ${quick ? 'Quick run (`--quick`): short measurements.' : ''}`,
);
md.push('');
md.push('Nanoseconds per operation (fastest batch, see below), all from one run. A ratio is **ours ÷ other**: below 1 means');
md.push('proxyproto is faster (0.50 = twice as fast). ✗ marks output that is wrong for the case (timed anyway).');
md.push('');
md.push('![bar chart](benchmarks.svg)');
md.push('');
md.push(`| ${header.join(' | ')} |`);
md.push(`| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`);
for (const r of table) md.push(`| ${r.join(' | ')} |`);
md.push('');
md.push('## CRC32C throughput');
md.push('');
md.push('Ours: slicing-by-32 over aligned 32-bit words from 256 bytes on, slicing-by-16 over bytes below.');
md.push('');
md.push('| input | ours MB/s | byte-at-a-time table MB/s | speed-up |');
md.push('| --- | ---: | ---: | ---: |');
for (const c of crc) md.push(`| ${c.label} | ${c.oursMBs.toFixed(0)} | ${c.loopMBs.toFixed(0)} | ${c.speedup.toFixed(2)}x |`);
md.push('');
if (node !== undefined) {
  md.push('## proxyproto/node');
  md.push('');
  md.push('Each against the same thing without the PROXY protocol, interleaved in one process, best round of each.');
  md.push('A ratio here is **ours ÷ without** in throughput: 1.00 means no cost.');
  md.push('');
  md.push('| benchmark | ours | without | ratio |');
  md.push('| --- | ---: | ---: | ---: |');
  for (const st of streams) {
    md.push(
      `| stream pass-through after the header, ${st.chunkSize / 1024} KiB chunks (MB/s) | ${st.oursMBs.toFixed(0)} | ${st.plainMBs.toFixed(0)} (PassThrough) | ${st.ratio.toFixed(2)} |`,
    );
  }
  for (const a of accepts) {
    md.push(
      `| connections served per second, strict, ${a.label} header | ${a.oursPerSec.toFixed(0)} | ${a.plainPerSec.toFixed(0)} (plain server) | ${a.ratio.toFixed(2)} |`,
    );
  }
  md.push(
    `| requests per second, keep-alive, one client (bench/agent.mjs) | ${agent.oursPerSec.toFixed(0)} | ${agent.plainPerSec.toFixed(0)} (http.Agent) | ${agent.ratio.toFixed(2)} |`,
  );
  md.push(...cpu.rows);
  md.push('');
  md.push('- Stream: `ProxyProtocolDecoder` fed a v2 TCP4 header then the same Buffer over and over, drained by a');
  md.push('  `data` listener; nothing is copied, so the MB/s measure per-chunk overhead, not memory bandwidth.');
  md.push("- Accept: `net.createServer` with `acceptProxyProtocol(server, { mode: 'strict' })` against a plain one on");
  md.push('  127.0.0.1; 50 clients at a time each send (header +) a small HTTP request in one write and end; a');
  md.push('  connection counts when the application receives its request. Clients and servers share the process.');
  md.push('');
}
md.push(...web.md);
md.push('## Allocation');
md.push('');
md.push(`Heap growth (\`v8.getHeapStatistics().used_heap_size\`) over ${CALLS.toLocaleString('en')} \`encodeInto\` calls into one caller`);
md.push('buffer, after 100,000 warm-up calls, in a stretch with no garbage collection (a run with one is repeated);');
md.push('the control row runs the same loop around an empty call. An object per call would be at least 16 bytes/call.');
md.push('');
md.push('| case | bytes/call | GCs |');
md.push('| --- | ---: | ---: |');
for (const a of allocation) md.push(`| ${a.case} | ${a.bytesPerCall.toFixed(3)} | ${a.gcs} |`);
md.push('');
md.push('## Targets');
md.push('');
md.push(
  '- decode, × proxy-protocol-js (which neither validates nor canonicalises): ≤ 0.50 on v1 TCP4, ≤ 0.67 on v2 TCP4, ≤ 1.05 on v1 TCP6 canonical, ≤ 1.3 on v1 TCP6 full-length, ≤ 1.0 on v2 TCP6;',
);
md.push(`- every operation within ${FLOOR_LIMIT} × the floor;`);
md.push('- encode ≤ 1.0 × proxy-protocol-js wherever it can encode the case (`encodeInto` allocates only its small per-call plan);');
md.push(`- CRC32C ≥ ${CRC_TARGET} × the byte-at-a-time loop on large inputs;`);
md.push(`- stream pass-through ≥ ${STREAM_TARGET} × a plain PassThrough (64 KiB chunks); accept rate ≥ ${ACCEPT_TARGET} × a plain server.`);
md.push('');
md.push(misses.length ? `Missed in this run:\n\n${misses.map((x) => `- ${x}`).join('\n')}` : 'All targets were met in this run.');
md.push('');
md.push('## What is measured');
md.push('');
md.push('- **ours**: `decode(bytes)` then reading `source.address` and `destination.address`; `encode(init, options)`;');
md.push('  `encodeInto(init, buffer, 0, options)`. Full validation, canonical address text (RFC 5952 for IPv6), TLVs split,');
md.push('  SSL sub-TLVs checked, CRC32C verified on decode and computed on encode.');
md.push('- **floor**: `bench/floor.mjs`, minimal hand-written code for exactly these headers: address strings as sent (v1),');
md.push('  TLVs split, CRC32C verified with a byte-at-a-time table, no canonicalisation, no error reporting.');
md.push('- **peers**, called as their READMEs show, on the same bytes (a Buffer):');
for (const p of PEERS) md.push(`  - ${p.short}: \`${p.name}\` ${p.version}`);
md.push('  - proxywrap exports no parser function; its adapter runs the steps of its socket listener (ASCII text,');
md.push('    the validation regexp, `split`). It has no encoder and no v2.');
md.push('- A peer is benchmarked only on cases it claims to support. Notes on what a peer leaves out:');
for (const [k, v] of notes) md.push(`  - ${k}: ${v}`);
if (wrong.length) {
  md.push('- Wrong output, checked against the case (peer encoders are checked by decoding with proxyproto):');
  for (const w of wrong) md.push(`  - ${w}`);
}
md.push('');
md.push('## Reproduce');
md.push('');
md.push('```sh');
md.push('npm ci');
md.push('npm run bench          # builds, runs everything (about two minutes), rewrites this page and the chart');
md.push('npm run bench:smoke    # a few seconds: fails only on a gross regression against the floor');
md.push('```');
md.push('');
md.push('Timing uses mitata (`measure`, batched samples). Each implementation of a row is measured in turn, six');
md.push('times over, and keeps its fastest batch: other processes can only add time, so on a shared machine the');
md.push('minimum tracks the code and a median tracks the load. Close other programs anyway: with 2 cores, a busy');
md.push('machine moves every number; the ratios, taken from one run, move much less.');
md.push('');
md.push('The `proxyproto/node` benchmarks live in `bench/node.mjs` (`node bench/node.mjs` runs them alone).');
md.push('');

mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/benchmarks.md'), md.join('\n'));
writeFileSync(join(root, 'docs/benchmarks.svg'), svg(rows, PEERS));
// Keep the generated page in the repository's format, so that the lint gate stays green.
spawnSync(process.execPath, [join(root, 'node_modules/@biomejs/biome/bin/biome'), 'format', '--write', 'docs/benchmarks.md'], {
  cwd: root,
  stdio: 'ignore',
});
console.log('\nwrote docs/benchmarks.md and docs/benchmarks.svg');

// ---------------------------------------------------------------------------------------------

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Horizontal bars, one group per (case, op), bar length ∝ ns/op within the group. */
function svg(rows, peerList) {
  const names = ['ours', 'floor', ...peerList.map((p) => p.short)];
  const colors = { ours: '#2b6cb0', floor: '#a0aec0', ppjs: '#dd6b20', balena: '#38a169', proxywrap: '#805ad5' };
  const shown = rows.filter((r) => r.op !== 'encodeInto');
  const barH = 12;
  const labelW = 210;
  const plotW = 520;
  const top = 40;
  let y = top;
  const parts = [];
  for (const row of shown) {
    const present = names.filter((n) => row.ns[n] !== undefined);
    const max = Math.max(...present.map((n) => row.ns[n]));
    parts.push(`<text x="8" y="${y + 11}" font-weight="bold">${esc(`${row.case.label} — ${row.op}`)}</text>`);
    for (const n of present) {
      const w = Math.max(1, (row.ns[n] / max) * plotW);
      const wrongMark = row.impls[n].ok ? '' : ' ✗';
      parts.push(`<text x="${labelW - 6}" y="${y + barH - 2 + 14}" text-anchor="end">${esc(n)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y + 14}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${colors[n] ?? '#718096'}"/>`);
      parts.push(`<text x="${labelW + w + 4}" y="${y + barH - 2 + 14}">${esc(`${fmtNs(row.ns[n])} ns${wrongMark}`)}</text>`);
      y += barH;
    }
    y += 24;
  }
  const width = labelW + plotW + 90;
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img">`,
    `<title>proxyproto decode and encode time per operation against its peers and a hand-written floor</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${esc(`proxyproto: ns/op (fastest batch), shorter is faster — ${m.cpu}, Node ${m.node}`)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function loadAverage() {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}
