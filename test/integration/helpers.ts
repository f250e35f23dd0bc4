import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Listens on an ephemeral loopback port and returns it. */
export async function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** Closes a server, dropping whatever connections are still open. */
export async function closeServer(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections?.();
  await closed;
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

/** Opens a raw loopback connection. */
export async function rawConnect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  const socket = net.connect(port, host);
  await once(socket, 'connect');
  return socket;
}

/** Resolves with everything the socket receives until it closes. */
export function collect(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Splits `bytes` into `mode` pieces: whole, header|rest, or one byte at a time. */
export function split(bytes: Uint8Array, headerLength: number, mode: 'one' | 'two' | 'bytes'): Uint8Array[] {
  if (mode === 'one') return [bytes];
  if (mode === 'two') return [bytes.subarray(0, headerLength), bytes.subarray(headerLength)];
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

export function concat(...parts: (Uint8Array | string)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}
