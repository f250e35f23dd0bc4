/** Loopback servers and raw connections for the Node integration suites, and the waits they need. */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Listens on an ephemeral loopback port and returns it (a deep backlog, for the burst tests). */
export async function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  server.listen({ port: 0, host, backlog: 4096 });
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** Closes a server, dropping whatever HTTP connections are still open (a net.Server waits for its own). */
export async function closeServer(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections?.();
  await closed;
}

/**
 * Opens a raw loopback connection; resolves once connected. Errors after that are ignored: a peer
 * that drops a connection with unread bytes sends a RST (ECONNRESET), and the tests look at what
 * arrived and at 'close' instead.
 */
export function rawConnect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/** Resolves with everything the socket receives until it closes. */
export function collect(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

/** Resolves when `socket` closes, whatever error came first. Unlike `events.once(socket, 'close')`, never rejects. */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Writes `parts` on a raw connection with a short pause between them, so each is its own read. */
export async function writeParts(socket: net.Socket, parts: readonly Uint8Array[], gap = 15): Promise<void> {
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) await delay(gap);
    if (socket.destroyed) return;
    socket.write(parts[i] as Uint8Array);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every `every` ms until it holds; throws with `what` after `within` ms. */
export async function waitFor(condition: () => boolean, what: string | (() => string), within = 10_000, every = 10): Promise<void> {
  const deadline = Date.now() + within;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await delay(every);
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

/** A throwaway self-signed certificate for localhost, generated once per test file. */
export function makeCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproto-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
