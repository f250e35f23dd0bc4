/** Runs the built CLI (dist/cli.js, made by `npm test`'s pretest build) as a child process. */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/cli/${name}`, import.meta.url));

const children = new Set<ChildProcess>();

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command to completion (killed after `timeout` ms). */
export function run(args: string[], options: { input?: string | Uint8Array; timeout?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`proxyproto ${args.join(' ')} did not finish in time; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeout ?? 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input);
  });
}

/** A long-running command (listen, relay) with its output so far. */
export interface Server {
  child: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (already printed or to come). */
  waitFor(pattern: RegExp, timeout?: number): Promise<string>;
}

/** Starts a server command and waits for its "listening on HOST:PORT" line (stdout or stderr). */
export function start(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('close', () => children.delete(child));
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const poke = () => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    poke();
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    poke();
  });
  const waitFor = (pattern: RegExp, timeout = 8000, stream: () => string = () => out) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in time; stdout: ${out} stderr: ${err}`)), timeout);
      const check = () => {
        const line = stream()
          .split('\n')
          .find((l) => pattern.test(l));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve(line);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`exited with ${child.exitCode}; stdout: ${out} stderr: ${err}`));
        } else waiters.push(check);
      };
      check();
    });
  return waitFor(/listening on /, 8000, () => out + err).then((line) => {
    const port = Number(/:(\d+)(?=[,\s]|$)/.exec(line.slice('listening on '.length))?.[1]);
    return { child, port, stdout: () => out, stderr: () => err, waitFor: (p, t) => waitFor(p, t) };
  });
}

/** A loopback port nothing listens on (one that was just free): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Kills every child still running (call in afterEach). */
export async function killAll(): Promise<void> {
  const pending = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  );
  children.clear();
  await Promise.all(pending);
}
