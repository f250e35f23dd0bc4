// Shared by run.mjs and smoke.mjs: the suite definition, the measuring loop, the targets.
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { do_not_optimize, measure } from 'mitata';
import * as ours from '../dist/index.js';
import { cases, checkDecoded } from './cases.mjs';
import * as floor from './floor.mjs';
import { peers } from './peers.mjs';

export { cases, peers };

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * ns/op of `fn` in its fastest batch (mitata batches calls so that timer overhead stays out).
 * The fastest batch, not the median: on a shared machine, other processes only ever add time,
 * and a median moves with their load, while the minimum stays with the code.
 */
export async function nsPerOp(fn, cpuMs) {
  const stats = await measure(fn, { min_cpu_time: cpuMs * 1e6 });
  return stats.min;
}

// ---------------------------------------------------------------------------------------------
// What each implementation does per case, as a thunk for the timing loop.

function ourDecode(c) {
  const bytes = c.bytes;
  // Read both address strings: the comparison is "header with address strings", whatever
  // the decoder computes eagerly or on demand.
  if (c.expect.family === 'ipv4' || c.expect.family === 'ipv6') {
    return () => {
      const h = ours.decode(bytes).header;
      do_not_optimize(h.source.address);
      do_not_optimize(h.destination.address);
    };
  }
  return () => do_not_optimize(ours.decode(bytes));
}

function normalizeOurs(r) {
  const h = r.header;
  return { command: h.command, family: h.family, source: h.source, destination: h.destination, tlvTypes: h.tlvs.map((t) => t.type) };
}

function floorDecode(c) {
  const bytes = c.bytes;
  const fn = c.version === 1 ? floor.decodeV1 : floor.decodeV2;
  return () => do_not_optimize(fn(bytes));
}

function floorEncode(c) {
  const init = c.init;
  const crc = c.encodeOptions?.crc32c === true;
  return c.version === 1 ? () => do_not_optimize(floor.encodeV1(init)) : () => do_not_optimize(floor.encodeV2(init, crc));
}

const target = new Uint8Array(256);

function floorEncodeInto(c) {
  const init = c.init;
  const crc = c.encodeOptions?.crc32c === true;
  return c.version === 1
    ? () => do_not_optimize(floor.encodeV1Into(init, target, 0))
    : () => do_not_optimize(floor.encodeV2Into(init, target, 0, crc));
}

function ourEncode(c) {
  const init = c.init;
  const options = c.encodeOptions;
  return () => do_not_optimize(ours.encode(init, options));
}

function ourEncodeInto(c) {
  const init = c.init;
  const options = c.encodeOptions;
  return () => do_not_optimize(ours.encodeInto(init, target, 0, options));
}

/** The wire bytes our encoder must produce for a case (v1 TCP6 is canonicalised). */
function expectedEncoding(c) {
  if (c.id === 'v1-tcp6') {
    const e = c.expect;
    return Buffer.from(`PROXY TCP6 ${e.source.address} ${e.destination.address} ${e.source.port} ${e.destination.port}\r\n`, 'latin1');
  }
  return c.bytes;
}

function sameBytes(a, b) {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), b) === 0;
}

/** What our strict decoder makes of a peer's encoder output: '' if it is the case's header. */
function checkEncoded(c, bytes) {
  try {
    const r = ours.decode(bytes);
    if (r.status !== 'complete') return `decodes as ${r.status}`;
    if (r.length !== bytes.length) return 'length field wrong';
    return checkDecoded(c, normalizeOurs(r));
  } catch (error) {
    return error.code ?? error.message;
  }
}

const NOT_CANONICAL = 'IPv6 text returned as sent, not canonical (RFC 5952)';

/**
 * One row per (case, operation): `impls` maps an implementation name to `{fn, ok, note}`.
 * Correctness is checked here, once, outside any timing.
 */
