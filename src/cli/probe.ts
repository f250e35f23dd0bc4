/**
 * `proxyproto probe`: does a server require, accept or ignore the PROXY protocol? One connection
 * per header variant, the way gateway guides check a listener by hand with curl.
 */
import { lookup } from 'node:dns/promises';
import { parse, parseHostPort, parseMs, RuntimeError, UsageError } from './args.js';
import { endpoint } from './format.js';
import type { Io } from './io.js';
import { type Attempt, attempt, VARIANTS } from './probe-attempt.js';
import { type Attempts, analyse, unreachable, verdict } from './probe-verdict.js';
import { defaultServername, httpGet } from './request.js';

export const probeHelp = `Usage: proxyproto probe HOST:PORT [--tls] [--sni NAME] [--timeout MS] [--json] [--data STR | --no-data]

Opens one connection per header variant: none, v1, v2, v2 with a CRC32C TLV,
and a v2 LOCAL header (a health check). Each sends the header (carrying the
connection's own addresses, as curl --haproxy-protocol does), then a small
request: "GET / HTTP/1.1" with Host, --data STR for another protocol, or
nothing with --no-data (a server-first protocol: SMTP, MySQL, SSH…).

A variant is accepted when the server answers anything (or the connection is
still open when the timeout ends), rejected when it closes or resets the
connection without a byte. An HTTP 400 to a header the connection without one
did not get, or the header echoed back, is the server reading the header as
data: rejected. With --no-data, a connection left silent while another one got
a banner is rejected too. The last line is the verdict.

Exit status 0 whenever the probe ran, whatever it found; 1 when it could not
(the name does not resolve, every connection refused or timed out).

Options:
  --tls                  TLS after the header (certificate not verified: the
                         probe checks the PROXY protocol, not the certificate);
                         a failed handshake is a rejection
  --sni NAME             TLS server name (default: HOST when it is a name)
  --timeout MS           how long to wait for an answer (default 2000)
  --data STR             send STR after the header instead of the HTTP request
  --no-data              send nothing after the header: wait for a banner
  --json                 one JSON object: none, v1, v2, v2-crc32c, local →
                         "accepted" | "rejected", details, verdict
  -h, --help             this help

Examples:
  proxyproto probe 127.0.0.1:8080
  proxyproto probe gateway.example.com:443 --tls --sni app.example.com
  proxyproto probe 10.0.0.5:25 --no-data --timeout 1000
  proxyproto probe 127.0.0.1:6379 --data $'PING\\r\\n' --json`;

export async function probeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    tls: { type: 'boolean' },
    sni: { type: 'string' },
    timeout: { type: 'string' },
    data: { type: 'string' },
    'no-data': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(probeHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('missing HOST:PORT');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const target = parseHostPort(positionals[0] as string, 'HOST:PORT');
  if (target.port === 0) throw new UsageError('HOST:PORT: port 0 cannot be connected to');
  const timeout = parseMs(values.timeout, '--timeout', 2000);
  // Every connection is judged when the timeout ends: 0 would judge them before they connect.
  if (timeout === 0) throw new UsageError('--timeout must be at least 1 ms (each connection waits that long for an answer)');
  if (values.data !== undefined && values['no-data'] === true) throw new UsageError('--data and --no-data are mutually exclusive');
  if (values.sni !== undefined && values.tls !== true) throw new UsageError('--sni needs --tls');
  const useTls = values.tls === true;
  const servername = values.sni ?? defaultServername(target.host);

  let request: string | undefined;
  let what: string;
  if (values['no-data'] === true) {
    what = 'nothing after the header';
  } else if (values.data !== undefined) {
    request = values.data;
    what = `${Buffer.byteLength(request)} bytes of --data after the header`;
  } else {
    request = httpGet('/', servername ?? target.host, target.port, useTls);
    what = 'HTTP GET / after the header';
  }

  let address: string;
  try {
    address = (await lookup(target.host)).address;
  } catch (error) {
    throw new RuntimeError(`cannot resolve ${target.host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const runs = await Promise.all(
    VARIANTS.map((variant) =>
      attempt(variant, {
        address,
        port: target.port,
        tls: useTls,
        servername,
        alpn: useTls && values.data === undefined && values['no-data'] !== true ? ['http/1.1'] : undefined,
        data: request === undefined ? undefined : Buffer.from(request, 'latin1'),
        timeout,
      }),
    ),
  );
  const attempts = Object.fromEntries(runs.map((a) => [a.variant, a])) as Attempts;
  const shown = endpoint({ address: target.host, port: target.port });
  if (unreachable(attempts)) {
    throw new RuntimeError(
      `cannot connect to ${shown}${address === target.host ? '' : ` (${address})`}: ${attempts.none.error ?? attempts.none.outcome}`,
    );
  }
  analyse(attempts, request !== undefined);
  const line = verdict(attempts);

  if (values.json === true) {
    const out: Record<string, unknown> = { target: shown, address, port: target.port, tls: useTls };
    for (const variant of VARIANTS) out[variant] = attempts[variant].result;
    out.details = Object.fromEntries(VARIANTS.map((v) => [v, details(attempts[v])]));
    out.verdict = line;
    io.out(JSON.stringify(out));
    return 0;
  }
  io.out(`probe ${shown}${address === target.host ? '' : ` (${address})`}${useTls ? ' over TLS' : ''}: ${what}, ${timeout} ms timeout`);
  for (const variant of VARIANTS) {
    const a = attempts[variant];
    io.out(`  ${variant.padEnd(10)} ${a.result.padEnd(9)} ${describe(a, timeout)}`);
  }
  io.out(line);
  return 0;
}

function details(a: Attempt): Record<string, unknown> {
  const { variant: _variant, result: _result, ...rest } = a;
  return rest;
}

/** One line for one variant: what happened, when, and what came back. */
function describe(a: Attempt, timeout: number): string {
  const tls = a.tls === undefined ? '' : `, ${a.tls.protocol ?? 'TLS'}${a.tls.alpn === null ? '' : ` ALPN ${a.tls.alpn}`}`;
  const reply = a.reply === undefined ? '' : `: ${JSON.stringify(a.reply)}`;
  const error = a.error === undefined ? '' : ` (${a.error})`;
  switch (a.outcome) {
    case 'replied':
      return a.received > 0 ? `replied after ${a.ms} ms${tls}${reply}` : `TLS handshake done after ${a.ms} ms${tls}`;
    case 'open':
      return `still open after ${timeout} ms, nothing received`;
    case 'silent':
      return `no banner in ${timeout} ms while another connection got one`;
    case 'closed':
      return `closed after ${a.ms} ms, nothing received${error}`;
    case 'reset':
      return `reset after ${a.ms} ms, nothing received`;
    case 'tls-failed':
      return `TLS handshake failed after ${a.ms} ms${error}`;
    case 'echoed':
      return `the header came back after ${a.ms} ms (the server echoes it, it does not read it)`;
    case 'bad-request':
      return `HTTP ${a.httpStatus} after ${a.ms} ms (the header was read as part of the request)${reply}`;
    case 'refused':
      return `connection refused${error}`;
    case 'unreachable':
      return `no connection${error}`;
  }
}
