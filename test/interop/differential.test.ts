/**
 * Differential: the same bytes to HAProxy 2.6 (`accept-proxy`), nginx 1.22 (`listen …
 * proxy_protocol`) and our decoder.
 *
 * 1. 320 fast-check-generated valid headers (v1/v2, TCP4/TCP6, AUTHORITY ≤ 255, UNIQUE_ID ≤ 128,
 *    CRC32C) encoded by us: HAProxy accepts them all and reports the same addresses and TLVs.
 * 2. A battery of valid, borderline and malformed headers (test/interop/battery.ts): each receiver's
 *    verdict is asserted; every case where HAProxy and we differ is an explicit known difference.
 */

import { once } from 'node:events';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { canonicalAddress, decode, encode, type ProxyHeaderInit, readTlvs, type Tlv } from '../../src/index.js';
import { acceptProxyProtocol, getProxyHeader, type ProxyProtocolIntegration } from '../../src/node/index.js';
import { ipv4, ipv6, port } from '../support/arbitraries.js';
import { BATTERY, type OurVerdict, type Verdict } from './battery.js';
import {
  describeWithPeers,
  exchange,
  freePorts,
  HAPROXY_HEAD,
  loopbacks,
  ORACLE_REQUEST,
  type Oracle,
  type PeerProcess,
  pool,
  startHaproxy,
  startHaproxyOracle,
  startNginxOracle,
  stopAllPeers,
  tempDir,
} from './peers.js';

interface Generated {
  header: ProxyHeaderInit & { source: { address: string; port: number }; destination: { address: string; port: number } };
  crc32c: boolean;
  authority?: Uint8Array;
  uniqueId?: Uint8Array;
}

const endpoints = (addr: fc.Arbitrary<string>) =>
  fc.record({ source: fc.record({ address: addr, port }), destination: fc.record({ address: addr, port }) });

const generated: fc.Arbitrary<Generated> = fc.oneof(
  fc
    .record({ version: fc.constant(1 as const), ends: fc.oneof(endpoints(ipv4), endpoints(ipv6)) })
    .map(({ ends }): Generated => ({ header: { version: 1, ...ends }, crc32c: false })),
  fc
    .record({
      ends: fc.oneof(endpoints(ipv4), endpoints(ipv6)),
      authority: fc.option(fc.uint8Array({ maxLength: 255 }), { nil: undefined }),
      uniqueId: fc.option(fc.uint8Array({ maxLength: 128 }), { nil: undefined }),
      crc32c: fc.boolean(),
    })
    .map(({ ends, authority, uniqueId, crc32c }): Generated => {
      const tlvs: Tlv[] = [];
      if (authority !== undefined) tlvs.push({ type: 0x02, value: authority });
      if (uniqueId !== undefined) tlvs.push({ type: 0x05, value: uniqueId });
      const g: Generated = { header: { version: 2, ...ends, tlvs }, crc32c };
      if (authority !== undefined) g.authority = authority;
      if (uniqueId !== undefined) g.uniqueId = uniqueId;
      return g;
    }),
);

const SAMPLES = fc.sample(generated, { seed: 20_240_605, numRuns: 320 });
const hex = (b: Uint8Array | undefined) => (b === undefined ? '' : Buffer.from(b).toString('hex'));

function ours(bytes: Buffer): OurVerdict {
  try {
    const result = decode(Buffer.concat([bytes, ORACLE_REQUEST]));
    return result.status === 'complete' ? 'accept' : result.status === 'incomplete' ? 'incomplete' : 'reject';
  } catch {
    return 'reject';
  }
}

