/**
 * What the runtime suites share: find the Deno, Bun and workerd binaries that `.ci/run` installs
 * in .ci/runtimes (npm packages that ship them), run them with a time limit, start the recipe
 * servers and talk to them over loopback TCP. Missing binaries skip the suite locally and fail it
 * in CI, as the interop suites do.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { IN_CI } from '../interop/peers.js';
import type { SuiteReport } from './suite.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = `${ROOT}.ci/runtimes/node_modules/`;
const INSTALL_HINT = 'npm ci --prefix .ci/runtimes';

export const RUNTIMES = {
  deno: `${PACKAGES}@deno/linux-x64-glibc/deno`,
  bun: `${PACKAGES}@oven/bun-linux-x64/bin/bun`,
  workerd: `${PACKAGES}@cloudflare/workerd-linux-64/bin/workerd`,
} as const;
export type Runtime = keyof typeof RUNTIMES;

/** The pinned version of `runtime` (from .ci/runtimes/package.json), for messages. */
export function pinned(runtime: Runtime): string {
  const pkg = JSON.parse(readFileSync(`${ROOT}.ci/runtimes/package.json`, 'utf8')) as { dependencies: Record<string, string> };
  return Object.entries(pkg.dependencies).find(([name]) => RUNTIMES[runtime].includes(name))?.[1] ?? '?';
}

/** `describe` that needs `runtime` and the built dist/: skipped locally when missing, failing in CI. */
export function describeWithRuntime(runtime: Runtime, body: (binary: string) => void): void {
  const title = `${runtime} ${pinned(runtime)}`;
  const missing = [RUNTIMES[runtime], `${ROOT}dist/index.js`].filter((path) => !existsSync(path));
  if (missing.length > 0 && IN_CI) {
    describe(title, () => {
      test('has the runtime installed and dist/ built', () => {
        throw new Error(`runtimes: missing ${missing.join(', ')} in CI; install with: ${INSTALL_HINT}, build with npm run build`);
      });
    });
    return;
  }
  if (missing.length > 0) console.warn(`[runtimes] skipping ${title}: missing ${missing.join(', ')} (${INSTALL_HINT}; npm run build)`);
  describe.skipIf(missing.length > 0)(title, () => body(RUNTIMES[runtime]));
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Per-test limit for a runtime run: generous for a loaded CI machine, far above the 1 to 4 s it takes. */
export const RUN_TIMEOUT = 60_000;

/** Runs `binary` to its end, killed after `timeoutMs` (and when the file's tests end). */
export function runToEnd(
  binary: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      args,
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        timeout: options.timeoutMs ?? RUN_TIMEOUT - 5_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        running.delete(child);
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
      },
    );
    running.add(child);
  });
}

/** The report that test/runtimes/main.mjs or workerd-main.mjs printed. */
export function parseReport(output: string): SuiteReport {
  const line = output.split('\n').find((l) => l.includes('PROXYPROTO_REPORT '));
  if (line === undefined) throw new Error(`no report in the output:\n${output.slice(-2000)}`);
  return JSON.parse(line.slice(line.indexOf('PROXYPROTO_REPORT ') + 'PROXYPROTO_REPORT '.length)) as SuiteReport;
}

/** The same report computed in Node from the same dist/ (what every runtime must match). */
export async function nodeReport(): Promise<SuiteReport> {
  const core = await import(pathToFileURL(`${ROOT}dist/index.js`).href);
  const { report } = await import('./suite.mjs');
  const vectors = JSON.parse(readFileSync(`${ROOT}test/fixtures/vectors.json`, 'utf8'));
  return report(core, vectors);
}

export interface Server {
  port: number;
  output(): string;
  stop(): void;
}

/**
 * Starts a recipe server and waits (at most `timeoutMs`) until it listens: for its
 * `listening <port>` line, or, given `port` (workerd prints nothing), until that port accepts a
 * connection. Killed by `stop()`, and in any case when the file's tests end.
 */
export function startServer(
  binary: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; port?: number; timeoutMs?: number } = {},
): Promise<Server> {
  const child = spawn(binary, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  let done = false;
  const stop = (): void => {
    child.kill('SIGKILL');
    running.delete(child);
  };
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, port?: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error !== undefined) {
        stop();
        reject(error);
      } else resolve({ port: port as number, output: () => output, stop });
    };
    const timer = setTimeout(() => finish(new Error(`${binary} ${args.join(' ')} did not start:\n${output}`)), options.timeoutMs ?? 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const port = Number(/listening (\d+)/.exec(output)?.[1]);
      if (options.port === undefined && port > 0) finish(undefined, port);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => finish(new Error(`${binary} exited with ${code}:\n${output}`)));
    const port = options.port;
    if (port === undefined) return;
    const poll = (): void => {
      if (done) return;
      const probe = net.connect(port, '127.0.0.1', () => {
        probe.destroy();
        finish(undefined, port);
      });
      probe.on('error', () => setTimeout(poll, 50));
    };
    poll();
  });
}

/** Connects to 127.0.0.1:`port`, writes `bytes`, and returns everything received until the server closes (at most 10 s). */
export function exchange(port: number, bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const received: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', (error) =>
      (error as { code?: string }).code === 'ECONNRESET' ? resolve(Buffer.concat(received).toString()) : reject(error),
    );
    socket.on('close', () => resolve(Buffer.concat(received).toString()));
  });
}

/** A v1 header for the client 203.0.113.9:41000, then `rest`. */
export function withHeader(rest: string): Uint8Array {
  return Buffer.from(`PROXY TCP4 203.0.113.9 198.51.100.7 41000 443\r\n${rest}`, 'latin1');
}

/** The line recipes: a header then a line gets the header's client back; no header gets nothing (dropped, strict). */
export async function expectLineRecipe(port: number): Promise<void> {
  expect(await exchange(port, withHeader('ping\n'))).toBe('client 203.0.113.9:41000 said ping\n');
  expect(await exchange(port, Buffer.from('ping\n'))).toBe('');
}

/** The HTTP recipes: the client address from the header in the JSON body; no header, no response at all. */
export async function expectHttpRecipe(port: number): Promise<void> {
  const request = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
  const response = await exchange(port, withHeader(request));
  expect(response).toMatch(/^HTTP\/1\.1 200/);
  expect(response).toContain('"address":"203.0.113.9","port":41000');
  expect(await exchange(port, Buffer.from(request))).toBe('');
}

/** The suite's report from a runtime must be free of failures and equal Node's. */
export async function expectSameAsNode(report: SuiteReport): Promise<void> {
  expect(report.failures).toEqual([]);
  const node = await nodeReport();
  expect(node.failures).toEqual([]);
  expect(report.summary.vectors).toHaveLength(node.summary.vectors.length);
  expect(report.summary).toEqual(node.summary);
}
