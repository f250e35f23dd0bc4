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
  tempDir,
} from './peers.js';

const parse = (body: string): Seen => JSON.parse(body) as Seen;
const familyOf = (host: string) => (host === '::1' ? 'ipv6' : 'ipv4');
const nodeFamily = (host: string) => (host === '::1' ? 'IPv6' : 'IPv4');

describeWithPeers('nginx 1.22 stream proxy_protocol on → acceptProxyProtocol', ['nginx', 'nginx-stream', 'ss', 'ip'], () => {
  const hosts = loopbacks();
  let dir: ReturnType<typeof tempDir>;
  let receiver: Receiver;
  let nginx: PeerProcess;
  let port: number;

  beforeAll(async () => {
    dir = tempDir('nginx-send');
    receiver = await startReceiver({ mode: 'strict', headerTimeout: 3000 });
    [port] = (await freePorts(1)) as [number];
    const servers = hosts
      .map((h) => `  server {\n    listen ${hostPort(h, port)};\n    proxy_pass 127.0.0.1:${receiver.port};\n    proxy_protocol on;\n  }`)
      .join('\n');
    nginx = await startNginx(dir.path, `${nginxHead(true)}stream {\n${servers}\n}\n`, hosts.map((h) => hostPort(h, port)));
  });

  afterAll(async () => {
    await nginx?.stop();
    await receiver?.close();
    dir?.remove();
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

  test('nothing was rejected by the receiver', () => {
    expect(receiver.errors).toEqual([]);
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
    secure = await startReceiver({ mode: 'strict', hosts, headerTimeout: 3000, tls: { key: certs.read(certs.serverKey), cert: certs.read(certs.serverCert) } });
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
