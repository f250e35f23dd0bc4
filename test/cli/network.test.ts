/** The built CLI on loopback: listen + send, relay chains, TLS after the header. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { acceptProxyProtocol, getProxyHeader } from '../../src/node/index.js';
import { hasIPv6Loopback } from '../interop/peers.js';
import { makeCert } from '../support/sockets.js';
import { closedPort, killAll, run, start } from './helpers.js';

afterEach(killAll);

/** The JSON records `listen --json` printed so far. */
// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the CLI, read field by field in assertions
type Json = Record<string, any>;

function records(stdout: string): Json[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** An HTTP GET without a PROXY header (a client of a relay), read until the server closes. */
function plainGet(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = net.connect(port, host, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: app\r\n\r\n`));
    socket.setEncoding('utf8').on('data', (s: string) => (data += s));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

/** The HTTP body of a response printed by `send --http`. */
function body(response: string): Json {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

describe('listen + send', () => {
  test('v2 with TLVs and CRC32C; HTTP answered with JSON; --json record', async () => {
    const server = await start(['listen', '--port', '0', '--host', '127.0.0.1', '--json']);
    const sent = await run([
      'send',
      `127.0.0.1:${server.port}`,
      '--src',
      '203.0.113.7:40000',
      '--dst',
      '10.0.0.1:443',
      '--authority',
      'example.com',
      '--alpn',
      'h2',
      '--unique-id',
      'req-1',
      '--tlv',
      '0xf0=cafe',
      '--crc32c',
      '--http',
      '/hello',
    ]);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain('* sent v2 header');
    expect(sent.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const answer = body(sent.stdout);
    expect(answer.client).toEqual({ address: '203.0.113.7', port: 40000 });
    expect(answer.request).toMatchObject({ method: 'GET', path: '/hello' });
    expect(answer.header.typed).toMatchObject({ alpn: 'h2', authority: 'example.com', uniqueId: 'req-1' });

    await server.waitFor(/^\{/);
    const [record] = records(server.stdout());
    expect(record?.header).toMatchObject({
      version: 2,
      command: 'proxy',
      family: 'ipv4',
      source: { address: '203.0.113.7', port: 40000 },
      destination: { address: '10.0.0.1', port: 443 },
      crc32c: { verified: true },
    });
    expect(record?.header.tlvs.map((t: { name: string }) => t.name)).toEqual(['CRC32C', 'ALPN', 'AUTHORITY', 'UNIQUE_ID', 'experimental']);
    expect(record?.header.tlvs[4]).toEqual({ type: 0xf0, name: 'experimental', length: 2, value: 'cafe' });
    expect(record?.http).toMatchObject({ method: 'GET', path: '/hello' });
  });

  test('v1 with the local socket addresses by default; a non-HTTP payload is logged', async () => {
    const server = await start(['listen', '--port', '0', '--host', '127.0.0.1']);
    const sent = await run(['send', `127.0.0.1:${server.port}`, '--v1', '--data', 'hello there']);
    expect(sent.code).toBe(0);
    const match = /sent v1 header \(\d+ bytes\): PROXY 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:(\d+)/.exec(sent.stderr);
    expect(match?.[2]).toBe(String(server.port));
    await server.waitFor(/payload +11 bytes: "hello there"/);
    expect(server.stdout()).toContain('version 1, command PROXY, family ipv4, transport stream');
    expect(server.stdout()).toContain(`source      127.0.0.1:${match?.[1]}`);
  });

  test('LOCAL, and a connection without a header rejected in strict mode', async () => {
    const server = await start(['listen', '--port', '0', '--host', '127.0.0.1']);
    const sent = await run(['send', `127.0.0.1:${server.port}`, '--local', '--http', '/']);
    expect(body(sent.stdout)).toMatchObject({ proxied: false, header: { command: 'local', source: null } });
    const plain = net.connect(server.port, '127.0.0.1', () => plain.end('GET / HTTP/1.1\r\n\r\n'));
    plain.on('error', () => {});
    await server.waitFor(/rejected: ERR_PROXY_HEADER_MISSING/);
  });

  test('--lenient serves a connection without a header', async () => {
    const server = await start(['listen', '--port', '0', '--host', '127.0.0.1', '--lenient', '--json']);
    const response = await plainGet('127.0.0.1', server.port, '/plain');
    expect(body(response)).toMatchObject({ proxied: false, header: null, request: { path: '/plain' } });
    await server.waitFor(/^\{/);
    expect(records(server.stdout())[0]).toMatchObject({ header: null, http: { path: '/plain' } });
  });

  test('--tls sends the header before the ClientHello', async () => {
    const { key, cert } = makeCert();
    const tlsServer = tls.createServer({ key, cert }, (socket) => {
      const header = getProxyHeader(socket);
      socket.end(`${JSON.stringify(header?.source)} ${socket.getProtocol()}\n`);
    });
    acceptProxyProtocol(tlsServer);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      const port = (tlsServer.address() as net.AddressInfo).port;
      const refused = await run(['send', `127.0.0.1:${port}`, '--tls', '--data', 'x']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/self-signed certificate.*use --insecure/);
      const sent = await run([
        'send',
        `127.0.0.1:${port}`,
        '--tls',
        '--insecure',
        '--src',
        '198.51.100.9:1234',
        '--dst',
        '10.0.0.1:443',
        '--data',
        'x',
      ]);
      expect(sent.code).toBe(0);
      expect(sent.stdout).toMatch(/^\{"address":"198\.51\.100\.9","port":1234\} TLSv1\.[23]\n$/);
    } finally {
      tlsServer.close();
    }
  });

  test('runtime errors exit 1 with one line', async () => {
    const port = await closedPort();
    const refused = await run(['send', `127.0.0.1:${port}`, '--data', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`proxyproto send: connect ECONNREFUSED 127.0.0.1:${port}\n`);

    const server = await start(['listen', '--port', '0', '--host', '127.0.0.1']);
    const busy = await run(['listen', '--port', String(server.port), '--host', '127.0.0.1']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/^proxyproto listen: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*\n$/);
  });
});

describe('relay', () => {
  test('client → relay --send v2 → relay --accept --send v1 → listen keeps the original client address', async () => {
    const app = await start(['listen', '--port', '0', '--host', '127.0.0.1', '--json']);
    const inner = await start(['relay', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${app.port}`, '--accept', '--send', 'v1']);
    const outer = await start(['relay', '--listen', '0', '--to', `127.0.0.1:${inner.port}`, '--send', 'v2', '--crc32c']);
    // The client binds 127.0.0.2, so its address differs from every hop's.
    const { response, clientPort } = await new Promise<{ response: string; clientPort: number }>((resolve, reject) => {
      let data = '';
      const socket = net.connect({ port: outer.port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () =>
        socket.write('GET /chain HTTP/1.1\r\nHost: app\r\n\r\n'),
      );
      socket.setEncoding('utf8').on('data', (s: string) => (data += s));
      socket.on('end', () => resolve({ response: data, clientPort: socket.localPort as number }));
      socket.on('error', reject);
    });
    const answer = body(response);
    expect(answer.client).toEqual({ address: '127.0.0.2', port: clientPort });
    expect(answer.header).toMatchObject({ version: 1, destination: { address: '127.0.0.1', port: outer.port } });
    await inner.waitFor(/received v2 127\.0\.0\.2:\d+ -> .*sent v1 127\.0\.0\.2:/);
    await outer.waitFor(new RegExp(`^127\\.0\\.0\\.2:${clientPort} -> .*sent v2 127\\.0\\.0\\.2:${clientPort}`));
  });

  test('--accept alone strips the header; a bad header is rejected and logged', async () => {
    const received: Buffer[] = [];
    const backend = net.createServer((socket) => {
      socket.on('data', (d) => received.push(d));
      socket.on('end', () => socket.end('bye\n'));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    try {
      const port = (backend.address() as net.AddressInfo).port;
      const relay = await start(['relay', '--listen', '0', '--to', `127.0.0.1:${port}`, '--accept']);
      const sent = await run(['send', `127.0.0.1:${relay.port}`, '--crc32c', '--data', 'payload only']);
      expect(sent.stdout).toBe('bye\n');
      expect(Buffer.concat(received).toString()).toBe('payload only');
      await relay.waitFor(/header stripped/);
      const bad = net.connect(relay.port, '127.0.0.1', () => bad.end('PROXY TCP4 1.2.3.4\r\n'));
      bad.on('error', () => {});
      await relay.waitFor(/rejected: ERR_PROXY_V1_SYNTAX/);
    } finally {
      backend.close();
    }
  });
});

