/**
 * ProxyProtocolAgent / ProxyProtocolHttpsAgent / proxyProtocolConnector → HAProxy 2.6 with
 * `bind … accept-proxy` in http mode, keep-alive on: three clients interleaved over one agent;
 * HAProxy must attribute every request to its own client (`%ci:%cp`), and each of the agent's
 * connections must only ever carry one client. Also the reverse-proxy shape: a node:http front
 * that turns the inbound request into the outbound header with headerFromSocket(req).
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { Agent as UndiciAgent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ProxyHeaderInit } from '../../src/index.js';
import {
  acceptProxyProtocol,
  headerFromSocket,
  ProxyProtocolAgent,
  ProxyProtocolHttpsAgent,
  type ProxyRequestOptions,
  proxyProtocolConnector,
} from '../../src/node/index.js';
import {
  type Certs,
  describeWithPeers,
  freePorts,
  hostPort,
  makeCerts,
  type PeerProcess,
  startHaproxy,
  stopAllPeers,
  tempDir,
} from './peers.js';

interface Client {
  id: string;
  header: ProxyHeaderInit;
  /** `%ci:%cp` as HAProxy logs it. */
  source: string;
}

const CLIENTS: Client[] = [
  {
    id: 'a',
    header: { source: { address: '192.0.2.10', port: 50001 }, destination: { address: '198.51.100.1', port: 443 } },
    source: '192.0.2.10:50001',
  },
  {
    id: 'b',
    header: { source: { address: '2001:db8::b', port: 50002 }, destination: { address: '2001:db8::ffff', port: 443 } },
    source: '2001:db8::b:50002',
  },
  {
    id: 'c',
    header: { version: 1, source: { address: '203.0.113.30', port: 50003 }, destination: { address: '198.51.100.1', port: 443 } },
    source: '203.0.113.30:50003',
  },
];

interface Answer {
  /** What HAProxy reported: `src=… auth=<hex>`. */
  body: string;
  /** The agent's end of the connection that carried the request. */
  localPort: number;
}

function get(mod: typeof http | typeof https, options: ProxyRequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: '127.0.0.1', path: '/', ...options }, (res) => {
      const localPort = res.socket.localPort ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve({ body: body.trim(), localPort }) : reject(new Error(`${res.statusCode} ${body}`)),
      );
    });
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Each connection (local port) carried one client only; returns the number of connections per client. */
function connectionsPerClient(answers: readonly { client: Client; answer: Answer }[]): Map<string, number> {
  const owner = new Map<number, string>();
  const perClient = new Map<string, Set<number>>();
  for (const { client, answer } of answers) {
    expect(answer.body.split(' ')[0], `request for ${client.id}`).toBe(`src=${client.source}`);
    const previous = owner.get(answer.localPort);
    if (previous !== undefined) expect(client.id, `connection :${answer.localPort} carried two clients`).toBe(previous);
    owner.set(answer.localPort, client.id);
    const set = perClient.get(client.id) ?? new Set();
    set.add(answer.localPort);
    perClient.set(client.id, set);
  }
  return new Map([...perClient].map(([id, ports]) => [id, ports.size]));
}

