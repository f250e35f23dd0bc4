/**
 * The health of the test process: a guard that fails the test in which anything escapes, counts
 * of live handles and listeners that a leak would leave behind, and memory after a full collection.
 */
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

export function resources(): Resources {
  const out: Resources = { TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 0 };
  for (const kind of process.getActiveResourcesInfo()) if (kind in out) out[kind as keyof Resources]++;
  return out;
}

/** True when no kind of resource outnumbers `baseline` (timers of the test runner may have fired meanwhile). */
export function withinBaseline(baseline: Resources): boolean {
  const now = resources();
  return now.TCPSocketWrap <= baseline.TCPSocketWrap && now.TCPServerWrap <= baseline.TCPServerWrap && now.Timeout <= baseline.Timeout;
}

/** Listener counts of every event on `emitter`, for before/after comparisons. */
export function listenerCounts(emitter: NodeJS.EventEmitter): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of emitter.eventNames()) out[String(name)] = emitter.listenerCount(name);
  return out;
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

export const MiB = 1024 * 1024;

/** Heap and resident memory after a full collection, in bytes. */
export async function settledMemory(): Promise<{ heapUsed: number; rss: number; external: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, rss, external, arrayBuffers };
}
