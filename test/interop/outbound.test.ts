/**
 * Outbound: our `connect()` sends v1 and v2 headers (TLVs, CRC32C, LOCAL, UNKNOWN, TLS after the
 * header) to HAProxy `accept-proxy` and nginx `listen … proxy_protocol`; both must report the
 * addresses (and HAProxy the AUTHORITY / UNIQUE_ID) we sent.
 */

import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EncodeOptions, ProxyHeaderInit } from '../../src/index.js';
import { acceptProxyProtocol, connect, headerFromSocket, ProxyProtocolEncoder } from '../../src/node/index.js';
import {
  type Certs,
  describeWithPeers,
  freePorts,
  loopbacks,
  makeCerts,
  type Oracle,
  parseOracleText,
  startHaproxyOracle,
  startNginxOracle,
  stopAllPeers,
  tempDir,
} from './peers.js';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** GET through `connect({ ...opts, header, crc32c, padTo })` as http.request's `createConnection`. */
function viaConnect(
  host: string,
  port: number,
  header: ProxyHeaderInit,
  encodeOptions?: EncodeOptions,
  tls?: { ca: Buffer; servername: string },
): Promise<{ status: number; body: string; localAddress: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const mod = tls === undefined ? http : https;
    const req = mod.request(
      {
        host,
        port,
        path: '/oracle',
        headers: { connection: 'close' },
        ...(tls === undefined ? {} : { ca: tls.ca, servername: tls.servername }),
        createConnection: ((opts: object, cb: () => void) =>
          connect({ ...(opts as object), header, ...encodeOptions, ...(tls ? { tls: true } : {}) } as never, cb)) as never,
      },
      (res) => {
        const localAddress = res.socket.localAddress ?? '';
        const localPort = res.socket.localPort ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1'), localAddress, localPort }),
        );
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const parse = parseOracleText;

const V4 = { source: { address: '192.0.2.1', port: 56324 }, destination: { address: '198.51.100.2', port: 443 } };
const V6 = { source: { address: '2001:db8::1', port: 56324 }, destination: { address: '2001:db8::2', port: 443 } };
const MAPPED = { source: { address: '::ffff:192.0.2.7', port: 1 }, destination: { address: '::1', port: 65535 } };

interface Case {
  name: string;
  header: ProxyHeaderInit;
  encodeOptions?: EncodeOptions;
}

const CASES: Case[] = [
  { name: 'v1 TCP4', header: { version: 1, ...V4 } },
  { name: 'v1 TCP6', header: { version: 1, ...V6 } },
  { name: 'v1 TCP6 IPv4-mapped', header: { version: 1, ...MAPPED } },
  { name: 'v2 TCP4', header: { version: 2, ...V4 } },
  { name: 'v2 TCP6', header: { version: 2, ...V6 } },
  {
    name: 'v2 TCP4 + AUTHORITY + UNIQUE_ID + CRC32C',
    header: { version: 2, ...V4, tlvs: { authority: 'example.test', uniqueId: new TextEncoder().encode('uid-123') } },
    encodeOptions: { crc32c: true },
  },
  {
    name: 'v2 TCP6 + ALPN + AUTHORITY + UNIQUE_ID + SSL + CRC32C',
    header: {
      version: 2,
      ...V6,
      tlvs: {
        alpn: 'h2',
        authority: 'api.example.test',
        uniqueId: new TextEncoder().encode('x'.repeat(128)),
        ssl: { client: 7, verify: 0, version: 'TLSv1.3', cn: 'pp-test-client' },
      },
    },
    encodeOptions: { crc32c: true },
  },
  {
    name: 'v2 TCP6 shaped like an AWS NLB header (AWS VPCE TLV, CRC32C, NOOP padding)',
    header: { version: 2, ...V6, tlvs: { aws: { vpceId: 'vpce-08d2bf15fac5001c9' } } },
    encodeOptions: { crc32c: true, padTo: 128 },
  },
  {
    name: 'v2 TCP4 padded to 200 bytes with NOOP',
    header: { version: 2, ...V4, tlvs: { authority: 'pad.test' } },
    encodeOptions: { crc32c: true, padTo: 200 },
  },
];

describeWithPeers(
  'connect() → HAProxy 2.6 accept-proxy and nginx 1.22 listen proxy_protocol',
  ['haproxy', 'nginx', 'openssl', 'ss', 'ip'],
  () => {
    const hosts = loopbacks();
    let dir: ReturnType<typeof tempDir>;
    let certs: Certs;
    let haproxy: Oracle;
    let nginx: Oracle;
    let tlsPort: number;

    beforeAll(async () => {
      dir = tempDir('outbound');
      certs = makeCerts(dir.path);
      [tlsPort] = (await freePorts(1)) as [number];
      [haproxy, nginx] = await Promise.all([
        startHaproxyOracle(dir.path, hosts, { certs, port: tlsPort }),
        startNginxOracle(dir.path, hosts),
      ]);
    });

    afterAll(async () => {
      await stopAllPeers(); // also covers a peer started by a beforeAll that failed half-way
      dir?.remove();
    });

    for (const c of CASES) {
      for (const name of ['haproxy', 'nginx'] as const) {
        test(`${c.name} → ${name}`, async () => {
          const oracle = name === 'haproxy' ? haproxy : nginx;
          const res = await viaConnect('127.0.0.1', oracle.port, c.header, c.encodeOptions);
          expect(res.status, res.body).toBe(200);
          const view = parse(res.body);
          const src = c.header.source as { address: string; port: number };
          const dst = c.header.destination as { address: string; port: number };
          expect(view).toMatchObject({ src: src.address, srcPort: String(src.port), dst: dst.address, dstPort: String(dst.port) });
          if (name === 'haproxy') {
            const tlvs = (c.header.tlvs ?? {}) as { authority?: string; uniqueId?: Uint8Array };
            expect(view.authorityHex).toBe(tlvs.authority === undefined ? '' : hex(tlvs.authority));
            expect(view.uniqueIdHex).toBe(tlvs.uniqueId === undefined ? '' : Buffer.from(tlvs.uniqueId).toString('hex'));
          }
        });
      }
    }

    for (const host of hosts) {
      for (const name of ['haproxy', 'nginx'] as const) {
        test(`v2 LOCAL and v1 UNKNOWN over ${host}: ${name} uses the real connection`, async () => {
          const oracle = name === 'haproxy' ? haproxy : nginx;
          const locals: [ProxyHeaderInit, EncodeOptions?][] = [
            [{ version: 2, command: 'local' }],
            [{ version: 2, command: 'local', tlvs: { authority: 'check.test' } }, { crc32c: true }],
            [{ version: 1, family: 'unspec' }],
          ];
          for (const [header, encodeOptions] of locals) {
            const res = await viaConnect(host, oracle.port, header, encodeOptions);
            expect(res.status, res.body).toBe(200);
            const view = parse(res.body);
            if (name === 'haproxy') {
              expect(view).toMatchObject({
                src: res.localAddress,
                srcPort: String(res.localPort),
                dst: host,
                dstPort: String(oracle.port),
              });
            } else {
              expect(view).toMatchObject({ src: '', srcPort: '', dst: '', dstPort: '' }); // "no addresses"
            }
          }
        });
      }
    }

    test('a Node relay (acceptProxyProtocol lenient + connect(headerFromSocket)) in front of HAProxy', async () => {
      for (const version of [1, 2] as const) {
        const relay = net.createServer((inbound) => {
          const outbound = connect({ host: '127.0.0.1', port: haproxy.port, header: headerFromSocket(inbound, { version }) });
          inbound.pipe(outbound).pipe(inbound);
          inbound.on('error', () => outbound.destroy());
          outbound.on('error', () => inbound.destroy());
        });
        const integration = acceptProxyProtocol(relay, { mode: 'lenient' });
        relay.listen(0, '::'); // dual stack: IPv4 clients arrive IPv4-mapped
        await once(relay, 'listening');
        const relayPort = (relay.address() as net.AddressInfo).port;
        try {
          // A client with its own PROXY header: its addresses are forwarded.
          const forwarded = await viaConnect('127.0.0.1', relayPort, { version: 2, ...V6 });
          expect(parse(forwarded.body)).toMatchObject({ src: '2001:db8::1', srcPort: '56324', dst: '2001:db8::2', dstPort: '443' });
          // A bare client: the relay describes the socket, IPv4-mapped on a dual-stack listener.
          const bare = await viaConnect('127.0.0.1', relayPort, { version: 2, command: 'local' });
          expect(parse(bare.body)).toMatchObject({
            src: '::ffff:127.0.0.1',
            srcPort: String(bare.localPort),
            dst: '::ffff:127.0.0.1',
            dstPort: String(relayPort),
          });
        } finally {
          integration.close();
          relay.close();
        }
      }
    });

    test.each(['haproxy', 'nginx'] as const)('ProxyProtocolEncoder piped into a socket → %s', async (name) => {
      const oracle = name === 'haproxy' ? haproxy : nginx;
      const socket = net.connect(oracle.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      // The request arrives in three chunks; the header goes out with the first one, in one write.
      Readable.from(['GET /oracle HTTP/1.1\r\n', 'Host: oracle\r\n', 'Connection: close\r\n\r\n'].map((s) => Buffer.from(s)))
        .pipe(new ProxyProtocolEncoder({ version: 2, ...V6, tlvs: { authority: 'enc.test' } }, { crc32c: true }))
        .pipe(socket, { end: false });
      await once(socket, 'close');
      const text = Buffer.concat(chunks).toString('latin1');
      expect(text.startsWith('HTTP/1.1 200'), text).toBe(true);
      const view = parse(text.slice(text.indexOf('\r\n\r\n') + 4));
      expect(view).toMatchObject({ src: '2001:db8::1', srcPort: '56324', dst: '2001:db8::2', dstPort: '443' });
      if (name === 'haproxy') expect(view.authorityHex).toBe(hex('enc.test'));
    });

    test('TLS after the header (connect({ tls })) → HAProxy accept-proxy ssl', async () => {
      for (const version of [1, 2] as const) {
        const res = await viaConnect('127.0.0.1', tlsPort, { version, ...V4 }, undefined, {
          ca: certs.read(certs.caCert),
          servername: 'localhost',
        });
        expect(res.status, res.body).toBe(200);
        expect(parse(res.body)).toMatchObject({ src: '192.0.2.1', srcPort: '56324', dst: '198.51.100.2', dstPort: '443' });
      }
    });
  },
);
