/** `proxyproto relay`: a TCP relay that adds a PROXY header (like a load balancer) and/or strips one. */
import net from 'node:net';
import { encode } from '../index.js';
import { getProxyHeader, headerFromSocket } from '../node/index.js';
import { acceptHeaders } from './accept.js';
import { parse, parseHostPort, parseListen, parseMs, renamed, UsageError } from './args.js';
import { bind, unmapped, untilSignal } from './bind.js';
import { endpoint } from './format.js';
import { type Io, oneLine } from './io.js';

export const relayHelp = `Usage: proxyproto relay --listen [HOST:]PORT --to HOST:PORT [--send v1|v2] [--accept [--lenient]] [--header-timeout MS]

A TCP relay. With --send it prepends a PROXY header for each client, the way a
load balancer does, so an app behind it can be tested locally. With --accept it
reads and strips the header the client sends; with both, it forwards the
original client's addresses (a chain of proxies).

Options:
  --listen [HOST:]PORT   address to listen on: HOST:PORT, [IPv6]:PORT, or PORT
                         alone for every interface, IPv4 and IPv6 (as listen)
  --to HOST:PORT         where to connect for each client
  --send v1|v2           prepend a header of this version
  --crc32c               with --send v2: add a CRC32C TLV
  --accept               require (and strip) a header from each client
  --lenient              with --accept: a header is optional
  --header-timeout MS    with --accept: time a client has to send its header
                         (default 10000; 0 waits forever)
  --quiet, -q            do not log connections
  -h, --help             this help

Examples:
  # an app on :8080 that expects PROXY protocol, reached through :9000
  proxyproto relay --listen 9000 --to 127.0.0.1:8080 --send v2
  # strip the header before an app that does not speak it
  proxyproto relay --listen 9000 --to 127.0.0.1:8080 --accept
  # turn v2 from a load balancer into v1 for an older backend
  proxyproto relay --listen 0.0.0.0:9000 --to 127.0.0.1:8080 --accept --send v1
  proxyproto relay --listen [::1]:9000 --to 127.0.0.1:8080 --send v2`;

export async function relayCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    listen: { type: 'string' },
    to: { type: 'string' },
    send: { type: 'string' },
    crc32c: { type: 'boolean' },
    accept: { type: 'boolean' },
    lenient: { type: 'boolean' },
    'header-timeout': { type: 'string' },
    timeout: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(relayHelp);
    return 0;
  }
  renamed(values, 'timeout', 'header-timeout', 'the time a client has to send its header');
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.listen === undefined) throw new UsageError('missing --listen [HOST:]PORT');
  if (values.to === undefined) throw new UsageError('missing --to HOST:PORT');
  const listenOn = parseListen(values.listen, '--listen');
  const to = parseHostPort(values.to, '--to');
  const upstream = endpoint({ address: to.host, port: to.port });
  let version: 1 | 2 | undefined;
  if (values.send !== undefined) {
    if (values.send !== 'v1' && values.send !== 'v2' && values.send !== '1' && values.send !== '2') {
      throw new UsageError(`--send: expected v1 or v2, got '${values.send}'`);
    }
    version = values.send.endsWith('1') ? 1 : 2;
  }
  if (values.crc32c === true && version !== 2) throw new UsageError('--crc32c needs --send v2');
  if (values.lenient === true && values.accept !== true) throw new UsageError('--lenient needs --accept');
  if (version === undefined && values.accept !== true) throw new UsageError('give --send v1|v2, --accept, or both');
  if (values['header-timeout'] !== undefined && values.accept !== true) throw new UsageError('--header-timeout needs --accept');
  const headerTimeout = parseMs(values['header-timeout'], '--header-timeout', 10_000);
  const log = values.quiet === true ? () => {} : (line: string) => io.out(line);
  const open = new Set<net.Socket>();

  // Half-open: a client that half-closes still gets the rest of the upstream's answer.
  const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
    open.add(inbound);
    const from = endpoint({ address: unmapped(inbound.remoteAddress) ?? '?', port: inbound.remotePort ?? 0 });
    const received = getProxyHeader(inbound);
    let outbound: net.Socket;
    let note: string;
    try {
      if (version !== undefined) {
        // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; a load balancer reports them as IPv4.
        const addresses = {
          remoteAddress: unmapped(inbound.remoteAddress),
          remotePort: inbound.remotePort,
          localAddress: unmapped(inbound.localAddress),
          localPort: inbound.localPort,
        };
        const header = headerFromSocket(received === null ? addresses : inbound, { version });
        const bytes = encode(header, { crc32c: values.crc32c === true });
        // The header is the first write: it leaves as soon as the connection is up, before any data.
        outbound = net.connect({ host: to.host, port: to.port, allowHalfOpen: true });
        outbound.write(bytes);
        note = `sent v${version} ${header.command === 'local' || header.source == null ? 'UNKNOWN/UNSPEC' : `${endpoint(header.source)} -> ${endpoint(header.destination ?? null)}`} (${bytes.length} bytes)`;
      } else {
        outbound = net.connect({ host: to.host, port: to.port, allowHalfOpen: true });
        note = 'header stripped';
      }
    } catch (error) {
      log(`${from}: cannot relay: ${oneLine(error)}`);
      inbound.destroy();
      return;
    }
    open.add(outbound);
    const got =
      values.accept === true
        ? received === null
          ? ', received no header'
          : `, received v${received.version} ${received.source === null ? received.command.toUpperCase() : `${endpoint(received.source)} -> ${endpoint(received.destination)}`}`
        : '';
    log(`${from} -> ${upstream}${got}, ${note}`);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', (error) => {
      log(`${from}: upstream ${upstream}: ${oneLine(error)}`);
      inbound.destroy();
    });
    // pipe() forwards each end; a connection that fails takes the other one down.
    inbound.on('close', (hadError) => {
      open.delete(inbound);
      if (hadError) outbound.destroy();
    });
    outbound.on('close', (hadError) => {
      open.delete(outbound);
      if (hadError) inbound.destroy();
    });
  });

  const integration =
    values.accept === true ? acceptHeaders(server, values.lenient === true ? 'lenient' : 'strict', headerTimeout) : undefined;
  server.on('proxyError', (error: Error & { code?: string }, socket: net.Socket) => {
    log(
      `${endpoint({ address: unmapped(socket.remoteAddress) ?? '?', port: socket.remotePort ?? 0 })} rejected: ${error.code ?? 'error'}: ${error.message}`,
    );
    socket.destroy();
  });

  const where = await bind(server, listenOn.port, listenOn.host);
  // Signal handlers first: whoever waits for the "listening on" line may stop the server at once.
  const stopped = untilSignal(server, integration, open);
  const mode = [
    values.accept === true && `accept${values.lenient === true ? ' (lenient)' : ''}`,
    version !== undefined && `send v${version}`,
  ]
    .filter(Boolean)
    .join(', ');
  io.out(`listening on ${where}, relaying to ${upstream} (${mode})`);

  return stopped;
}
