// Shared by the robustness suite: a crash guard, resource snapshots, polling, bounded concurrency,
// a seeded PRNG and a way to reach the garbage collector without a command-line flag.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/**
 * Fails the test in which anything escapes as an 'uncaughtException' or 'unhandledRejection'
 * (the process would otherwise have crashed, or vitest would report it after the fact).
 */
export function installCrashGuard(): void {
  const escaped: unknown[] = [];
  const onError = (error: unknown): void => {
    escaped.push(error);
  };
  beforeAll(() => {
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
  });
  afterEach(() => {
    const seen = escaped.splice(0);
    expect(seen.map((e) => (e instanceof Error ? (e.stack ?? e.message) : String(e)))).toEqual([]);
  });
  afterAll(() => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  });
}

/** Counts of the live handles and timers that a leak would leave behind. */
export interface Resources {
  TCPSocketWrap: number;
  TCPServerWrap: number;
  Timeout: number;
}

/** True when no kind of resource outnumbers `baseline` (timers of the test runner may have fired meanwhile). */
export function withinBaseline(baseline: Resources): boolean {
  const now = resources();
  return now.TCPSocketWrap <= baseline.TCPSocketWrap && now.TCPServerWrap <= baseline.TCPServerWrap && now.Timeout <= baseline.Timeout;
}

export function resources(): Resources {
  const out: Resources = { TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 0 };
  for (const kind of process.getActiveResourcesInfo()) if (kind in out) out[kind as keyof Resources]++;
  return out;
}

/** Polls `condition` every `every` ms until it holds; throws with `what` after `within` ms. */
export async function waitFor(condition: () => boolean, what: string | (() => string), within = 10_000, every = 10): Promise<void> {
  const deadline = Date.now() + within;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** Runs `task(0..count-1)` with at most `limit` in flight; resolves with the results in order. */
export async function pool<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(next: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (next() * 256) | 0;
  return out;
}

export function sha256(...parts: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
}

let gcFunction: (() => void) | undefined;
/** `global.gc` when the worker runs with --expose-gc, otherwise obtained through V8 flags. */
export function gc(): void {
  if (gcFunction === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

/** Heap and resident memory after a full collection, in bytes. */
export async function settledMemory(): Promise<{ heapUsed: number; rss: number; external: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, rss, external, arrayBuffers };
}

export const MiB = 1024 * 1024;

/** Listener counts of every event on `emitter`, for before/after comparisons. */
export function listenerCounts(emitter: NodeJS.EventEmitter): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of emitter.eventNames()) out[String(name)] = emitter.listenerCount(name);
  return out;
}

/** Listens on an ephemeral loopback port and returns it. */
export async function listen(server: net.Server): Promise<number> {
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

export async function closeServer(server: net.Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  await closed;
}

/** Opens a loopback connection; resolves once connected. Errors after that are ignored. */
export function connectTo(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/** Resolves with everything `socket` receives until it closes. */
export function receiveAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

/**
 * Resolves when `socket` closes, whatever error came first (a peer that drops a connection with
 * unread bytes sends a RST: ECONNRESET). Unlike `events.once(socket, 'close')`, never rejects.
 */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
