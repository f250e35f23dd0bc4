/**
 * Inbound: nginx 1.22 stream `proxy_protocol on` and curl `--haproxy-protocol` send v1 headers to
 * a Node server behind acceptProxyProtocol; plus the gateway scenario (strict vs lenient listener
 * hit by plain curl and by curl with a PROXY header).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type Certs,
  curl,
  describeWithPeers,
  exchange,
  freePorts,
  hostPort,
  httpGet,
  loopbacks,
  makeCerts,
  nginxHead,
  type PeerProcess,
  type Receiver,
  type Seen,
  startNginx,
  startReceiver,
  stopAllPeers,
  tempDir,
} from './peers.js';

const parse = (body: string): Seen => JSON.parse(body) as Seen;
const familyOf = (host: string) => (host === '::1' ? 'ipv6' : 'ipv4');
const nodeFamily = (host: string) => (host === '::1' ? 'IPv6' : 'IPv4');

describeWithPeers('nginx 1.22 stream proxy_protocol on → acceptProxyProtocol', ['nginx', 'nginx-stream', 'curl', 'ss', 'ip'], () => {
  const hosts = loopbacks();
  let dir: ReturnType<typeof tempDir>;
  let receiver: Receiver;
  let relayReceiver: Receiver;
  let lenientTcp6Receiver: Receiver;
  let _nginx: PeerProcess;
  let port: number;
  let relayPort: number;
  let relayPort2: number;
  let unixSocket: string;

  beforeAll(async () => {
    dir = tempDir('nginx-send');
    receiver = await startReceiver({ mode: 'strict', headerTimeout: 3000 });
    relayReceiver = await startReceiver({ mode: 'strict', headerTimeout: 3000 });
    lenientTcp6Receiver = await startReceiver({ mode: 'strict', headerTimeout: 3000, allowIPv4InTcp6: true });
    [port, relayPort, relayPort2] = (await freePorts(3)) as [number, number, number];
    unixSocket = `${dir.path}/nginx.sock`;
    const server = (listen: string, upstream: number, extra = '') =>
      `  server {\n    listen ${listen};\n${extra}    proxy_pass 127.0.0.1:${upstream};\n    proxy_protocol on;\n  }`;
    const realip = '    set_real_ip_from 127.0.0.1;\n';
    const servers = [
      ...hosts.map((h) => server(hostPort(h, port), receiver.port)),
      server(`unix:${unixSocket}`, receiver.port),
      // A relay: reads a PROXY header, then sends its own (realip source, real local destination).
      server(`127.0.0.1:${relayPort} proxy_protocol`, relayReceiver.port, realip),
      server(`127.0.0.1:${relayPort2} proxy_protocol`, lenientTcp6Receiver.port, realip),
    ].join('\n');
    _nginx = await startNginx(dir.path, `${nginxHead(true)}stream {\n${servers}\n}\n`, [
      ...hosts.map((h) => hostPort(h, port)),
      `127.0.0.1:${relayPort}`,
      `127.0.0.1:${relayPort2}`,
    ]);
  });

  afterAll(async () => {
    await stopAllPeers();
    await receiver?.close();
    await relayReceiver?.close();
    await lenientTcp6Receiver?.close();
    dir?.remove();
  });

  test('unix-socket client: PROXY UNKNOWN, the application falls back to the real peer', async () => {
    const res = await curl(['--unix-socket', unixSocket, 'http://localhost/nginx/unix']);
    expect(res.code, res.stderr).toBe(0);
    const seen = parse(res.body);
    expect(seen.header).toEqual({ version: 1, command: 'proxy', family: 'unspec', source: null, destination: null });
    expect(seen.client).toEqual({ address: '127.0.0.1', port: seen.peer.port, family: 'IPv4', proxied: false });
  });

  test('realip relay, IPv4 client address: forwarded as TCP4', async () => {
    const bytes = Buffer.from(
      `PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET /relay/v4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const { data } = await exchange('127.0.0.1', relayPort, bytes);
    const seen = parse(data.toString('utf8').split('\r\n\r\n')[1] ?? '');
    // nginx keeps the client address but writes its own local address as destination.
    expect(seen.header).toMatchObject({
      version: 1,
      family: 'ipv4',
      source: { address: '192.0.2.1', port: 56324 },
      destination: { address: '127.0.0.1', port: relayPort },
    });
  });

  test('realip relay, IPv6 client address: nginx emits a mixed TCP6 line, rejected by default, accepted with allowIPv4InTcp6', async () => {
    const bytes = (path: string) =>
      Buffer.from(`PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\nGET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    // nginx sends "PROXY TCP6 2001:db8::1 127.0.0.1 56324 <port>": IPv4 text in a TCP6 line.
    const refused = await exchange('127.0.0.1', relayPort, bytes('/relay/v6'));
    expect(refused.data.length).toBe(0);
    expect(relayReceiver.errors.map((e) => e.code)).toEqual(['ERR_PROXY_INVALID_ADDRESS']);
    const accepted = await exchange('127.0.0.1', relayPort2, bytes('/relay/v6-lenient'));
    const seen = parse(accepted.data.toString('utf8').split('\r\n\r\n')[1] ?? '');
    expect(seen.header).toMatchObject({
      version: 1,
      family: 'ipv6',
      source: { address: '2001:db8::1', port: 56324 },
      destination: { address: '::ffff:127.0.0.1', port: relayPort2 },
    });
  });

  for (const host of hosts) {
    test(`v1 over ${familyOf(host)}: the application sees the client's address`, async () => {
      const res = await httpGet(`http://${hostPort(host, port)}/nginx/${familyOf(host)}`);
      expect(res.status).toBe(200);
      const seen = parse(res.body);
      expect(seen.header).toEqual({
        version: 1,
        command: 'proxy',
        family: familyOf(host),
        source: { address: res.localAddress, port: res.localPort },
        destination: { address: host, port },
      });
      expect(seen.client).toEqual({ address: res.localAddress, port: res.localPort, family: nodeFamily(host), proxied: true });
      expect(seen.tlvs).toEqual({ types: [], noop: 0 });
    });
  }

  test('nothing else was rejected by the receivers', () => {
    expect([...receiver.errors, ...lenientTcp6Receiver.errors]).toEqual([]);
  });
});

describeWithPeers('curl --haproxy-protocol → acceptProxyProtocol (http and https)', ['curl', 'openssl', 'ip'], () => {
  const hosts = loopbacks();
  let dir: ReturnType<typeof tempDir>;
  let certs: Certs;
  let plain: Receiver;
  let secure: Receiver;

  beforeAll(async () => {
    dir = tempDir('curl-send');
    certs = makeCerts(dir.path);
    plain = await startReceiver({ mode: 'strict', hosts, headerTimeout: 3000 });
    secure = await startReceiver({
      mode: 'strict',
      hosts,
      headerTimeout: 3000,
      tls: { key: certs.read(certs.serverKey), cert: certs.read(certs.serverCert) },
    });
  });

  afterAll(async () => {
    await plain?.close();
    await secure?.close();
    dir?.remove();
  });

  for (const host of hosts) {
    for (const scheme of ['http', 'https'] as const) {
      test(`${scheme} over ${familyOf(host)}`, async () => {
        const target = scheme === 'http' ? plain : secure;
        const url = `${scheme}://${hostPort(host, target.port)}/curl/${scheme}`;
        const res = await curl(['--haproxy-protocol', ...(scheme === 'https' ? ['--cacert', certs.caCert] : []), url]);
        expect(res.code, res.stderr).toBe(0);
        const seen = parse(res.body);
        expect(seen.header).toEqual({
          version: 1,
          command: 'proxy',
          family: familyOf(host),
          source: { address: res.localIp, port: res.localPort },
          destination: { address: host, port: target.port },
        });
        expect(seen.client).toEqual({ address: res.localIp, port: res.localPort, family: nodeFamily(host), proxied: true });
      });
    }
  }

  test('nothing was rejected by the receivers', () => {
    expect([...plain.errors, ...secure.errors]).toEqual([]);
  });
});

describeWithPeers('gateway listener policy (strict vs lenient) with curl', ['curl'], () => {
  let strict: Receiver;
  let lenient: Receiver;

  beforeAll(async () => {
    strict = await startReceiver({ mode: 'strict', headerTimeout: 3000 });
    lenient = await startReceiver({ mode: 'lenient', headerTimeout: 3000 });
  });

  afterAll(async () => {
    await strict?.close();
    await lenient?.close();
  });

  test('strict: plain curl is refused (connection closed, ERR_PROXY_HEADER_MISSING)', async () => {
    const started = Date.now();
    const res = await curl([`http://127.0.0.1:${strict.port}/plain`]);
    expect(res.code).not.toBe(0); // 52 (empty reply) or 56 (reset)
    expect([52, 56]).toContain(res.code);
    expect(Date.now() - started).toBeLessThan(2000); // closed at once, not by a timeout
    expect(strict.errors).toEqual([{ code: 'ERR_PROXY_HEADER_MISSING', peer: '127.0.0.1' }]);
    expect(strict.seen).toEqual([]);
  });

  test('strict: curl --haproxy-protocol is served with the client address', async () => {
    const res = await curl(['--haproxy-protocol', `http://127.0.0.1:${strict.port}/pp`]);
    expect(res.code, res.stderr).toBe(0);
    expect(parse(res.body).client).toEqual({ address: '127.0.0.1', port: res.localPort, family: 'IPv4', proxied: true });
  });

  test('lenient: both are served; only the PROXY one is marked proxied', async () => {
    const bare = await curl([`http://127.0.0.1:${lenient.port}/plain`]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(parse(bare.body)).toMatchObject({ header: null, client: { address: '127.0.0.1', port: bare.localPort, proxied: false } });
    const pp = await curl(['--haproxy-protocol', `http://127.0.0.1:${lenient.port}/pp`]);
    expect(pp.code, pp.stderr).toBe(0);
    expect(parse(pp.body)).toMatchObject({ header: { version: 1 }, client: { address: '127.0.0.1', port: pp.localPort, proxied: true } });
    expect(lenient.errors).toEqual([]);
  });
});

describeWithPeers('trusted upstreams on a dual-stack listener, with curl', ['curl', 'ip'], () => {
  let receiver: Receiver;
  const ipv6 = loopbacks().includes('::1');

  beforeAll(async () => {
    // IPv4 clients reach a `::` listener as ::ffff:127.0.0.1; the trust check unmaps them.
    receiver = await startReceiver({ mode: 'strict', trusted: ['127.0.0.1'], headerTimeout: 3000, hosts: [ipv6 ? '::' : '127.0.0.1'] });
  });

  afterAll(async () => {
    await receiver?.close();
  });

  test('trusted IPv4 peer (IPv4-mapped on the socket): header required and used', async () => {
    const pp = await curl(['--haproxy-protocol', `http://127.0.0.1:${receiver.port}/trusted`]);
    expect(pp.code, pp.stderr).toBe(0);
    expect(parse(pp.body).client).toEqual({ address: '127.0.0.1', port: pp.localPort, family: 'IPv4', proxied: true });
    const bare = await curl([`http://127.0.0.1:${receiver.port}/trusted-bare`]);
    expect([52, 56]).toContain(bare.code);
    expect(receiver.errors.at(-1)?.code).toBe('ERR_PROXY_HEADER_MISSING');
  });

  test.skipIf(!ipv6)('untrusted peer (::1): a header is refused, a bare connection is served as itself', async () => {
    const pp = await curl(['--haproxy-protocol', `http://[::1]:${receiver.port}/untrusted`]);
    expect([52, 56]).toContain(pp.code);
    expect(receiver.errors.at(-1)).toEqual({ code: 'ERR_PROXY_CONNECTION_REJECTED', peer: '::1' });
    const bare = await curl([`http://[::1]:${receiver.port}/untrusted-bare`]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(parse(bare.body)).toMatchObject({
      header: null,
      client: { address: '::1', port: bare.localPort, family: 'IPv6', proxied: false },
    });
  });
});
