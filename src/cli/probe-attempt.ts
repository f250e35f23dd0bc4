/**
 * One connection of `proxyproto probe`: connect, write one header variant (then TLS, then the
 * request), and watch what the server does with it.
 */
import net from 'node:net';
import tls from 'node:tls';
import { encode, type ProxyHeaderInit } from '../index.js';
import { oneLine } from './io.js';

/** The header variants a probe tries, in the order it reports them. */
export const VARIANTS = ['none', 'v1', 'v2', 'v2-crc32c', 'local'] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * What happened: `replied` (bytes came back, or a TLS handshake completed), `open` (still open
 * after the timeout, nothing received); `closed`, `reset`, `tls-failed`, `echoed` (the header came
 * back: the server does not read it), `bad-request` (set by the analysis: an HTTP 400 that the
 * connection without a header did not get), `silent` (set by the analysis: open and silent while
 * another connection got a banner); `refused` and `unreachable` (no connection at all).
 */
export type Outcome =
  | 'replied'
  | 'open'
  | 'closed'
  | 'reset'
  | 'tls-failed'
  | 'echoed'
  | 'bad-request'
  | 'silent'
  | 'refused'
  | 'unreachable';

export interface Attempt {
  variant: Variant;
  result: 'accepted' | 'rejected';
  outcome: Outcome;
  /** Bytes of PROXY header sent (0 for `none`). */
  headerBytes: number;
  /** Time to establish the TCP connection, in ms. */
  connectMs?: number;
  /** Time from the connection to the outcome, in ms. */
  ms: number;
  /** Bytes received from the server (after TLS decryption). */
  received: number;
  /** The first line of the reply, cut at 80 characters. */
  reply?: string;
  /** The status code, when the reply starts with an HTTP/1 status line. */
  httpStatus?: number;
  /** The negotiated TLS protocol version and ALPN. */
  tls?: { protocol: string | null; alpn: string | null };
  /** The socket or TLS error, one line. */
  error?: string;
}

export interface AttemptOptions {
  address: string;
  port: number;
  /** Speak TLS after the header. */
  tls: boolean;
  servername?: string | undefined;
  alpn?: readonly string[] | undefined;
  /** Sent after the header (and the handshake); nothing for a server-first protocol. */
  data: Uint8Array | undefined;
  timeout: number;
}

const ACCEPTED: ReadonlySet<Outcome> = new Set(['replied', 'open']);

/** The header a variant sends on `socket`, carrying the connection's own addresses (as `curl --haproxy-protocol`). */
function headerFor(variant: Variant, socket: net.Socket): Uint8Array {
  if (variant === 'none') return new Uint8Array(0);
  if (variant === 'local') return encode({ version: 2, command: 'local' });
  const init: ProxyHeaderInit = {
    version: variant === 'v1' ? 1 : 2,
    command: 'proxy',
    source: { address: socket.localAddress as string, port: socket.localPort as number },
    destination: { address: socket.remoteAddress as string, port: socket.remotePort as number },
  };
  return encode(init, { crc32c: variant === 'v2-crc32c' });
}

function firstLine(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  const end = text.search(/\r?\n/);
  const line = end < 0 ? text : text.slice(0, end);
  const printable = line.replace(/[^\x20-\x7e]/g, '.');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}

function startsWith(bytes: Buffer, prefix: Uint8Array): boolean {
  return (
    prefix.length > 0 &&
    bytes.length >= Math.min(prefix.length, 8) &&
    bytes.subarray(0, prefix.length).equals(prefix.subarray(0, bytes.length))
  );
}

/** Runs one variant; never rejects. */
export function attempt(variant: Variant, options: AttemptOptions): Promise<Attempt> {
  return new Promise((resolve) => {
    const started = performance.now();
    let connectedAt: number | undefined;
    let header: Uint8Array = new Uint8Array(0);
    let received = Buffer.alloc(0);
    let secure: tls.TLSSocket | undefined;
    let handshaken = false;
    let done = false;
    const raw = net.connect({ host: options.address, port: options.port });
    const since = () => Math.round(performance.now() - (connectedAt ?? started));

    const finish = (outcome: Outcome, error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const result: Attempt = {
        variant,
        result: ACCEPTED.has(outcome) ? 'accepted' : 'rejected',
        outcome,
        headerBytes: header.length,
        ms: since(),
        received: received.length,
      };
      if (connectedAt !== undefined) result.connectMs = Math.round(connectedAt - started);
      if (received.length > 0) {
        result.reply = firstLine(received);
        const status = /^HTTP\/1\.[01] (\d{3})\b/.exec(result.reply);
        if (status !== null) result.httpStatus = Number(status[1]);
      }
      if (secure !== undefined && handshaken) result.tls = { protocol: secure.getProtocol(), alpn: secure.alpnProtocol || null };
      if (error !== undefined) result.error = oneLine(error);
      secure?.destroy();
      raw.destroy();
      resolve(result);
    };

    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]).subarray(0, 4096);
      // A server that does not read the header sends it back (an echo) or answers it as data.
      finish(!handshaken && startsWith(received, header) ? 'echoed' : 'replied');
    };

    const timer = setTimeout(() => {
      if (connectedAt === undefined) finish('unreachable', new Error(`no connection after ${options.timeout} ms`));
      else if (secure !== undefined && !handshaken) finish('tls-failed', new Error(`TLS handshake not done after ${options.timeout} ms`));
      else finish(handshaken ? 'replied' : 'open');
    }, options.timeout);

    // The server ended the connection (cleanly, or with an error) before the timeout.
    const ended = (error?: NodeJS.ErrnoException) => {
      if (connectedAt === undefined) finish(error?.code === 'ECONNREFUSED' ? 'refused' : 'unreachable', error);
      else if (handshaken) finish('replied');
      else if (secure !== undefined) finish('tls-failed', error ?? new Error('closed during the TLS handshake'));
      else finish(error?.code === 'ECONNRESET' ? 'reset' : 'closed', error);
    };
    raw.on('error', ended);
    raw.once('connect', () => {
      connectedAt = performance.now();
      try {
        header = headerFor(variant, raw);
      } catch (error) {
        finish('closed', error);
        return;
      }
      if (header.length > 0) raw.write(header);
      if (!options.tls) {
        raw.on('data', onData);
        raw.on('end', () => ended());
        if (options.data !== undefined) raw.write(options.data);
        return;
      }
      const tlsOptions: tls.ConnectionOptions = { socket: raw, rejectUnauthorized: false };
      if (options.servername !== undefined) tlsOptions.servername = options.servername;
      if (options.alpn !== undefined) tlsOptions.ALPNProtocols = [...options.alpn];
      secure = tls.connect(tlsOptions);
      secure.on('error', ended);
      secure.once('secureConnect', () => {
        // The server answered the ClientHello: it took what came before it.
        handshaken = true;
        if (options.data === undefined) finish('replied');
        else secure?.write(options.data);
      });
      secure.on('data', onData);
      secure.on('end', () => ended());
      secure.on('close', () => ended());
    });
    raw.on('close', () => ended());
  });
}