describe('TLS both ways', () => {
  test('send --tls to a server that never answers the ClientHello exits 1; one that closes too', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    const closing = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    await Promise.all([silent, closing].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    try {
      const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
      const timedOut = await run(['send', `127.0.0.1:${port(silent)}`, '--tls', '--timeout', '300', '--data', 'x']);
      expect(timedOut.code).toBe(1);
      expect(timedOut.stderr).toMatch(/proxyproto send: TLS handshake with 127\.0\.0\.1:\d+ not done after 300 ms\n$/);
      const closed = await run(['send', `127.0.0.1:${port(closing)}`, '--tls', '--timeout', '2000', '--data', 'x']);
      expect(closed.code).toBe(1);
      expect(closed.stderr).toMatch(/proxyproto send: TLS handshake with 127\.0\.0\.1:\d+ failed: /);
    } finally {
      silent.close();
      closing.close();
    }
  });

  test('send --tls-alpn offers its protocols in the handshake (not the TLV); --sni names the server', async () => {
    const { key, cert } = makeCert();
    const tlsServer = tls.createServer({ key, cert, ALPNProtocols: ['h2'] }, (socket) => {
      const header = getProxyHeader(socket);
      socket.end(`${socket.alpnProtocol} ${socket.servername} ${header?.tlvs.length}\n`);
    });
    acceptProxyProtocol(tlsServer);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      const port = (tlsServer.address() as net.AddressInfo).port;
      const sent = await run([
        'send',
        `127.0.0.1:${port}`,
        '--tls',
        '-k',
        '--sni',
        'app.example',
        '--tls-alpn',
        'h2',
        '--tls-alpn',
        'http/1.1',
        '--data',
        'x',
      ]);
      expect(sent.code).toBe(0);
      expect(sent.stdout).toBe('h2 app.example 0\n');
      expect(sent.stderr).toMatch(/\* TLS TLSv1\.[23] \S+ ALPN h2/);
    } finally {
      tlsServer.close();
    }
  });

  test('listen --tls terminates TLS after the header: SNI, offered ALPN, negotiated ALPN, decrypted request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxyproto-cli-tls-'));
    const { key, cert } = makeCert();
    writeFileSync(join(dir, 'key.pem'), key);
    writeFileSync(join(dir, 'cert.pem'), cert);
    try {
      const server = await start([
        'listen',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--tls',
        '--cert',
        join(dir, 'cert.pem'),
        '--key',
        join(dir, 'key.pem'),
      ]);
      const sent = await run([
        'send',
        `127.0.0.1:${server.port}`,
        '--tls',
        '-k',
        '--sni',
        'app.example',
        '--tls-alpn',
        'h2',
        '--tls-alpn',
        'http/1.1',
        '--http',
        '/secret',
      ]);
      expect(sent.code).toBe(0);
      const answer = body(sent.stdout);
      expect(answer.tls).toMatchObject({
        terminated: true,
        alpn: 'http/1.1',
        clientHello: { sni: 'app.example', alpn: ['h2', 'http/1.1'] },
      });
      expect(answer.request.path).toBe('/secret');
      await server.waitFor(/HTTP GET \/secret/);
      expect(server.stdout()).toContain('TLS         ClientHello: SNI app.example, ALPN h2, http/1.1, versions TLS 1.3');
      expect(server.stdout()).toMatch(/TLS {9}terminated: TLSv1\.3, ALPN http\/1\.1/);
      // a health check that sends its header and closes is still reported
      await run(['send', `127.0.0.1:${server.port}`, '--local', '--data', '']);
      await server.waitFor(/TLS {9}not terminated: the client closed before its ClientHello/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('listen without --tls: a passed-through ClientHello is shown as SNI and ALPN, and the client is not left waiting', async () => {
    const server = await start(['listen', '--port', '0', '--host', '127.0.0.1']);
    const sent = await run([
      'send',
      `127.0.0.1:${server.port}`,
      '--tls',
      '-k',
      '--sni',
      'passthrough.example',
      '--tls-alpn',
      'h2',
      '--timeout',
      '5000',
      '--data',
      'x',
    ]);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toMatch(/TLS handshake with .* failed/);
    await server.waitFor(/ClientHello: SNI passthrough\.example, ALPN h2/);
    expect(server.stdout()).toMatch(/payload {5}\d+ bytes of TLS/);
    expect(server.stdout()).not.toMatch(/16 03 0[13]/);
  });

  test('listen --tls needs --cert and --key; unreadable files are runtime errors', async () => {
    expect((await run(['listen', '--tls'])).stderr).toMatch(/--tls needs --cert FILE and --key FILE/);
    expect((await run(['listen', '--cert', 'x'])).stderr).toMatch(/--cert and --key need --tls/);
    const missing = await run(['listen', '--tls', '--cert', '/nonexistent/c.pem', '--key', '/nonexistent/k.pem']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('proxyproto listen: cannot read --cert /nonexistent/c.pem: ENOENT\n');
  });
});

describe('where the servers listen', () => {
  test('listen binds every interface, IPv4 and IPv6, by default', async () => {
    const server = await start(['listen', '--port', '0', '--json']);
    expect(server.stderr()).toMatch(/^listening on (\[::\]:\d+ \(IPv4 and IPv6\)|0\.0\.0\.0:\d+ \(IPv4 only: no IPv6 on this host\))/);
    const sent = await run(['send', `127.0.0.1:${server.port}`, '--http', '/v4']);
    expect(body(sent.stdout).peer.address).toBe('127.0.0.1');
    if (hasIPv6Loopback() && server.stderr().includes('[::]')) {
      const six = await run(['send', `[::1]:${server.port}`, '--http', '/v6']);
      expect(body(six.stdout).peer.address).toBe('::1');
    }
  });

  test('listen and relay exit 0 on a SIGTERM sent as soon as they print where they listen', async () => {
    for (const args of [
      ['listen', '--port', '0', '--host', '127.0.0.1'],
      ['relay', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:1', '--send', 'v1'],
    ]) {
      const server = await start(args);
      const exited = new Promise((resolve) => server.child.once('exit', (code, signal) => resolve({ args, code, signal })));
      server.child.kill('SIGTERM');
      expect(await exited).toEqual({ args, code: 0, signal: null });
    }
  });

  test('relay --listen takes [IPv6]:PORT; a bare PORT is every interface', async () => {
    const app = await start(['listen', '--port', '0', '--host', '127.0.0.1', '--json']);
    if (hasIPv6Loopback()) {
      const relay = await start(['relay', '--listen', '[::1]:0', '--to', `127.0.0.1:${app.port}`, '--send', 'v1']);
      expect(relay.stdout()).toMatch(/^listening on \[::1\]:\d+, relaying to/);
      expect(body(await plainGet('::1', relay.port, '/six')).header).toMatchObject({ version: 1, family: 'ipv6' });
    }
    const any = await start(['relay', '--listen', '0', '--to', `127.0.0.1:${app.port}`, '--send', 'v2']);
    expect(any.stdout()).toMatch(/^listening on (\[::\]|0\.0\.0\.0):\d+ \(IPv4/);
    // an IPv4 client of the dual-stack relay is reported as IPv4, as a load balancer does
    expect(body(await plainGet('127.0.0.1', any.port, '/four')).header).toMatchObject({ version: 2, family: 'ipv4' });
  });
});