describeWithPeers('differential: proxyproto vs HAProxy 2.6 vs nginx 1.22', ['haproxy', 'nginx', 'ss', 'ip'], () => {
  let dir: ReturnType<typeof tempDir>;
  let haproxy: Oracle;
  let nginx: Oracle;
  // HAProxy as a relay: accept-proxy in, send-proxy / send-proxy-v2 out, to our receiver.
  let _relay: PeerProcess;
  let relayPorts: { v1: number; v2: number };
  let sink: net.Server;
  let sinkIntegration: ProxyProtocolIntegration;
  const received = new Map<string, ReturnType<typeof getProxyHeader>>();
  const sinkErrors: string[] = [];

  beforeAll(async () => {
    dir = tempDir('differential');
    const hosts = loopbacks().slice(0, 1);
    sink = net.createServer((socket) => {
      const header = getProxyHeader(socket);
      socket.once('data', (d: Buffer) => {
        received.set(d.toString('latin1').trim(), header);
        socket.end('ok');
      });
      socket.on('error', () => {});
    });
    sinkIntegration = acceptProxyProtocol(sink, { mode: 'strict', headerTimeout: 3000 });
    sink.on('proxyError', (error: { code?: string }, socket: net.Socket) => {
      sinkErrors.push(String(error.code));
      socket.destroy();
    });
    sink.listen(0, '127.0.0.1');
    await once(sink, 'listening');
    const sinkPort = (sink.address() as net.AddressInfo).port;
    const [v1, v2] = (await freePorts(2)) as [number, number];
    relayPorts = { v1, v2 };
    const relayConfig = `${HAPROXY_HEAD}    mode tcp
    option tcplog

frontend fe_relay_v1
    bind 127.0.0.1:${v1} accept-proxy
    default_backend relay_v1

frontend fe_relay_v2
    bind 127.0.0.1:${v2} accept-proxy
    default_backend relay_v2

backend relay_v1
    server s 127.0.0.1:${sinkPort} send-proxy

backend relay_v2
    server s 127.0.0.1:${sinkPort} send-proxy-v2 proxy-v2-options authority
`;
    [haproxy, nginx, _relay] = await Promise.all([
      startHaproxyOracle(dir.path, hosts),
      startNginxOracle(dir.path, hosts),
      startHaproxy(dir.path, relayConfig.replace('option httplog\n', ''), [`127.0.0.1:${v1}`, `127.0.0.1:${v2}`]),
    ]);
  });

  afterAll(async () => {
    await stopAllPeers(); // haproxy oracle, nginx oracle, relay; also after a failed beforeAll
    sinkIntegration?.close();
    sink?.close();
    dir?.remove();
  });

  test(`the same ${SAMPLES.length} headers relayed by HAProxy (send-proxy and send-proxy-v2): we decode what HAProxy re-encodes`, async () => {
    const mismatches: string[] = [];
    const jobs = SAMPLES.flatMap((sample, i) => (['v1', 'v2'] as const).map((out) => ({ sample, id: `${out}-${i}`, out })));
    await pool(jobs, 12, async ({ sample, id, out }) => {
      const bytes = Buffer.concat([Buffer.from(encode(sample.header, { crc32c: sample.crc32c })), Buffer.from(`${id}\n`)]);
      const { data } = await exchange('127.0.0.1', relayPorts[out], bytes);
      if (data.toString() !== 'ok') mismatches.push(`${id}: no answer through the relay`);
    });
    expect(sinkErrors).toEqual([]);
    for (const { sample, id, out } of jobs) {
      const header = received.get(id);
      if (header == null) {
        mismatches.push(`${id}: not received`);
        continue;
      }
      const { source, destination } = sample.header;
      const want = { version: out === 'v1' ? 1 : 2, source, destination, authority: out === 'v2' ? hex(sample.authority) : '' };
      const got = {
        version: header.version,
        source: header.source,
        destination: header.destination,
        authority: hex(header.tlvs.find((t) => t.type === 0x02)?.value),
      };
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${id}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    }
    expect(mismatches).toEqual([]);
  });

  test(`${SAMPLES.length} generated headers: HAProxy accepts each with the addresses and TLVs we encoded`, async () => {
    expect(SAMPLES.length).toBeGreaterThanOrEqual(300);
    const kinds = new Set(SAMPLES.map((s) => `v${s.header.version} ${s.header.source.address.includes(':') ? 'TCP6' : 'TCP4'}`));
    expect([...kinds].sort()).toEqual(['v1 TCP4', 'v1 TCP6', 'v2 TCP4', 'v2 TCP6']);
    const textOnly: string[] = [];
    const mismatches: string[] = [];
    await pool(SAMPLES, 12, async (sample) => {
      const bytes = Buffer.from(encode(sample.header, { crc32c: sample.crc32c }));
      const decoded = decode(bytes);
      expect(decoded.status).toBe('complete');
      const view = await haproxy.send(bytes);
      const { source, destination } = sample.header;
      const label = bytes.toString('hex');
      if (view === null) {
        mismatches.push(`rejected: ${label}`);
        return;
      }
      const got = [canonicalAddress(view.src), view.srcPort, canonicalAddress(view.dst), view.dstPort, view.authorityHex, view.uniqueIdHex];
      const want = [
        source.address,
        String(source.port),
        destination.address,
        String(destination.port),
        hex(sample.authority),
        hex(sample.uniqueId),
      ];
      if (JSON.stringify(got) !== JSON.stringify(want))
        mismatches.push(`${label}: HAProxy ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      if (view.src !== source.address) textOnly.push(`${view.src} / ${source.address}`);
      if (view.dst !== destination.address) textOnly.push(`${view.dst} / ${destination.address}`);
    });
    expect(mismatches).toEqual([]);
    // The only textual difference allowed: glibc's inet_ntop prints IPv4-compatible IPv6
    // (first 96 bits zero) with a dotted tail (::0.1.0.2), where RFC 5952 / proxyproto write ::1:2.
    for (const pair of textOnly) expect(pair).toMatch(/^::(\d+\.){3}\d+ \/ ::/);
  });

  test.each(BATTERY.map((c) => [c.name, c] as const))('battery %s', async (_name, c) => {
    const [h, n] = await Promise.all([haproxy.send(c.bytes), nginx.send(c.bytes)]);
    const verdicts: { haproxy: Verdict; nginx: Verdict; ours: OurVerdict } = {
      haproxy: h === null ? 'reject' : 'accept',
      nginx: n === null ? 'reject' : 'accept',
      ours: ours(c.bytes),
    };
    expect(verdicts).toEqual({ haproxy: c.haproxy, nginx: c.nginx, ours: c.ours });
    if (c.haproxySees !== undefined && h !== null) expect(`${h.src}:${h.srcPort} ${h.dst}:${h.dstPort}`).toBe(c.haproxySees);
    // A disagreement between HAProxy and us must be a documented, known difference.
    if (c.haproxy !== c.ours) expect(c.why, `${c.name}: undocumented difference`).toBeTruthy();
    else expect(c.why).toBeUndefined();
    if (c.authority !== undefined) {
      expect(Buffer.from(h?.authorityHex ?? '', 'hex').toString()).toBe(c.authority.haproxy);
      const r = decode(c.bytes);
      expect(r.status === 'complete' && readTlvs(r.header).authority).toBe(c.authority.ours);
    }
    // When both accept a header with addresses, we see what HAProxy sees.
    if (c.haproxy === 'accept' && c.ours === 'accept' && c.haproxySees !== undefined) {
      const r = decode(c.bytes);
      if (r.status !== 'complete') throw new Error('unreachable');
      const { source, destination } = r.header as {
        source: { address: string; port: number };
        destination: { address: string; port: number };
      };
      expect(`${source.address}:${source.port} ${destination.address}:${destination.port}`).toBe(c.haproxySees);
    }
  });
});
