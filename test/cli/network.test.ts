/** The built CLI on loopback: listen + send, relay chains, TLS after the header. */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { acceptProxyProtocol, getProxyHeader } from '../../src/node/index.js';
import { makeCert } from '../support/sockets.js';
import { killAll, run, start } from './helpers.js';

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
    expect(answer.header.typed).toMatchObject({ alpn: 'h2', authority: 'example.com', uniqueId: Buffer.from('req-1').toString('hex') });

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
    const response = await new Promise<string>((resolve, reject) => {
      let data = '';
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('GET /plain HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.setEncoding('utf8').on('data', (s: string) => (data += s));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
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
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
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
