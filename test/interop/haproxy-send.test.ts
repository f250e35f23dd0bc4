/**
 * Inbound: HAProxy 2.6 sends PROXY headers (v1, v2 with every proxy-v2-options value, v2 LOCAL
 * health checks) to a Node server behind acceptProxyProtocol. Each test checks that the
 * application sees the address the test client used and every TLV decoded to the right value.
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ProxyHeader } from '../../src/index.js';
import {
  acceptProxyProtocol,
  getClientAddress,
  getProxyHeader,
  ProxyProtocolDecoder,
  type ProxyProtocolIntegration,
  readProxyHeader,
} from '../../src/node/index.js';
import {
  type Certs,
  curl,
  describeWithPeers,
  freePorts,
  HAPROXY_HEAD,
  hostPort,
  httpGet,
  loopbacks,
  makeCerts,
  type PeerProcess,
  type Receiver,
  type Seen,
  startHaproxy,
  startReceiver,
  stopAllPeers,
  tempDir,
  tlvSummary,
} from './peers.js';

const V2_OPTIONS = ['authority', 'unique-id', 'crc32c', 'ssl', 'cert-cn', 'ssl-cipher', 'cert-sig', 'cert-key'] as const;
const ALL_OPTIONS = V2_OPTIONS.join(',');

describeWithPeers('HAProxy 2.6 as sender → acceptProxyProtocol', ['haproxy', 'openssl', 'curl', 'ss', 'ip'], () => {
  const hosts = loopbacks();
  let dir: ReturnType<typeof tempDir>;
  let certs: Certs;
  let receiver: Receiver;
  let _haproxy: PeerProcess;
  let secureReceiver: Receiver;
  let tcpCheckReceiver: Receiver;
  let crcReceiver: Receiver;
  let h2cServer: http2.Http2Server;
  let rawServers: net.Server[] = [];
  let rawPorts: { readHeader: number; decoder: number } = { readHeader: 0, decoder: 0 };
  let tcpRawPort: number;
  let tcpRawV1Port: number;
  let h2cIntegration: ProxyProtocolIntegration;
  let plainPort: number;
  let tlsPort: number;
  let tcpPort: number;
  let unixSocket: string;

  beforeAll(async () => {
    dir = tempDir('hap-send');
    certs = makeCerts(dir.path);
    // The receiver must be up before HAProxy: its health checks start at once.
    receiver = await startReceiver({ mode: 'strict', headerTimeout: 3000 });
    secureReceiver = await startReceiver({
      mode: 'strict',
      headerTimeout: 3000,
      tls: { key: certs.read(certs.serverKey), cert: certs.read(certs.serverCert) },
    });
    tcpCheckReceiver = await startReceiver({ mode: 'strict', headerTimeout: 3000 });
    crcReceiver = await startReceiver({ mode: 'strict', headerTimeout: 3000, crc32c: 'require' });
    // An h2c server: HAProxy speaks HTTP/2 to it (`proto h2`) after the PROXY header.
    h2cServer = http2.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ header: getProxyHeader(req.socket), client: getClientAddress(req.socket), httpVersion: req.httpVersion }));
    });
    h2cIntegration = acceptProxyProtocol(h2cServer, { mode: 'strict', headerTimeout: 3000 });
    h2cServer.listen(0, '127.0.0.1');
    await once(h2cServer, 'listening');
    // Raw TCP receivers: readProxyHeader() and the ProxyProtocolDecoder stream.
    const describeHeader = (header: ProxyHeader | null, rest: string) =>
      JSON.stringify({
        header: header && { version: header.version, command: header.command, source: header.source, destination: header.destination },
        tlvs: header && tlvSummary(header),
        rest,
      });
    const viaRead = net.createServer(async (socket) => {
      try {
        const header = await readProxyHeader(socket, { timeout: 3000 });
        socket.once('data', (d: Buffer) => socket.end(describeHeader(header, d.toString())));
      } catch {
        socket.destroy();
      }
    });
    const viaDecoder = net.createServer((socket) => {
      const decoder = new ProxyProtocolDecoder();
      decoder.once('header', (header: ProxyHeader | null) =>
        decoder.once('data', (d: Buffer) => socket.end(describeHeader(header, d.toString()))),
      );
      decoder.on('error', () => socket.destroy());
      socket.pipe(decoder);
    });
    rawServers = [viaRead, viaDecoder];
    for (const server of rawServers) {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    rawPorts = { readHeader: (viaRead.address() as AddressInfo).port, decoder: (viaDecoder.address() as AddressInfo).port };
    [plainPort, tlsPort, tcpPort, tcpRawPort, tcpRawV1Port] = (await freePorts(5)) as [number, number, number, number, number];
    unixSocket = `${dir.path}/fe.sock`;
    const server = `127.0.0.1:${receiver.port}`;
    const binds = (port: number, extra = '') => hosts.map((h) => `    bind ${hostPort(h, port)}${extra}`).join('\n');
    const backend = (name: string, options: string) => `backend ${name}\n    server s ${server} ${options}\n`;
    const config = `${HAPROXY_HEAD}    mode http

frontend fe_plain
${binds(plainPort)}
    bind unix@${unixSocket}
    unique-id-format pp-%ci:%cp-%fi:%fp
    unique-id-header X-Unique-ID
    http-request set-src req.hdr(x-pp-set-src) if { req.hdr(x-pp-set-src) -m found }
    use_backend %[path,field(2,/)]

frontend fe_tcp
    mode tcp
    bind 127.0.0.1:${tcpPort}
    default_backend tls-passthrough

frontend fe_tcp_raw
    mode tcp
    bind 127.0.0.1:${tcpRawPort}
    default_backend raw-read

frontend fe_tcp_raw_v1
    mode tcp
    bind 127.0.0.1:${tcpRawV1Port}
    default_backend raw-decoder

backend raw-read
    mode tcp
    server s 127.0.0.1:${rawPorts.readHeader} send-proxy-v2 proxy-v2-options unique-id,crc32c

backend raw-decoder
    mode tcp
    server s 127.0.0.1:${rawPorts.decoder} send-proxy

backend tls-passthrough
    mode tcp
    server s 127.0.0.1:${secureReceiver.port} send-proxy-v2

frontend fe_tls
${binds(tlsPort, ` ssl crt ${certs.serverPem} alpn h2,http/1.1 ca-file ${certs.caCert} verify optional`)}
    unique-id-format pp-%ci:%cp-%fi:%fp
    unique-id-header X-Unique-ID
    use_backend %[path,field(2,/)]

${backend('v1', 'send-proxy')}
${backend('v2', 'send-proxy-v2')}
${backend('v2-all', `send-proxy-v2 proxy-v2-options ${ALL_OPTIONS}`)}
${V2_OPTIONS.map((o) => backend(`v2-${o}`, `send-proxy-v2 proxy-v2-options ${o}`)).join('\n')}
backend check-local
    option httpchk GET /check-local
    server s ${server} send-proxy-v2 check inter 250ms

backend h2c
    server s 127.0.0.1:${(h2cServer.address() as AddressInfo).port} send-proxy-v2 proto h2

backend crc-required
    option httpchk GET /crc-check
    server s 127.0.0.1:${crcReceiver.port} send-proxy-v2 proxy-v2-options crc32c,authority check inter 250ms

backend crc-missing
    server s 127.0.0.1:${crcReceiver.port} send-proxy-v2

backend check-tcp
    server v1 127.0.0.1:${tcpCheckReceiver.port} send-proxy check inter 250ms
    server v2 127.0.0.1:${tcpCheckReceiver.port} send-proxy-v2 check inter 250ms

backend check-v1
    option httpchk GET /check-v1
    server s ${server} send-proxy check inter 250ms

backend check-crc
    option httpchk GET /check-crc
    server s ${server} send-proxy-v2 proxy-v2-options crc32c check inter 250ms
`;
    _haproxy = await startHaproxy(dir.path, config, [
      ...hosts.flatMap((h) => [hostPort(h, plainPort), hostPort(h, tlsPort)]),
      ...[tcpPort, tcpRawPort, tcpRawV1Port].map((p) => `127.0.0.1:${p}`),
    ]);
  });

  afterAll(async () => {
    await stopAllPeers();
    await receiver?.close();
    await secureReceiver?.close();
    await tcpCheckReceiver?.close();
    await crcReceiver?.close();
    h2cIntegration?.close();
    h2cServer?.close();
    for (const server of rawServers) server.close();
    dir?.remove();
  });

  const parse = (body: string): Seen => JSON.parse(body) as Seen;

  for (const host of hosts) {
    const family = host === '::1' ? 'ipv6' : 'ipv4';

    test.each(['v1', 'v2'] as const)(`send-proxy (%s) over ${family}: addresses`, async (backend) => {
      const res = await httpGet(`http://${hostPort(host, plainPort)}/${backend}/${family}`);
      expect(res.status).toBe(200);
      const seen = parse(res.body);
      expect(seen.header).toMatchObject({
        version: backend === 'v1' ? 1 : 2,
        command: 'proxy',
        family,
        source: { address: res.localAddress, port: res.localPort },
        destination: { address: host, port: plainPort },
      });
      expect(seen.client).toEqual({
        address: res.localAddress,
        port: res.localPort,
        family: host === '::1' ? 'IPv6' : 'IPv4',
        proxied: true,
      });
      expect(seen.peer.address).toBe('127.0.0.1'); // the real peer stays HAProxy
      if (backend === 'v2') expect(seen.tlvs).toMatchObject({ types: [] });
    });

    test(`send-proxy-v2 with every proxy-v2-option, TLS h2 + client certificate over ${family}`, async () => {
      const result = await h2Get(host, tlsPort, '/v2-all/h2', certs);
      const seen = parse(result.body);
      const expectedUid = `pp-${result.localAddress}:${result.localPort}-${host}:${tlsPort}`;
      expect(seen.header).toMatchObject({
        version: 2,
        family,
        source: { address: result.localAddress, port: result.localPort },
        destination: { address: host, port: tlsPort },
      });
      expect(seen.tlvs).toMatchObject({
        alpn: 'h2',
        authority: 'example.test',
        uniqueId: expectedUid,
        crc32c: expect.any(Number),
        ssl: {
          clientSsl: true,
          certConnection: true,
          certSession: true,
          verify: 0,
          verified: true,
          version: 'TLSv1.3',
          cn: 'pp-test-client',
          cipher: result.cipher,
          sigAlg: 'RSA-SHA256',
          keyAlg: 'RSA2048',
        },
      });
      // HAProxy 2.6 puts CRC32C first, SSL last (see docs/interop.md).
      expect((seen.tlvs as { types: number[] }).types).toEqual([0x03, 0x01, 0x02, 0x05, 0x20]);
      expect(seen.headers['x-unique-id']).toBe(expectedUid);
    });
  }

  const host = '127.0.0.1';

  test.each(V2_OPTIONS)('proxy-v2-options %s alone (TLS http/1.1, client certificate)', async (option) => {
    const res = await httpGet(`https://${host}:${tlsPort}/v2-${option}/one`, {
      servername: 'example.test',
      ca: certs.read(certs.caCert),
      cert: certs.read(certs.clientCert),
      key: certs.read(certs.clientKey),
      ALPNProtocols: ['http/1.1'],
    } as never);
    expect(res.status).toBe(200);
    const seen = parse(res.body);
    expect(seen.header).toMatchObject({
      version: 2,
      source: { address: res.localAddress, port: res.localPort },
      destination: { address: host, port: tlsPort },
    });
    const tlvs = seen.tlvs as Record<string, unknown> & { ssl?: Record<string, unknown> };
    // ALPN is sent whenever the client negotiated one, whatever the options.
    expect(tlvs.alpn).toBe('http/1.1');
    const sslBase = { clientSsl: true, certConnection: true, verified: true, version: 'TLSv1.3' };
    switch (option) {
      case 'authority':
        expect(tlvs.authority).toBe('example.test');
        expect(tlvs.ssl).toBeUndefined();
        break;
      case 'unique-id':
        expect(tlvs.uniqueId).toBe(`pp-${res.localAddress}:${res.localPort}-${host}:${tlsPort}`);
        break;
      case 'crc32c':
        expect(tlvs.crc32c).toEqual(expect.any(Number)); // and verified, or the decoder would have refused it
        break;
      case 'ssl':
        expect(tlvs.ssl).toMatchObject(sslBase);
        expect(tlvs.ssl?.cn).toBeUndefined();
        break;
      case 'cert-cn':
        expect(tlvs.ssl).toMatchObject({ ...sslBase, cn: 'pp-test-client' });
        break;
      case 'ssl-cipher':
        expect(tlvs.ssl).toMatchObject({ ...sslBase, cipher: 'TLS_AES_256_GCM_SHA384' });
        break;
      case 'cert-sig':
        expect(tlvs.ssl).toMatchObject({ ...sslBase, sigAlg: 'RSA-SHA256' });
        break;
      case 'cert-key':
        expect(tlvs.ssl).toMatchObject({ ...sslBase, keyAlg: 'RSA2048' });
        break;
    }
  });

  test('SSL TLV without a client certificate: clientSsl only, not verified', async () => {
    const res = await httpGet(`https://localhost:${tlsPort}/v2-ssl/nocert`, {
      ca: certs.read(certs.caCert),
      ALPNProtocols: ['http/1.1'],
      family: 4,
    } as never);
    const tlvs = parse(res.body).tlvs as { ssl: Record<string, unknown>; authority?: string };
    expect(tlvs.ssl).toMatchObject({
      client: 1,
      clientSsl: true,
      certConnection: false,
      certSession: false,
      verify: 0,
      verified: false,
      version: 'TLSv1.3',
    });
  });

  test('plain HTTP with every option: no ALPN/AUTHORITY, SSL TLV with client 0', async () => {
    const res = await httpGet(`http://127.0.0.1:${plainPort}/v2-all/plain`);
    const tlvs = parse(res.body).tlvs as Record<string, unknown>;
    expect(tlvs.alpn).toBeUndefined();
    expect(tlvs.authority).toBeUndefined();
    expect(tlvs.uniqueId).toBe(`pp-127.0.0.1:${res.localPort}-127.0.0.1:${plainPort}`);
    expect(tlvs.crc32c).toEqual(expect.any(Number));
    expect(tlvs.ssl).toMatchObject({ client: 0, clientSsl: false, verified: false });
  });

  test('v2 health check: LOCAL header; getClientAddress falls back to the real peer', async () => {
    const check = await receiver.waitFor('/check-local');
    expect(check.header).toMatchObject({ version: 2, command: 'local', family: 'unspec', source: null, destination: null });
    expect(check.client).toEqual({ address: '127.0.0.1', port: check.peer.port, family: 'IPv4', proxied: false });
    expect(check.tlvs).toMatchObject({ types: [] });
  });

  test('v2 health check with proxy-v2-options crc32c: LOCAL + verified CRC32C only', async () => {
    const check = await receiver.waitFor('/check-crc');
    expect(check.header).toMatchObject({ command: 'local', source: null });
    expect(check.tlvs).toMatchObject({ types: [0x03], crc32c: expect.any(Number) });
    expect(check.client).toMatchObject({ address: '127.0.0.1', proxied: false });
  });

  test('v1 health check: HAProxy sends its own connection as TCP4 (not UNKNOWN)', async () => {
    const check = await receiver.waitFor('/check-v1');
    expect(check.header).toMatchObject({
      version: 1,
      command: 'proxy',
      family: 'ipv4',
      source: { address: '127.0.0.1', port: check.peer.port },
      destination: { address: '127.0.0.1', port: receiver.port },
    });
  });

  test('tcp health checks (header, then close at once) are accepted, not counted as errors', async () => {
    const stats = tcpCheckReceiver.integration.stats;
    const deadline = Date.now() + 5000;
    while ((stats.v1 < 1 || stats.v2 < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(stats).toMatchObject({ errors: 0, rejected: 0, timedOut: 0 });
    expect(stats.v1).toBeGreaterThanOrEqual(1);
    expect(stats.v2).toBeGreaterThanOrEqual(1);
    expect(tcpCheckReceiver.errors).toEqual([]);
  });

  test.each([
    ['v1', { version: 1, command: 'proxy', family: 'unspec', source: null, destination: null }],
    ['v2', { version: 2, command: 'local', family: 'unspec', source: null, destination: null }],
  ] as const)('unix-socket client, %s: no addresses (v1 UNKNOWN / v2 LOCAL), real peer used', async (backend, expected) => {
    const res = await curl(['--unix-socket', unixSocket, `http://localhost/${backend}/unix`]);
    expect(res.code, res.stderr).toBe(0);
    const seen = parse(res.body);
    expect(seen.header).toEqual(expected);
    expect(seen.client).toEqual({ address: '127.0.0.1', port: seen.peer.port, family: 'IPv4', proxied: false });
  });

  const mixed = hosts.includes('::1')
    ? ([
        ['::1', '192.0.2.7', '::ffff:192.0.2.7', '::1'],
        ['127.0.0.1', '2001:db8::7', '2001:db8::7', '::ffff:127.0.0.1'],
      ] as const)
    : ([['127.0.0.1', '2001:db8::7', '2001:db8::7', '::ffff:127.0.0.1']] as const);
  for (const [host, setSrc, source, destination] of mixed) {
    test.each(['v1', 'v2'] as const)(
      `mixed families (%s, set-src ${setSrc} on ${host}): sent as TCP6 with the IPv4 side mapped`,
      async (backend) => {
        const res = await httpGet(`http://${hostPort(host, plainPort)}/${backend}/mixed`, {
          headers: { connection: 'close', 'x-pp-set-src': setSrc },
        });
        expect(res.status).toBe(200);
        const seen = parse(res.body);
        expect(seen.header).toMatchObject({
          version: backend === 'v1' ? 1 : 2,
          family: 'ipv6',
          source: { address: source, port: res.localPort },
          destination: { address: destination, port: plainPort },
        });
        expect(seen.client).toMatchObject({ address: source, family: 'IPv6', proxied: true });
      },
    );
  }

  test('HTTP/2 cleartext to a Node http2 server (`proto h2`): header seen through the compat req.socket', async () => {
    const res = await httpGet(`http://127.0.0.1:${plainPort}/h2c/x`);
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as { header: { source: unknown; version: number }; client: unknown; httpVersion: string };
    expect(seen.httpVersion).toBe('2.0');
    expect(seen.header).toMatchObject({ version: 2, source: { address: '127.0.0.1', port: res.localPort } });
    expect(seen.client).toEqual({ address: '127.0.0.1', port: res.localPort, family: 'IPv4', proxied: true });
  });

  test.each([
    ['readProxyHeader', 'v2 + UNIQUE_ID (empty: mode tcp has no unique-id-format) + CRC32C', () => tcpRawPort],
    ['ProxyProtocolDecoder', 'v1', () => tcpRawV1Port],
  ] as const)('mode tcp → a raw net server using %s (%s)', async (_api, _what, port) => {
    const socket = net.connect(port(), '127.0.0.1');
    await once(socket, 'connect');
    const localPort = socket.localPort;
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write('hello');
    await once(socket, 'close');
    const seen = JSON.parse(Buffer.concat(chunks).toString()) as {
      header: Record<string, unknown>;
      tlvs: Record<string, unknown>;
      rest: string;
    };
    expect(seen.rest).toBe('hello');
    expect(seen.header).toMatchObject({
      command: 'proxy',
      source: { address: '127.0.0.1', port: localPort },
      destination: { address: '127.0.0.1', port: port() },
    });
    if (port() === tcpRawPort) expect(seen.tlvs).toMatchObject({ types: [0x03, 0x05], uniqueId: '', crc32c: expect.any(Number) });
    else expect(seen.header.version).toBe(1);
  });

  test('mode tcp TLS passthrough with send-proxy-v2 → Node https server behind acceptProxyProtocol', async () => {
    const res = await httpGet(`https://localhost:${tcpPort}/tls-passthrough`, { ca: certs.read(certs.caCert), family: 4 } as never);
    expect(res.status).toBe(200);
    const seen = parse(res.body);
    expect(seen.header).toMatchObject({
      version: 2,
      source: { address: '127.0.0.1', port: res.localPort },
      destination: { address: '127.0.0.1', port: tcpPort },
    });
    expect(seen.client).toEqual({ address: '127.0.0.1', port: res.localPort, family: 'IPv4', proxied: true });
  });

  test('crc32c: require behind `proxy-v2-options crc32c`: requests and LOCAL checks pass, a header without CRC32C is refused', async () => {
    const ok = await httpGet(`http://127.0.0.1:${plainPort}/crc-required/x`);
    expect(ok.status).toBe(200);
    expect(parse(ok.body).tlvs).toMatchObject({ crc32c: expect.any(Number) });
    const check = await crcReceiver.waitFor('/crc-check');
    expect(check.header).toMatchObject({ command: 'local' });
    const refused = await httpGet(`http://127.0.0.1:${plainPort}/crc-missing/x`);
    expect(refused.status).toBe(502); // HAProxy: the server closed the connection
    expect(crcReceiver.errors).toEqual([{ code: 'ERR_PROXY_CRC32C_MISSING', peer: '127.0.0.1' }]);
  });

  test('nothing was rejected by the receivers', () => {
    expect([...receiver.errors, ...secureReceiver.errors]).toEqual([]);
  });
});

async function h2Get(
  host: string,
  port: number,
  path: string,
  certs: Certs,
): Promise<{ body: string; localAddress: string; localPort: number; cipher: string }> {
  const session = http2.connect(`https://${hostPort(host, port)}`, {
    servername: 'example.test',
    ca: certs.read(certs.caCert),
    cert: certs.read(certs.clientCert),
    key: certs.read(certs.clientKey),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
    const socket = session.socket as unknown as import('node:tls').TLSSocket;
    const localAddress = socket.localAddress ?? '';
    const localPort = socket.localPort ?? 0;
    const cipher = socket.getCipher().standardName;
    expect(session.alpnProtocol).toBe('h2');
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': path });
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
      req.end();
    });
    return { body, localAddress, localPort, cipher };
  } finally {
    session.close();
  }
}