export function suite({ withPeers = true } = {}) {
  const rows = [];
  for (const c of cases) {
    // decode
    const d = { case: c, op: 'decode', impls: {} };
    const ourResult = ours.decode(c.bytes);
    d.impls.ours = { fn: ourDecode(c), ok: checkDecoded(c, normalizeOurs(ourResult)) === '' };
    const fr = (c.version === 1 ? floor.decodeV1 : floor.decodeV2)(c.bytes);
    const ff = {};
    d.impls.floor = { fn: floorDecode(c), ok: fr !== null && checkDecoded(c, fr, ours.canonicalAddress, ff) === '' };
    if (ff.notCanonical) d.impls.floor.note = NOT_CANONICAL;
    if (withPeers) {
      for (const p of peers) {
        const a = p.decode?.[c.id];
        if (!a) continue;
        let why;
        const flags = {};
        try {
          why = checkDecoded(c, a.normalize(a.run(c.bytes)), ours.canonicalAddress, flags);
        } catch (error) {
          why = `throws: ${error.message}`;
        }
        const bytes = c.bytes;
        const run = a.run;
        const note = [a.note, flags.notCanonical ? NOT_CANONICAL : undefined].filter(Boolean).join('; ') || undefined;
        d.impls[p.short] = { fn: () => do_not_optimize(run(bytes)), ok: why === '', why, note };
      }
    }
    rows.push(d);

    // encode (allocating)
    const e = { case: c, op: 'encode', impls: {} };
    e.impls.ours = { fn: ourEncode(c), ok: sameBytes(ours.encode(c.init, c.encodeOptions), expectedEncoding(c)) };
    const fe = c.version === 1 ? floor.encodeV1(c.init) : floor.encodeV2(c.init, c.encodeOptions?.crc32c === true);
    e.impls.floor = { fn: floorEncode(c), ok: checkEncoded(c, fe) === '' };
    if (withPeers) {
      for (const p of peers) {
        const a = p.encode?.[c.id];
        if (!a) continue;
        const input = a.prepare(c);
        let why;
        try {
          why = checkEncoded(c, a.run(input));
        } catch (error) {
          why = `throws: ${error.message}`;
        }
        const run = a.run;
        e.impls[p.short] = { fn: () => do_not_optimize(run(input)), ok: why === '', why, note: a.note };
      }
    }
    rows.push(e);

    // encodeInto a caller's buffer
    const n = ours.encodeInto(c.init, target, 0, c.encodeOptions);
    const into = { case: c, op: 'encodeInto', impls: {} };
    into.impls.ours = { fn: ourEncodeInto(c), ok: sameBytes(target.subarray(0, n), expectedEncoding(c)) };
    const fn2 =
      c.version === 1 ? floor.encodeV1Into(c.init, target, 0) : floor.encodeV2Into(c.init, target, 0, c.encodeOptions?.crc32c === true);
    into.impls.floor = { fn: floorEncodeInto(c), ok: checkEncoded(c, target.slice(0, fn2)) === '' };
    rows.push(into);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Targets: limits on ours ÷ other (time ratios; below 1 means ours is faster).

/** Largest allowed ours÷floor, per operation. */
export const FLOOR_LIMIT = 1.3;

/** Largest allowed ours÷proxy-protocol-js decode time, per case. */
const DECODE_LIMITS = {
  'v1-tcp4': 0.5,
  'v1-tcp6': 1.3,
  'v1-tcp6-canonical': 1.05,
  'v2-tcp4': 0.67,
  'v2-tcp6': 1.0,
};

/** Largest allowed ours÷peer for a row, or undefined when there is no target. */
export function peerLimit(row, peer) {
  if (peer !== 'ppjs') return undefined;
  if (row.op === 'decode') {
    // IPv6: proxy-protocol-js neither validates nor canonicalises, and two flat strings cost
    // the same whoever builds them, so parity is the floor there.
    return DECODE_LIMITS[row.case.id];
  }
  if (row.op === 'encode') return 1;
  return undefined;
}

export const CRC_TARGET = 4;

// ---------------------------------------------------------------------------------------------
// Allocation check: bytes added to the heap during many calls, with no garbage collection in
// between (a run during which one happens is repeated), and the number of collections seen.

export async function allocation(fn, calls) {
  // Warm up first: until the function is optimised, the interpreter may box numbers.
  for (let i = 0; i < 100_000; i++) fn();
  let count = 0;
  const obs = new PerformanceObserver((list) => {
    count += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  let best = { gcs: Infinity, bytesPerCall: Infinity };
  for (let attempt = 0; attempt < 5 && best.gcs > 0; attempt++) {
    await new Promise((r) => setTimeout(r, 20));
    count = 0;
    const before = getHeapStatistics().used_heap_size;
    for (let i = 0; i < calls; i++) fn();
    const after = getHeapStatistics().used_heap_size;
    await new Promise((r) => setTimeout(r, 20)); // let the observer report
    const run = { gcs: count, bytesPerCall: Math.max(0, after - before) / calls };
    if (run.gcs < best.gcs || (run.gcs === best.gcs && run.bytesPerCall < best.bytesPerCall)) best = run;
  }
  obs.disconnect();
  return best;
}

// ---------------------------------------------------------------------------------------------
// CRC32C throughput

export function crcInputs() {
  const big = new Uint8Array(64 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  return [
    { label: '64 KiB', bytes: big },
    { label: '1 KiB', bytes: big.subarray(0, 1024) },
    { label: '128 B (header-sized)', bytes: big.subarray(0, 128) },
    { label: '64 B', bytes: big.subarray(0, 64) },
  ];
}

export function crcCheck() {
  const b = new TextEncoder().encode('123456789');
  return ours.crc32c(b) === 0xe3069283 && floor.crc32cByteLoop(b) === 0xe3069283;
}

export async function crcBench(cpuMs, rounds = 1) {
  const out = [];
  for (const input of crcInputs()) {
    const b = input.bytes;
    let oursNs = Infinity;
    let loopNs = Infinity;
    for (let r = 0; r < rounds; r++) {
      oursNs = Math.min(oursNs, await nsPerOp(() => do_not_optimize(ours.crc32c(b)), cpuMs / rounds));
      loopNs = Math.min(loopNs, await nsPerOp(() => do_not_optimize(floor.crc32cByteLoop(b)), cpuMs / rounds));
    }
    const mbs = (ns) => (b.length / ns) * 1e3; // bytes/ns → MB/s
    out.push({ label: input.label, size: b.length, oursMBs: mbs(oursNs), loopMBs: mbs(loopNs), speedup: loopNs / oursNs });
  }
  return out;
}
