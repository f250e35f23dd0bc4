/** `proxyproto probe` (the built CLI) against loopback servers of every kind it has to tell apart. */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { acceptProxyProtocol } from '../../src/node/index.js';
import { makeCert } from '../support/sockets.js';
import { closedPort, killAll, run } from './helpers.js';

afterEach(killAll);

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the CLI, read field by field in assertions
type Json = Record<string, any>;

const servers = new Set<net.Server>();
afterEach(async () => {
  await Promise.all([...servers].map((s) => new Promise((resolve) => s.close(resolve))));
  servers.clear();
});

/** Starts `server` on a free loopback port; sockets are destroyed when they close on our side. */
async function serve(server: net.Server): Promise<number> {
  servers.add(server);
  server.on('connection', (socket: net.Socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';

/** A TCP server that answers any first bytes with a 200, behind acceptProxyProtocol in `mode`. */
function proxied(mode: 'strict' | 'lenient'): net.Server {
  const server = net.createServer((socket) => socket.once('data', () => socket.end(OK)));
  acceptProxyProtocol(server, { mode });
  server.on('proxyError', (_error: Error, socket: net.Socket) => socket.destroy());
  return server;
}

async function probe(args: string[]): Promise<{ code: number | null; json: Json; stderr: string }> {
  const { code, stdout, stderr } = await run(['probe', ...args, '--timeout', '300', '--json']);
  return { code, json: stdout === '' ? {} : JSON.parse(stdout), stderr };
}

const results = (json: Json) => ({ none: json.none, v1: json.v1, v2: json.v2, 'v2-crc32c': json['v2-crc32c'], local: json.local });

describe('probe', () => {
  test('a strict server: no header rejected, v1, v2, CRC32C and LOCAL accepted', async () => {
    const port = await serve(proxied('strict'));
    const { code, json } = await probe([`127.0.0.1:${port}`]);
    expect(code).toBe(0);
    expect(results(json)).toEqual({ none: 'rejected', v1: 'accepted', v2: 'accepted', 'v2-crc32c': 'accepted', local: 'accepted' });
    expect(json.details.none).toMatchObject({ outcome: expect.stringMatching(/^(closed|reset)$/), received: 0, headerBytes: 0 });
    expect(json.details.v1).toMatchObject({
      outcome: 'replied',
      reply: 'HTTP/1.1 200 OK',
      httpStatus: 200,
      headerBytes: expect.any(Number),
    });
    expect(json.details.v2.ms).toEqual(expect.any(Number));
    expect(json.verdict).toBe('requires a PROXY header: v1 and v2 accepted; LOCAL accepted');

    const text = await run(['probe', `127.0.0.1:${port}`, '--timeout', '300']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}none {7}rejected {2}(closed|reset) after \d+ ms, nothing received$/m);
    expect(text.stdout).toMatch(/^ {2}v2-crc32c {2}accepted {2}replied after \d+ ms: "HTTP\/1\.1 200 OK"$/m);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('requires a PROXY header: v1 and v2 accepted; LOCAL accepted');
  });

  test('a lenient server: everything accepted', async () => {
    const port = await serve(proxied('lenient'));
    const { code, json } = await probe([`127.0.0.1:${port}`]);
    expect(code).toBe(0);
    expect(Object.values(results(json))).toEqual(Array(5).fill('accepted'));
    expect(json.verdict).toBe('accepts connections with and without a header');
  });

  test('a plain HTTP server that does not speak the protocol: the headers get 400s', async () => {
    const port = await serve(http.createServer((_req, res) => res.end('ok')));
    const { code, json } = await probe([`127.0.0.1:${port}`]);
    expect(code).toBe(0);
    expect(results(json)).toEqual({ none: 'accepted', v1: 'rejected', v2: 'rejected', 'v2-crc32c': 'rejected', local: 'rejected' });
    expect(json.details.v1).toMatchObject({ outcome: 'bad-request', httpStatus: 400 });
    expect(json.verdict).toMatch(/^does not speak the PROXY protocol/);
  });

  test('an echo server: the header coming back is a rejection', async () => {
    const port = await serve(net.createServer((socket) => socket.pipe(socket)));
    const { json } = await probe([`127.0.0.1:${port}`, '--data', 'ping\n']);
    expect(results(json)).toEqual({ none: 'accepted', v1: 'rejected', v2: 'rejected', 'v2-crc32c': 'rejected', local: 'rejected' });
    expect(json.details.v2.outcome).toBe('echoed');
    expect(json.details.none.reply).toBe('ping');
  });

  test('--tls: the handshake after the header; a failed handshake is a rejection', async () => {
    const { key, cert } = makeCert();
    let sni: string | false | null | undefined;
    const server = tls.createServer({ key, cert, ALPNProtocols: ['http/1.1'] }, (socket) => {
      sni = socket.servername;
      socket.once('data', () => socket.end(OK));
    });
    acceptProxyProtocol(server);
    server.on('proxyError', (_error: Error, socket: net.Socket) => socket.destroy());
    server.on('tlsClientError', () => {});
    const port = await serve(server);
    const { code, json } = await probe([`127.0.0.1:${port}`, '--tls', '--sni', 'app.example']);
    expect(code).toBe(0);
    expect(results(json)).toEqual({ none: 'rejected', v1: 'accepted', v2: 'accepted', 'v2-crc32c': 'accepted', local: 'accepted' });
    expect(json.details.none.outcome).toBe('tls-failed');
    expect(json.details.v2).toMatchObject({
      reply: 'HTTP/1.1 200 OK',
      tls: { protocol: expect.stringMatching(/^TLSv1\.[23]$/), alpn: 'http/1.1' },
    });
    expect(sni).toBe('app.example');
    // The same server probed without --tls: every variant's request is not a ClientHello.
    const plain = await probe([`127.0.0.1:${port}`]);
    expect(plain.json.none).toBe('rejected');
    // And --tls against a port that is not TLS: every handshake fails, and the verdict says so.
    const notTls = await serve(proxied('strict'));
    const wrong = await probe([`127.0.0.1:${notTls}`, '--tls']);
    expect(wrong.code).toBe(0);
    expect(Object.values(wrong.json.details).map((d) => (d as Json).outcome)).toEqual(Array(5).fill('tls-failed'));
    expect(wrong.json.verdict).toBe(
      'rejects every connection, with or without a PROXY header (every TLS handshake failed: is the port TLS?)',
    );
  });

  test('a server-first (banner) protocol with --no-data: silence without a header, a banner with one', async () => {
    const banner = (mode: 'strict' | 'lenient') => {
      const server = net.createServer((socket) => socket.write('220 ready\r\n'));
      acceptProxyProtocol(server, { mode });
      server.on('proxyError', (_error: Error, socket: net.Socket) => socket.destroy());
      return server;
    };
    const strict = await serve(banner('strict'));
    const { code, json } = await probe([`127.0.0.1:${strict}`, '--no-data']);
    expect(code).toBe(0);
    expect(results(json)).toEqual({ none: 'rejected', v1: 'accepted', v2: 'accepted', 'v2-crc32c': 'accepted', local: 'accepted' });
    expect(json.details.none.outcome).toBe('silent');
    expect(json.details.v1.reply).toBe('220 ready');
    expect(json.verdict).toBe('requires a PROXY header: v1 and v2 accepted; LOCAL accepted');
    // A lenient server cannot tell "no header" before the client's first bytes: it holds its
    // banner back (until its header timeout), which the probe reports as it is.
    const lenient = await serve(banner('lenient'));
    expect((await probe([`127.0.0.1:${lenient}`, '--no-data'])).json.details.none.outcome).toBe('silent');
  });

  test('exit 1 only when the probe cannot run: refused, unresolvable', async () => {
    const port = await closedPort();
    const refused = await run(['probe', `127.0.0.1:${port}`, '--timeout', '300']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`proxyproto probe: cannot connect to 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    const dns = await run(['probe', 'no-such-host.invalid:80', '--timeout', '300']);
    expect(dns.code).toBe(1);
    expect(dns.stderr).toMatch(/^proxyproto probe: cannot resolve no-such-host\.invalid: (ENOTFOUND|EAI_AGAIN)\n$/);
  });

  test('usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['probe'], /missing HOST:PORT/],
      [['probe', '127.0.0.1:1', '--timeout', '-1'], /--timeout must be a whole number of milliseconds ≥ 0/],
      [['probe', '127.0.0.1:1', '--timeout', '1.5'], /--timeout must be a whole number of milliseconds ≥ 0/],
      [['probe', '127.0.0.1:1', '--timeout', '0'], /--timeout must be at least 1 ms/],
      [['probe', '127.0.0.1:1', '--sni', 'x'], /--sni needs --tls/],
      [['probe', '127.0.0.1:1', '--data', 'x', '--no-data'], /mutually exclusive/],
      [['probe', '::1:80'], /ambiguous: write an IPv6 address with its port in brackets, \[::1\]:80/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await run(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toMatch(message);
    }
  });
});