describeWithPeers('keep-alive agents → HAProxy 2.6 accept-proxy (http mode, keep-alive)', ['haproxy', 'openssl', 'ss'], () => {
  let dir: ReturnType<typeof tempDir>;
  let certs: Certs;
  let haproxy: PeerProcess;
  let plainPort: number;
  let tlsPort: number;

  beforeAll(async () => {
    dir = tempDir('agent');
    certs = makeCerts(dir.path);
    [plainPort, tlsPort] = (await freePorts(2)) as [number, number];
    const config = `global
    log stdout format raw local0

defaults
    log global
    mode http
    option http-keep-alive
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout http-keep-alive 10s

frontend fe_agent
    bind ${hostPort('127.0.0.1', plainPort)} accept-proxy
    bind ${hostPort('127.0.0.1', tlsPort)} accept-proxy ssl crt ${certs.serverPem}
    http-request return status 200 content-type text/plain lf-string "src=%ci:%cp auth=%[fc_pp_authority,hex] sni=%[ssl_fc_sni]"
`;
    haproxy = await startHaproxy(dir.path, config, [hostPort('127.0.0.1', plainPort), hostPort('127.0.0.1', tlsPort)]);
  });

  afterAll(async () => {
    await stopAllPeers();
    dir?.remove();
  });

  test.each(['http', 'https'] as const)('%s: three clients, 6 interleaved rounds, one connection each', async (kind) => {
    const agent =
      kind === 'http' ? new ProxyProtocolAgent() : new ProxyProtocolHttpsAgent({ ca: certs.read(certs.caCert), servername: 'localhost' });
    const mod = kind === 'http' ? http : https;
    const port = kind === 'http' ? plainPort : tlsPort;
    const answers: { client: Client; answer: Answer }[] = [];
    try {
      for (let round = 0; round < 6; round++) {
        const order = [...CLIENTS.slice(round % 3), ...CLIENTS.slice(0, round % 3)];
        const results = await Promise.all(order.map((client) => get(mod, { port, agent, proxyHeader: client.header })));
        for (const [i, answer] of results.entries()) answers.push({ client: order[i] as Client, answer });
      }
      expect(answers).toHaveLength(18);
      expect(connectionsPerClient(answers)).toEqual(new Map(CLIENTS.map((c) => [c.id, 1])));
      if (kind === 'https') for (const { answer } of answers) expect(answer.body).toContain('sni=localhost');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- haproxy ---\n${haproxy.output.slice(-2000)}`);
    } finally {
      agent.destroy();
    }
  });

  test('per-request AUTHORITY from the Host header: one pool per (client, host)', async () => {
    const agent = new ProxyProtocolAgent({
      header: (_options, request) => ({ ...(CLIENTS[0] as Client).header, tlvs: { authority: String(request.getHeader('host')) } }),
    });
    try {
      const hosts = ['one.test', 'two.test', 'one.test', 'two.test'];
      const answers = [];
      for (const host of hosts) answers.push(await get(http, { port: plainPort, agent, headers: { host } }));
      expect(answers.map((a) => a.body.split(' ')[1])).toEqual(hosts.map((h) => `auth=${Buffer.from(h).toString('hex').toUpperCase()}`));
      expect(answers[2]?.localPort).toBe(answers[0]?.localPort);
      expect(answers[3]?.localPort).toBe(answers[1]?.localPort);
      expect(answers[1]?.localPort).not.toBe(answers[0]?.localPort);
    } finally {
      agent.destroy();
    }
  });

  test('undici: one dispatcher per client, each with proxyProtocolConnector', async () => {
    const dispatchers = new Map(
      CLIENTS.map((c) => [c.id, new UndiciAgent({ connections: 1, connect: proxyProtocolConnector({ header: c.header }) })]),
    );
    try {
      for (let round = 0; round < 6; round++) {
        const bodies = await Promise.all(
          CLIENTS.map(async (c) => {
            const res = await undiciRequest(`http://127.0.0.1:${plainPort}/`, { dispatcher: dispatchers.get(c.id) as UndiciAgent });
            return (await res.body.text()).split(' ')[0];
          }),
        );
        expect(bodies).toEqual(CLIENTS.map((c) => `src=${c.source}`));
      }
    } finally {
      await Promise.all([...dispatchers.values()].map((d) => d.close()));
    }
  });

  test('a node:http reverse proxy in front: headerFromSocket(req) forwards the real client, also from a load balancer', async () => {
    const agent = new ProxyProtocolAgent();
    const front = http.createServer((req, res) => {
      const upstream = http.request(
        { host: '127.0.0.1', port: plainPort, path: req.url, agent, proxyHeader: headerFromSocket(req) } as ProxyRequestOptions,
        (answer) => answer.pipe(res),
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    acceptProxyProtocol(front, { mode: 'lenient' });
    front.listen(0, '127.0.0.1');
    await new Promise((resolve) => front.once('listening', resolve));
    const frontPort = (front.address() as net.AddressInfo).port;
    const lbAgent = new ProxyProtocolAgent();
    try {
      // Straight to the front: HAProxy sees the front's own client.
      const direct = await get(http, { port: frontPort, agent: false });
      expect(direct.body.split(' ')[0]).toBe(`src=127.0.0.1:${direct.localPort}`);
      // Through a "load balancer" (an agent sending client b's header to the front): b goes on.
      const viaLb = await get(http, { port: frontPort, agent: lbAgent, proxyHeader: (CLIENTS[1] as Client).header });
      expect(viaLb.body.split(' ')[0]).toBe(`src=${(CLIENTS[1] as Client).source}`);
    } finally {
      agent.destroy();
      lbAgent.destroy();
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        front.closeAllConnections();
      });
    }
  });
});
