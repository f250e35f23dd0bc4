/** `proxyproto listen`: an echo server that decodes each connection's PROXY header. */
import net from 'node:net';
import type { ProxyHeader } from '../index.js';
import { acceptProxyProtocol, getProxyHeader } from '../node/index.js';
import { parse, parsePort, RuntimeError, UsageError } from './args.js';
import { describeHeader, endpoint, headerJson, hex, showBytes } from './format.js';
import { type Io, oneLine } from './io.js';

export const listenHelp = `Usage: proxyproto listen [--port N] [--host H] [--lenient] [--json] [--timeout MS]

A debugging echo server for what a load balancer sends: for each connection it
prints the PROXY header (version, command, addresses, every TLV typed, CRC32C)
and a preview of the payload. HTTP requests get a small JSON answer describing
what was seen; other payloads are only logged. Runs until interrupted.

Options:
  --port N, -p N         port to listen on (default 8080; 0 picks a free one)
  --host H               address to bind (default 0.0.0.0; :: for IPv6)
  --lenient              also accept connections without a header (otherwise
                         they are rejected and logged)
  --json                 one JSON object per connection on stdout (bigints as
                         strings, bytes as hex); "listening on" goes to stderr
  --timeout MS           time a connection has to send its header (default 10000)
  -h, --help             this help

Examples:
  proxyproto listen --port 8080
  proxyproto listen --port 8080 --lenient --json | jq .header.source
  # in another terminal:
  proxyproto send 127.0.0.1:8080 --authority example.com --http /`;

const PREVIEW = 256;
const HTTP_START = /^[A-Z]{3,10} \S+ HTTP\/1\.[01]\r?\n/;

export async function listenCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    lenient: { type: 'boolean' },
    json: { type: 'boolean' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(listenHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const port = values.port === undefined ? 8080 : parsePort(values.port, '--port');
  const host = values.host ?? '0.0.0.0';
  const headerTimeout = values.timeout === undefined ? 10_000 : Number(values.timeout);
  if (!Number.isInteger(headerTimeout) || headerTimeout < 0)
    throw new UsageError(`--timeout: '${values.timeout}' is not a number of milliseconds`);
  const json = values.json === true;
  let count = 0;
  const open = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    const id = ++count;
    const started = Date.now();
    open.add(socket);
    const header = getProxyHeader(socket);
    const peer = endpoint(socket.remoteAddress === undefined ? null : { address: socket.remoteAddress, port: socket.remotePort ?? 0 });
    let buffered = Buffer.alloc(0);
    let total = 0;
    let reported = false;
    let timer: NodeJS.Timeout | undefined;

    const report = (request?: HttpRequest) => {
      if (reported) return;
      reported = true;
      if (timer !== undefined) clearTimeout(timer);
      const preview = buffered.subarray(0, PREVIEW);
      if (json) {
        const record: Record<string, unknown> = {
          connection: id,
          peer: { address: socket.remoteAddress, port: socket.remotePort },
          header: header === null ? null : headerJson(header),
        };
        record.payload = { bytes: buffered.length, preview: hex(preview), text: preview.toString('latin1') };
        if (request !== undefined) record.http = { method: request.method, path: request.path, headers: request.headers };
        io.out(JSON.stringify(record));
        return;
      }
      io.out(`#${id} connection from ${peer}`);
      if (header === null) io.out('  no PROXY header (--lenient)');
      else for (const line of describeHeader(header)) io.out(line);
      if (request !== undefined)
        io.out(`  HTTP ${request.method} ${request.path}${request.headers.host === undefined ? '' : ` (Host: ${request.headers.host})`}`);
      io.out(`  payload     ${buffered.length === 0 ? 'none yet' : `${buffered.length} bytes: ${showBytes(preview, 120)}`}`);
    };

    socket.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (buffered.length < 65_536) buffered = Buffer.concat([buffered, chunk]);
      if (reported) return;
      const text = buffered.toString('latin1');
      if (HTTP_START.test(text)) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0 && buffered.length < 65_536) return; // wait for the rest of the request head
        const request = parseRequest(text.slice(0, end < 0 ? text.length : end));
        report(request);
        const body = `${JSON.stringify(answer(header, socket, request), null, 2)}\n`;
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
        return;
      }
      // Not HTTP: wait a moment for more of the first message, then log.
      if (timer === undefined) timer = setTimeout(() => report(), 100);
    });
    // Nothing at all after the header: still report it.
    timer = setTimeout(() => report(), 1000);
    socket.on('end', () => {
      report();
      socket.end();
    });
    socket.on('close', () => {
      open.delete(socket);
      if (timer !== undefined) clearTimeout(timer);
      if (!json && reported && total > buffered.length) io.out(`#${id} closed after ${total} bytes, ${Date.now() - started} ms`);
    });
    socket.on('error', () => socket.destroy());
  });

  const integration = acceptProxyProtocol(server, { mode: values.lenient === true ? 'lenient' : 'strict', headerTimeout });
  server.on('proxyError', (error: Error & { code?: string; offset?: number }, socket: net.Socket) => {
    const id = ++count;
    const from = endpoint(socket.remoteAddress === undefined ? null : { address: socket.remoteAddress, port: socket.remotePort ?? 0 });
    if (json) {
      io.out(
        JSON.stringify({
          connection: id,
          peer: { address: socket.remoteAddress, port: socket.remotePort },
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new RuntimeError(`cannot listen on ${host}:${port}: ${oneLine(error)}`)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  const line = `listening on ${endpoint({ address: address.address, port: address.port })}${values.lenient === true ? ' (lenient: header optional)' : ''}`;
  if (json) io.err(line);
  else io.out(line);

  return new Promise<number>((resolve) => {
    const stop = () => {
      integration.close();
      server.close(() => resolve(0));
      for (const socket of open) socket.destroy();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
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

function answer(header: ProxyHeader | null, socket: net.Socket, request: HttpRequest): Record<string, unknown> {
  const client = header?.source ?? { address: socket.remoteAddress, port: socket.remotePort };
  return {
    client,
    peer: { address: socket.remoteAddress, port: socket.remotePort },
    proxied: header !== null && header.source !== null,
    header: header === null ? null : headerJson(header),
    request: { method: request.method, path: request.path, headers: request.headers },
  };
}
