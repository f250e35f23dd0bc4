/** `proxyproto listen`: an echo server that decodes each connection's PROXY header. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { ProxyHeader } from '../index.js';
import { getProxyHeader } from '../node/index.js';
import { acceptHeaders } from './accept.js';
import { parse, parseMs, parsePort, RuntimeError, renamed, UsageError } from './args.js';
import { bind, unmapped, untilSignal } from './bind.js';
import { CLIENT_HELLO_MAX_LENGTH, type ClientHello, parseClientHello } from './client-hello.js';
import { describeHeader, endpoint, headerJson, hex, showBytes } from './format.js';
import type { Io } from './io.js';

export const listenHelp = `Usage: proxyproto listen [--port N] [--host H] [--lenient] [--json] [--header-timeout MS]
                        [--tls --cert FILE --key FILE]

A debugging echo server for what a load balancer sends: for each connection it
prints the PROXY header (version, command, addresses, every TLV typed, CRC32C)
and a preview of the payload. HTTP requests get a small JSON answer describing
what was seen; other payloads are only logged. Runs until interrupted.

A TLS ClientHello after the header (TLS passed through by the gateway) is shown
as its SNI, ALPN and versions, and the connection closed; with --tls the
listener terminates TLS instead, shows the same, and answers the decrypted
request.

Options:
  --port N, -p N         port to listen on (default 8080; 0 picks a free one)
  --host H               address to bind (default: every interface, IPv4 and
                         IPv6 (::), or 0.0.0.0 where there is no IPv6)
  --lenient              also accept connections without a header (otherwise
                         they are rejected and logged)
  --json                 one JSON object per connection on stdout (bigints as
                         strings, bytes as hex); "listening on" goes to stderr
  --header-timeout MS    time a connection has to send its header (default
                         10000; 0 waits forever)
  --tls                  terminate TLS after the header, with --cert and --key
  --cert FILE            PEM certificate (chain) for --tls
  --key FILE             PEM private key for --tls
  -h, --help             this help

Examples:
  proxyproto listen --port 8080
  proxyproto listen --port 8080 --lenient --json | jq .header.source
  proxyproto listen --port 8443 --tls --cert cert.pem --key key.pem
  # in another terminal:
  proxyproto send 127.0.0.1:8080 --authority example.com --http /`;

const PREVIEW = 256;
const MAX_BUFFERED = 65_536;
const HTTP_START = /^[A-Z]{3,10} \S+ HTTP\/1\.[01]\r?\n/;

/** What a connection's TLS layer showed: the ClientHello seen, and the handshake's result. */
interface TlsInfo {
  hello?: ClientHello;
  /** Set when the listener terminated TLS. */
  protocol?: string | null;
  alpn?: string | null;
  error?: string;
}

interface Connection {
  id: number;
  socket: net.Socket;
  header: ProxyHeader | null;
  peer: { address: string | undefined; port: number | undefined };
}

export async function listenCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    lenient: { type: 'boolean' },
    json: { type: 'boolean' },
    'header-timeout': { type: 'string' },
    timeout: { type: 'string' },
    tls: { type: 'boolean' },
    cert: { type: 'string' },
    key: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(listenHelp);
    return 0;
  }
  renamed(values, 'timeout', 'header-timeout', 'the time a connection has to send its header');
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const port = values.port === undefined ? 8080 : parsePort(values.port, '--port');
  const headerTimeout = parseMs(values['header-timeout'], '--header-timeout', 10_000);
  if (values.tls === true && (values.cert === undefined || values.key === undefined))
    throw new UsageError('--tls needs --cert FILE and --key FILE');
  if (values.tls !== true && (values.cert !== undefined || values.key !== undefined)) throw new UsageError('--cert and --key need --tls');
  const secureContext = values.tls === true ? loadContext(values.cert as string, values.key as string) : undefined;
  const json = values.json === true;
  let count = 0;
  const open = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    const connection: Connection = {
      id: ++count,
      socket,
      header: getProxyHeader(socket),
      peer: { address: unmapped(socket.remoteAddress), port: socket.remotePort },
    };
    if (secureContext === undefined) serve(connection, socket, undefined, io, json);
    else terminate(connection, secureContext, io, json);
  });

  const integration = acceptHeaders(server, values.lenient === true ? 'lenient' : 'strict', headerTimeout);
  server.on('proxyError', (error: Error & { code?: string; offset?: number }, socket: net.Socket) => {
    const id = ++count;
    const address = unmapped(socket.remoteAddress);
    const from = endpoint(address === undefined ? null : { address, port: socket.remotePort ?? 0 });
    if (json) {
      io.out(
        JSON.stringify({
          connection: id,
          peer: { address, port: socket.remotePort },
          error: { code: error.code, message: error.message, offset: error.offset },
        }),
      );
    } else {
      io.out(
        `#${id} connection from ${from} rejected: ${error.code ?? 'error'}${error.offset === undefined ? '' : ` at offset ${error.offset}`}: ${error.message}`,
      );
    }
    socket.destroy();
  });

  const where = await bind(server, port, values.host);
  // Signal handlers first: whoever waits for the "listening on" line may stop the server at once.
  const stopped = untilSignal(server, integration, open);
  const modes = [values.lenient === true && 'lenient: header optional', secureContext !== undefined && 'TLS after the header'].filter(
    Boolean,
  );
  const line = `listening on ${where}${modes.length > 0 ? ` (${modes.join('; ')})` : ''}`;
  if (json) io.err(line);
  else io.out(line);

  return stopped;
}

function loadContext(certFile: string, keyFile: string): tls.SecureContext {
  const read = (file: string, flag: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new RuntimeError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const cert = read(certFile, '--cert');
  const key = read(keyFile, '--key');
  try {
    return tls.createSecureContext({ cert, key });
  } catch (error) {
    throw new RuntimeError(`--cert/--key: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * --tls: read the ClientHello (to show what the client offered, which the handshake does not
 * tell a server), hand the bytes back, and terminate TLS on the same socket.
 */
function terminate(connection: Connection, secureContext: tls.SecureContext, io: Io, json: boolean): void {
  const { socket } = connection;
  let buffered = Buffer.alloc(0);
  // A connection that sends nothing after its header (a health check) is still reported.
  const noHello = (error: string) => {
    clearTimeout(idle);
    socket.off('data', onData);
    socket.off('end', onEnd);
    report(connection, buffered, buffered.length, { error }, undefined, io, json);
    socket.destroy();
  };
  const idle = setTimeout(() => noHello('no ClientHello within 1000 ms'), 1000);
  const onEnd = () => noHello('the client closed before its ClientHello');
  socket.once('end', onEnd);
  socket.once('close', () => clearTimeout(idle));
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const result = parseClientHello(buffered);
    if (result.status === 'incomplete' && buffered.length < CLIENT_HELLO_MAX_LENGTH) return;
    clearTimeout(idle);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    socket.unshift(buffered);
    const info: TlsInfo = {};
    if (result.status === 'complete') info.hello = result.hello;
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
    secure.on('error', (error) => {
      info.error = (error as NodeJS.ErrnoException).code ?? error.message;
      // Before the handshake: report what was seen, as a plain connection would be.
      if (info.protocol === undefined) report(connection, buffered, buffered.length, info, undefined, io, json);
      secure.destroy();
    });
    secure.once('secure', () => {
      info.protocol = secure.getProtocol();
      info.alpn = secure.alpnProtocol || null;
      serve(connection, secure, info, io, json);
    });
  };
  socket.on('data', onData);
}

/** Reads the first message of `stream` (the socket, or the decrypted TLS stream), reports it, answers HTTP. */
function serve(connection: Connection, stream: net.Socket, info: TlsInfo | undefined, io: Io, json: boolean): void {
  const started = Date.now();
  let buffered = Buffer.alloc(0);
  let total = 0;
  let reported = false;
  let timer: NodeJS.Timeout | undefined;
  let tlsInfo = info;

  const done = (request?: HttpRequest) => {
    if (reported) return;
    reported = true;
    if (timer !== undefined) clearTimeout(timer);
    report(connection, buffered, total, tlsInfo, request, io, json);
  };

  stream.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (buffered.length < MAX_BUFFERED) buffered = Buffer.concat([buffered, chunk]);
    if (reported) return;
    const text = buffered.toString('latin1');
    if (HTTP_START.test(text)) {
      const end = text.indexOf('\r\n\r\n');
      if (end < 0 && buffered.length < MAX_BUFFERED) return; // wait for the rest of the request head
      const request = parseRequest(text.slice(0, end < 0 ? text.length : end));
      done(request);
      const body = `${JSON.stringify(answer(connection, request, tlsInfo), null, 2)}\n`;
      stream.end(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    // TLS passed through to a listener without --tls: show the ClientHello, then close (this
    // listener cannot answer it, and a client left waiting would only time out).
    if (tlsInfo === undefined) {
      const hello = parseClientHello(buffered);
      if (hello.status === 'incomplete' && buffered.length < CLIENT_HELLO_MAX_LENGTH) return;
      if (hello.status === 'complete') {
        tlsInfo = { hello: hello.hello };
        done();
        stream.destroy();
        return;
      }
    }
    // Not HTTP: wait a moment for more of the first message, then log.
    if (timer === undefined) timer = setTimeout(() => done(), 100);
  });
  // Nothing at all after the header: still report it.
  timer = setTimeout(() => done(), 1000);
  stream.on('end', () => {
    done();
    stream.end();
  });
  stream.on('close', () => {
    if (timer !== undefined) clearTimeout(timer);
    if (!json && reported && total > buffered.length) io.out(`#${connection.id} closed after ${total} bytes, ${Date.now() - started} ms`);
  });
  stream.on('error', () => stream.destroy());
}

function tlsLines(info: TlsInfo): string[] {
  const lines: string[] = [];
  const hello = info.hello;
  if (hello !== undefined) {
    const alpn = hello.alpn.length === 0 ? 'none' : hello.alpn.join(', ');
    lines.push(`  TLS         ClientHello: SNI ${hello.sni ?? '(none)'}, ALPN ${alpn}, versions ${hello.versions.join(', ')}`);
  }
  if (info.protocol !== undefined)
    lines.push(`  TLS         terminated: ${info.protocol ?? '?'}${info.alpn == null ? '' : `, ALPN ${info.alpn}`}`);
  else if (info.error !== undefined) lines.push(`  TLS         not terminated: ${info.error}`);
  else lines.push('  TLS         not terminated (start listen with --tls --cert FILE --key FILE to see the request)');
  return lines;
}

function tlsJson(info: TlsInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { terminated: info.protocol !== undefined };
  if (info.hello !== undefined) out.clientHello = info.hello;
  if (info.protocol !== undefined) out.protocol = info.protocol;
  if (info.alpn !== undefined) out.alpn = info.alpn;
  if (info.error !== undefined) out.error = info.error;
  return out;
}

function report(
  connection: Connection,
  buffered: Buffer,
  total: number,
  info: TlsInfo | undefined,
  request: HttpRequest | undefined,
  io: Io,
  json: boolean,
): void {
  const { id, header, peer } = connection;
  // A ClientHello that was not decrypted is described above, not dumped.
  const preview = buffered.subarray(0, PREVIEW);
  if (json) {
    const record: Record<string, unknown> = { connection: id, peer, header: header === null ? null : headerJson(header) };
    if (info !== undefined) record.tls = tlsJson(info);
    record.payload = { bytes: total, preview: hex(preview), text: preview.toString('latin1') };
    if (request !== undefined) record.http = { method: request.method, path: request.path, headers: request.headers };
    io.out(JSON.stringify(record));
    return;
  }
  io.out(`#${id} connection from ${endpoint(peer.address === undefined ? null : { address: peer.address, port: peer.port ?? 0 })}`);
  if (header === null) io.out('  no PROXY header (--lenient)');
  else for (const line of describeHeader(header)) io.out(line);
  if (info !== undefined) for (const line of tlsLines(info)) io.out(line);
  if (request !== undefined)
    io.out(`  HTTP ${request.method} ${request.path}${request.headers.host === undefined ? '' : ` (Host: ${request.headers.host})`}`);
  const encrypted = info?.hello !== undefined && info.protocol === undefined;
  const shown = buffered.length === 0 ? 'none yet' : encrypted ? `${total} bytes of TLS` : `${total} bytes: ${showBytes(preview, 120)}`;
  io.out(`  payload     ${shown}`);
}

interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

function parseRequest(head: string): HttpRequest {
  const [start = '', ...lines] = head.split(/\r?\n/);
  const [method = '', path = ''] = start.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, path, headers };
}

function answer(connection: Connection, request: HttpRequest, info: TlsInfo | undefined): Record<string, unknown> {
  const { header, peer } = connection;
  const out: Record<string, unknown> = {
    client: header?.source ?? peer,
    peer,
    proxied: header !== null && header.source !== null,
    header: header === null ? null : headerJson(header),
  };
  if (info !== undefined) out.tls = tlsJson(info);
  out.request = { method: request.method, path: request.path, headers: request.headers };
  return out;
}
