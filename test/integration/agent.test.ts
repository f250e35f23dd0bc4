/**
 * Outbound pools keyed by the client: ProxyProtocolAgent (http), ProxyProtocolHttpsAgent (https)
 * and proxyProtocolConnector (undici) against a backend behind acceptProxyProtocol. Every request
 * the backend sees must carry its own client, on a connection that only ever carried that client.
 */

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Agent as UndiciAgent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { encode, type ProxyHeaderInit, ProxyProtocolError } from '../../src/index.js';
import {
  acceptProxyProtocol,
  connect,
  getClientAddress,
  getProxyHeader,
  headerFromSocket,
  ProxyProtocolAgent,
  ProxyProtocolHttpsAgent,
  type ProxyRequestOptions,
  proxyProtocolConnector,
} from '../../src/node/index.js';
import { closeServer, collect, listen, makeCert, rawConnect } from '../support/sockets.js';

/** What the backend saw for one request. */
interface Seen {
  /** The client the request says it is for (x-client), set by the test. */
  claimed: string;
  /** The client the PROXY header of its connection named (`address:port`, or 'local'). */
  source: string;
  /** Which backend connection carried it. */
  connection: number;
  servername: string | undefined;
}

interface Backend {
  port: number;
  seen: Seen[];
  /** Connections currently open (past their header). */
  open: number;
  /** Most connections open at once. */
  peak: number;
  /** Connections ever accepted past their header. */
  connections: number;
  reset(): void;
  close(): Promise<void>;
}

async function startBackend(kind: 'http' | 'https', cert: { key: Buffer; cert: Buffer }): Promise<Backend> {
  const ids = new WeakMap<net.Socket, number>();
  const backend: Backend = {
    port: 0,
    seen: [],
    open: 0,
    peak: 0,
    connections: 0,
    reset() {
      backend.seen = [];
      backend.peak = backend.open;
      backend.connections = 0;
    },
    close: async () => closeServer(server),
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    const header = getProxyHeader(socket);
    const source =
      header === null || header.command === 'local' || header.source === null
        ? 'local'
        : 'address' in header.source
          ? `${header.source.address}:${header.source.port}`
          : header.source.path;
    backend.seen.push({
      claimed: String(req.headers['x-client'] ?? ''),
      source,
      connection: ids.get(socket as net.Socket) ?? -1,
      servername: (socket as { servername?: string }).servername,
    });
    req.resume();
    res.end(source);
  };
  const server = kind === 'http' ? http.createServer(handler) : https.createServer({ key: cert.key, cert: cert.cert }, handler);
  server.keepAliveTimeout = 30_000;
  let next = 0;
  // With acceptProxyProtocol, the server's connection event comes after the header.
  server.on(kind === 'http' ? 'connection' : 'secureConnection', (socket: net.Socket) => {
    ids.set(socket, next++);
    backend.connections++;
    backend.open++;
    backend.peak = Math.max(backend.peak, backend.open);
    socket.once('close', () => backend.open--);
  });
  acceptProxyProtocol(server);
  backend.port = await listen(server);
  return backend;
}

/** A client the proxy forwards for: its header, and the source the backend must report. */
interface Client {
  id: string;
  header: ProxyHeaderInit;
  source: string;
}

function client(id: string, address: string, port: number, version: 1 | 2 = 2): Client {
  const v6 = address.includes(':');
  return {
    id,
    header: { version, source: { address, port }, destination: { address: v6 ? '2001:db8::ffff' : '198.51.100.1', port: 443 } },
    source: `${address}:${port}`,
  };
}

// Loopback only offers one source address: the clients are told apart by their headers.
const A = client('a', '192.0.2.10', 50001);
const B = client('b', '2001:db8::b', 50002);
const C = client('c', '203.0.113.30', 50003, 1);
const CLIENTS: readonly Client[] = [A, B, C];

/** Node's count of the agent's sockets, in use and idle (not in its typings). */
function total(agent: http.Agent): number {
  return (agent as unknown as { totalSocketCount: number }).totalSocketCount;
}

interface Response {
  status: number;
  body: string;
}

function get(mod: typeof http | typeof https, options: ProxyRequestOptions & { client?: string }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const { client: id, ...rest } = options;
    const req = mod.request({ host: '127.0.0.1', path: '/', ...rest, headers: { 'x-client': id ?? '', ...rest.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Every request was seen with the client it claimed, and no connection carried two clients. */
function expectNoCrossing(seen: readonly Seen[], clients: readonly Client[]): Map<number, string> {
  const byId = new Map(clients.map((c) => [c.id, c.source]));
  const owner = new Map<number, string>();
  for (const s of seen) {
    expect(s.source, `request for ${s.claimed}`).toBe(byId.get(s.claimed));
    const previous = owner.get(s.connection);
    if (previous !== undefined) expect(s.source, `connection ${s.connection} reused across clients`).toBe(previous);
    owner.set(s.connection, s.source);
  }
  return owner;
}

function sumOf(pool: NodeJS.ReadOnlyDict<unknown[]>): number {
  let n = 0;
  for (const key in pool) n += pool[key]?.length ?? 0;
  return n;
}

let cert: { key: Buffer; cert: Buffer };
let httpBackend: Backend;
let httpsBackend: Backend;

beforeAll(async () => {
  cert = makeCert();
  [httpBackend, httpsBackend] = await Promise.all([startBackend('http', cert), startBackend('https', cert)]);
});

afterAll(async () => {
  await Promise.all([httpBackend?.close(), httpsBackend?.close()]);
});

describe.each(['http', 'https'] as const)('%s: three clients interleaved over one keep-alive agent', (kind) => {
  test('6 rounds: every request sees its own client, one connection per client', async () => {
    const backend = kind === 'http' ? httpBackend : httpsBackend;
    backend.reset();
    const agent =
      kind === 'http'
        ? new ProxyProtocolAgent()
        : new ProxyProtocolHttpsAgent({ ca: cert.cert, servername: 'localhost', maxCachedSessions: 10 });
    const mod = kind === 'http' ? http : https;
    try {
      for (let round = 0; round < 6; round++) {
        // Each round in a different order, all three in flight at once.
        const order = [...CLIENTS.slice(round % 3), ...CLIENTS.slice(0, round % 3)];
        const results = await Promise.all(order.map((c) => get(mod, { port: backend.port, agent, proxyHeader: c.header, client: c.id })));
        expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(results.map((r) => r.body)).toEqual(order.map((c) => c.source));
      }
      expect(backend.seen).toHaveLength(18);
      const owners = expectNoCrossing(backend.seen, CLIENTS);
      expect(owners.size).toBe(3);
      expect(backend.connections).toBe(3);
      if (kind === 'https') expect(new Set(backend.seen.map((s) => s.servername))).toEqual(new Set(['localhost']));
      expect(sumOf(agent.freeSockets)).toBe(3);
    } finally {
      agent.destroy();
    }
  });
});

describe('https: TLS runs as https.Agent runs it', () => {
  test('TLS sessions are cached per server: a second client resumes the session of the first', async () => {
    const reused: boolean[] = [];
    const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      reused.push((req.socket as TLSSocket).isSessionReused());
      res.end();
    });
    acceptProxyProtocol(server);
    const port = await listen(server);
    const agent = new ProxyProtocolHttpsAgent({ ca: cert.cert, servername: 'localhost' });
    try {
      for (const c of CLIENTS) await get(https, { port, agent, proxyHeader: c.header, client: c.id });
      expect(reused).toEqual([false, true, true]);
      expect(sumOf(agent.freeSockets)).toBe(3);
    } finally {
      agent.destroy();
      await closeServer(server);
    }
  });

  test('the certificate is still checked: without the CA the request fails', async () => {
    const agent = new ProxyProtocolHttpsAgent({ header: A.header });
    try {
      await expect(get(https, { port: httpsBackend.port, agent, servername: 'localhost' })).rejects.toThrow(/self.signed|certificate/i);
    } finally {
      agent.destroy();
    }
  });

  test('the hostname is still checked against the certificate', async () => {
    const agent = new ProxyProtocolHttpsAgent({ header: A.header, ca: cert.cert });
    try {
      await expect(get(https, { port: httpsBackend.port, agent, servername: 'not-this-host.test' })).rejects.toThrow(/altnames|Hostname/i);
    } finally {
      agent.destroy();
    }
  });

  test('a refused TCP connection fails the request', async () => {
    const probe = http.createServer();
    const port = await listen(probe);
    await closeServer(probe);
    const agent = new ProxyProtocolHttpsAgent({ header: A.header, ca: cert.cert });
    try {
      await expect(get(https, { port, agent, servername: 'localhost' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
    }
  });
});

describe('WebSocket (ws) through the agent', () => {
  test('the upgrade request carries its client; upgraded sockets leave the pool', async () => {
    const server = http.createServer();
    acceptProxyProtocol(server);
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => ws.send(String(getClientAddress(req.socket)?.address)));
    const port = await listen(server);
    const agent = new ProxyProtocolAgent();
    try {
      for (const c of [A, B]) {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { agent, proxyHeader: c.header } as WebSocket.ClientOptions);
        const [message] = (await once(ws, 'message')) as [Buffer];
        expect(message.toString()).toBe(c.source.slice(0, c.source.lastIndexOf(':')));
        ws.close();
        await once(ws, 'close');
      }
      expect(total(agent)).toBe(0);
    } finally {
      agent.destroy();
      wss.close();
      await closeServer(server);
    }
  });
});

describe('pool bounds across many clients', () => {
  test('1,000 distinct clients under maxTotalSockets 16: the bound holds, nothing waits for an idle timeout', async () => {
    httpBackend.reset();
    const MAX = 16;
    const agent = new ProxyProtocolAgent({ maxTotalSockets: MAX, maxFreeSockets: 2 });
    const clients = Array.from({ length: 1000 }, (_, i) =>
      i % 2 === 0
        ? client(`n${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1024 + i)
        : client(`n${i}`, `2001:db8::${i.toString(16)}`, 1024 + i),
    );
    let maxTotal = 0;
    let maxFree = 0;
    try {
      // 32 requests in flight at a time, twice as many as the bound, each client twice.
      const work = [...clients, ...clients];
      let next = 0;
      const worker = async () => {
        while (next < work.length) {
          const c = work[next++] as Client;
          const res = await get(http, { port: httpBackend.port, agent, proxyHeader: c.header, client: c.id });
          expect(res.body).toBe(c.source);
          maxTotal = Math.max(maxTotal, total(agent));
          maxFree = Math.max(maxFree, sumOf(agent.freeSockets));
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
      expect(httpBackend.seen).toHaveLength(2000);
      expectNoCrossing(httpBackend.seen, clients);
      expect(maxTotal).toBeLessThanOrEqual(MAX);
      expect(maxFree).toBeLessThanOrEqual(MAX);
      expect(httpBackend.peak).toBeLessThanOrEqual(MAX);
      expect(total(agent)).toBeLessThanOrEqual(MAX);
    } finally {
      agent.destroy();
    }
  });

  test('idle connections of earlier clients give way to a new client at maxTotalSockets', async () => {
    httpBackend.reset();
    const agent = new ProxyProtocolAgent({ maxTotalSockets: 2 });
    try {
      for (const c of CLIENTS) {
        const res = await get(http, { port: httpBackend.port, agent, proxyHeader: c.header, client: c.id });
        expect(res.body).toBe(c.source);
      }
      // The third client got a connection although two idle ones filled the bound.
      expect(total(agent)).toBeLessThanOrEqual(2);
      expect(httpBackend.connections).toBe(3);
    } finally {
      agent.destroy();
    }
  });

  test('maxSockets is per client: one client is capped, others are not held up', async () => {
    httpBackend.reset();
    const agent = new ProxyProtocolAgent({ maxSockets: 1 });
    try {
      await Promise.all([
        ...Array.from({ length: 4 }, () => get(http, { port: httpBackend.port, agent, proxyHeader: A.header, client: A.id })),
        ...Array.from({ length: 4 }, () => get(http, { port: httpBackend.port, agent, proxyHeader: B.header, client: B.id })),
      ]);
      expect(httpBackend.seen).toHaveLength(8);
      expectNoCrossing(httpBackend.seen, CLIENTS);
      expect(httpBackend.connections).toBe(2);
    } finally {
      agent.destroy();
    }
  });
});

describe('where the header comes from', () => {
  test('an agent-level function of the request, with per-request TLVs; the request option wins', async () => {
    httpBackend.reset();
    const seenTlvs: string[] = [];
    const backend = http.createServer((req, res) => {
      const header = getProxyHeader(req.socket);
      const authority = header?.tlvs.find((t) => t.type === 0x02);
      seenTlvs.push(authority === undefined ? '' : Buffer.from(authority.value).toString());
      res.end();
    });
    acceptProxyProtocol(backend);
    const port = await listen(backend);
    const agent = new ProxyProtocolAgent({
      header: (_options, request) => ({ ...A.header, version: 2, tlvs: { authority: String(request.getHeader('host')) } }),
    });
    try {
      await get(http, { port, agent, headers: { host: 'one.test' } });
      await get(http, { port, agent, headers: { host: 'two.test' } });
      await get(http, { port, agent, headers: { host: 'one.test' } });
      await get(http, { port, agent, headers: { host: 'one.test' }, proxyHeader: { ...B.header, tlvs: { authority: 'override.test' } } });
      expect(seenTlvs).toEqual(['one.test', 'two.test', 'one.test', 'override.test']);
      // one.test reused its connection; each distinct header got its own.
      expect(Object.keys(agent.freeSockets)).toHaveLength(3);
    } finally {
      agent.destroy();
      await closeServer(backend);
    }
  });

  test('LOCAL headers for health checks share one pool of their own', async () => {
    httpBackend.reset();
    const agent = new ProxyProtocolAgent();
    try {
      for (let i = 0; i < 3; i++) {
        const res = await get(http, { port: httpBackend.port, agent, proxyHeader: { command: 'local' } });
        expect(res.body).toBe('local');
      }
      const res = await get(http, { port: httpBackend.port, agent, proxyHeader: A.header, client: 'a' });
      expect(res.body).toBe(A.source);
      expect(httpBackend.connections).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  test('headerFromSocket(req): a reverse proxy behind a load balancer forwards the real client', async () => {
    httpBackend.reset();
    const agent = new ProxyProtocolAgent();
    const front = http.createServer((req, res) => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: httpBackend.port,
          agent,
          headers: { 'x-client': 'lb' },
          proxyHeader: headerFromSocket(req),
        } as ProxyRequestOptions,
        (answer) => answer.pipe(res),
      );
      upstream.on('error', () => res.destroy());
      upstream.end();
    });
    acceptProxyProtocol(front, { mode: 'lenient' });
    const frontPort = await listen(front);
    try {
      // Through a load balancer: the client of the received header goes on.
      const lb = await new Promise<string>((resolve, reject) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port: frontPort,
            createConnection: (opts: object, cb: () => void) => connect({ ...(opts as object), header: B.header } as never, cb),
          } as unknown as http.RequestOptions,
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
      });
      expect(lb).toBe(B.source);
      // Directly: the inbound connection's own peer.
      const direct = await get(http, { port: frontPort, agent: false });
      expect(direct.body).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      agent.destroy();
      await closeServer(front);
    }
  });
});

describe('failures before connecting', () => {
  let attempts = 0;
  let counter: net.Server;
  let port: number;

  beforeAll(async () => {
    counter = http.createServer((_req, res) => res.end());
    counter.on('connection', () => attempts++);
    port = await listen(counter);
  });

  afterAll(() => closeServer(counter));

  test('a header that fails to encode fails the request with a ProxyProtocolError, no connection made', async () => {
    const agent = new ProxyProtocolAgent();
    try {
      const bad: ProxyHeaderInit = {
        version: 1,
        source: { address: '192.0.2.1', port: 1 },
        destination: { address: '2001:db8::1', port: 2 },
        family: 'ipv4',
      };
      const error = await get(http, { port, agent, proxyHeader: bad }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProxyProtocolError);
      const v1Tlvs = await get(http, { port, agent, proxyHeader: { ...C.header, tlvs: { authority: 'x' } } }).catch((e: unknown) => e);
      expect(v1Tlvs).toBeInstanceOf(ProxyProtocolError);
      const fromFunction = new ProxyProtocolAgent({ header: () => bad });
      await expect(get(http, { port, agent: fromFunction })).rejects.toBeInstanceOf(ProxyProtocolError);
      fromFunction.destroy();
      expect(attempts).toBe(0);
      expect(total(agent)).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  test('a request with no header at all fails with a TypeError', async () => {
    const agent = new ProxyProtocolAgent();
    try {
      const error = await get(http, { port, agent }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toHaveProperty('message', expect.stringMatching(/proxyHeader/));
      expect(attempts).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  test('getName: the pool key ends with the header bytes; without a usable header, a key no connection uses', () => {
    const agent = new ProxyProtocolAgent({ header: () => A.header });
    const base = new http.Agent().getName({ host: 'backend', port: 80 });
    const bytes = Buffer.from(encode(A.header)).toString('base64');
    expect(agent.getName({ host: 'backend', port: 80, proxyHeader: A.header } as ProxyRequestOptions)).toBe(`${base}:proxy=${bytes}`);
    expect(agent.getName({ host: 'backend', port: 80 })).toBe(`${base}:proxy=?`);
    expect(agent.getName()).toBe(new http.Agent().getName());
    agent.destroy();
  });

  test('headerFromSocket(forwardReceived: false) on a transparent socket uses its real peer, the load balancer', () => {
    // What acceptProxyProtocol leaves on a transparent socket: the header's addresses as its own,
    // the real peer under a shared symbol.
    const transparent = {
      remoteAddress: '192.0.2.10',
      remotePort: 50001,
      localAddress: '198.51.100.1',
      localPort: 443,
      [Symbol.for('proxyproto.peer')]: { address: '10.0.0.7', port: 40000, family: 'IPv4' },
    };
    expect(headerFromSocket(transparent, { forwardReceived: false })).toMatchObject({
      source: { address: '10.0.0.7', port: 40000 },
      destination: { address: '198.51.100.1', port: 443 },
    });
  });

  test('options are checked', () => {
    expect(() => new ProxyProtocolAgent({ header: 'x' as never })).toThrow(TypeError);
    expect(() => new ProxyProtocolAgent({ crc32c: 'yes' as never })).toThrow(TypeError);
    expect(() => new ProxyProtocolAgent({ padTo: '64' as never })).toThrow(TypeError);
    // An impossible padTo is refused when the agent is built, not by each request, header function or not.
    expect(() => new ProxyProtocolAgent({ padTo: -1, header: () => A.header })).toThrow(RangeError);
    expect(() => new ProxyProtocolHttpsAgent({ padTo: Number.NaN })).toThrow(RangeError);
    expect(() => new ProxyProtocolAgent({ padTo: 1.5 })).toThrow(/padTo must be a whole number of bytes/);
    expect(() => new ProxyProtocolAgent({ proxyHeader: {} } as never)).toThrow(/request option/);
    expect(() => new ProxyProtocolHttpsAgent({ encodeOptions: { crc32c: true } } as never)).toThrow(/crc32c and padTo/);
    expect(
      () => new ProxyProtocolAgent({ header: { source: { address: 'nope', port: 1 }, destination: { address: '::1', port: 2 } } }),
    ).toThrow(ProxyProtocolError);
    expect(() => connect({ port, header: A.header, encodeOptions: {} } as never)).toThrow(/encodeOptions was removed/);
    expect(() => connect({ port, header: A.header, crc32c: 1 as never })).toThrow(TypeError);
    expect(() => connect({ port } as never)).toThrow(/header/);
    expect(() =>
      connect({
        port,
        header: { version: 1, source: { address: '1.2.3.4', port: 1 }, destination: { address: '::1', port: 2 }, family: 'ipv4' },
      }),
    ).toThrow(ProxyProtocolError);
    expect(() => headerFromSocket({}, { versoin: 2 } as never)).toThrow(
      /unknown option "versoin".*version, command, tlvs, forwardReceived/,
    );
    expect(() => headerFromSocket({}, { forwardReceived: 'no' } as never)).toThrow(TypeError);
    expect(() => headerFromSocket({}, { version: 3 } as never)).toThrow(RangeError);
    expect(() => headerFromSocket({}, { version: '2' } as never)).toThrow(TypeError);
    expect(() => headerFromSocket({}, { command: 'relay' } as never)).toThrow(RangeError);
    expect(() => headerFromSocket({}, { command: 1 } as never)).toThrow(TypeError);
    expect(() => headerFromSocket({}, { tlvs: 'x' } as never)).toThrow(TypeError);
    expect(() => headerFromSocket(null as never)).toThrow(TypeError);
    expect(() => connect(null as never)).toThrow(TypeError);
    expect(() => connect({ port, header: A.header, tls: 'yes' } as never)).toThrow(/tls must be/);
    expect(() => connect({ port, header: A.header }, 'cb' as never)).toThrow(/connectListener/);
    expect(() => connect({ port, header: A.header, padTo: '64' } as never)).toThrow(/padTo/);
    expect(() => new ProxyProtocolAgent(null as never)).toThrow(TypeError);
    expect(() => proxyProtocolConnector(null as never)).toThrow(TypeError);
    expect(() => proxyProtocolConnector({ header: {}, tls: 'x' } as never)).toThrow(/tls must be/);
    expect(() => proxyProtocolConnector({ header: {}, timeout: '1' } as never)).toThrow(TypeError);
    expect(() => proxyProtocolConnector({ header: {}, ca: 'x' } as never)).toThrow(
      /unknown option "ca".*header, crc32c, padTo, tls, timeout/,
    );
    expect(() => proxyProtocolConnector({ header: {}, timeout: -1 })).toThrow(RangeError);
    expect(() => proxyProtocolConnector({ header: { version: 1, tlvs: { authority: 'x' } } })).toThrow();
    expect(attempts).toBe(0);
  });
});

describe('property: any interleaving of requests for N clients never crosses clients', () => {
  test('over one keep-alive agent', async () => {
    const pool = Array.from({ length: 6 }, (_, i) =>
      i % 2 ? client(`p${i}`, `2001:db8::${i + 1}`, 4000 + i) : client(`p${i}`, `192.0.2.${i + 1}`, 4000 + i),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        // Batches of requests run concurrently; batches run one after another.
        fc.array(fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        fc.record({ maxSockets: fc.constantFrom(1, 2, Infinity), maxTotalSockets: fc.constantFrom(1, 3, 1024) }),
        async (n, batches, limits) => {
          const clients = pool.slice(0, n);
          httpBackend.reset();
          const agent = new ProxyProtocolAgent(limits);
          try {
            for (const batch of batches) {
              const picked = batch.map((i) => clients[i % n] as Client);
              const results = await Promise.all(
                picked.map((c) => get(http, { port: httpBackend.port, agent, proxyHeader: c.header, client: c.id })),
              );
              expect(results.map((r) => r.body)).toEqual(picked.map((c) => c.source));
            }
            expectNoCrossing(httpBackend.seen, clients);
            expect(total(agent)).toBeLessThanOrEqual(limits.maxTotalSockets);
          } finally {
            agent.destroy();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('undici: proxyProtocolConnector with one dispatcher per client', () => {
  /** A bounded map of dispatchers: the least recently used one is closed past `max`. */
  function dispatchers(max: number, make: (c: Client) => UndiciAgent) {
    const map = new Map<string, UndiciAgent>();
    const closed: Promise<void>[] = [];
    return {
      map,
      closed,
      for(c: Client): UndiciAgent {
        let agent = map.get(c.id);
        if (agent !== undefined) map.delete(c.id);
        else agent = make(c);
        map.set(c.id, agent);
        if (map.size > max) {
          const [oldest, evicted] = map.entries().next().value as [string, UndiciAgent];
          map.delete(oldest);
          closed.push(evicted.close());
        }
        return agent;
      },
      async close() {
        await Promise.all([...closed, ...[...map.values()].map((a) => a.close())]);
      },
    };
  }

  test.each(['http', 'https'] as const)('%s: 6 interleaved rounds, one connection per client', async (kind) => {
    const backend = kind === 'http' ? httpBackend : httpsBackend;
    backend.reset();
    const pool = dispatchers(
      8,
      (c) =>
        new UndiciAgent({
          // One connection per client: undici opens a second one on a second request otherwise.
          connections: 1,
          connect: proxyProtocolConnector({
            header: c.header,
            ...(kind === 'https' ? { tls: { ca: cert.cert, servername: 'localhost' } } : {}),
          }),
        }),
    );
    try {
      for (let round = 0; round < 6; round++) {
        const order = [...CLIENTS.slice(round % 3), ...CLIENTS.slice(0, round % 3)];
        const bodies = await Promise.all(
          order.map(async (c) => {
            const res = await undiciRequest(`${kind}://127.0.0.1:${backend.port}/`, {
              dispatcher: pool.for(c),
              headers: { 'x-client': c.id },
            });
            return res.body.text();
          }),
        );
        expect(bodies).toEqual(order.map((c) => c.source));
      }
      expectNoCrossing(backend.seen, CLIENTS);
      expect(backend.connections).toBe(3);
      if (kind === 'https') expect(new Set(backend.seen.map((s) => s.servername))).toEqual(new Set(['localhost']));
    } finally {
      await pool.close();
    }
  });

  test('a bounded map of dispatchers keeps at most max clients connected', async () => {
    httpBackend.reset();
    const pool = dispatchers(4, (c) => new UndiciAgent({ connect: proxyProtocolConnector({ header: c.header }) }));
    const clients = Array.from({ length: 40 }, (_, i) => client(`u${i}`, `198.18.0.${i + 1}`, 7000 + i));
    try {
      for (const c of clients) {
        const res = await undiciRequest(`http://127.0.0.1:${httpBackend.port}/`, {
          dispatcher: pool.for(c),
          headers: { 'x-client': c.id },
        });
        expect(await res.body.text()).toBe(c.source);
      }
      await Promise.all(pool.closed);
      expect(pool.map.size).toBe(4);
      expectNoCrossing(httpBackend.seen, clients);
      // Closed dispatchers closed their connections: only the last four clients stay connected.
      for (let i = 0; i < 50 && httpBackend.open > 4; i++) await new Promise((r) => setTimeout(r, 20));
      expect(httpBackend.open).toBeLessThanOrEqual(4);
    } finally {
      await pool.close();
    }
  });

  test('TLS over a socket undici hands over (httpSocket): the header goes first on it', async () => {
    const connector = proxyProtocolConnector({ header: B.header, tls: { ca: cert.cert } });
    const raw = await rawConnect(httpsBackend.port);
    const socket = await new Promise<net.Socket>((resolve, reject) =>
      connector(
        { hostname: '127.0.0.1', protocol: 'https:', port: String(httpsBackend.port), servername: 'localhost', httpSocket: raw },
        (error, s) => (error === null ? resolve(s) : reject(error)),
      ),
    );
    socket.end('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const answer = (await collect(socket)).toString('latin1');
    expect(answer.endsWith(B.source)).toBe(true);
  });

  test('a TLS handshake that never completes fails with a connect timeout', async () => {
    const silent = net.createServer((socket) => socket.resume()); // accepts, reads, never answers
    const port = await listen(silent);
    const connector = proxyProtocolConnector({ header: A.header, timeout: 100 });
    try {
      const error = await new Promise<unknown>((resolve) =>
        connector({ hostname: '127.0.0.1', protocol: 'https:', port: String(port) }, (...args) => resolve(args[0])),
      );
      expect(error).toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' });
    } finally {
      await closeServer(silent);
    }
  });

  test('a timeout above the longest timer delay is capped there, not fired at once', async () => {
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      accepted.add(socket);
      socket.resume(); // reads the header and the ClientHello, never answers
    });
    const port = await listen(silent);
    const connector = proxyProtocolConnector({ header: A.header, timeout: 2 ** 32 });
    const settled: unknown[] = [];
    try {
      connector({ hostname: '127.0.0.1', protocol: 'https:', port: String(port) }, (...args) => settled.push(args[0]));
      // Node runs an overflowing delay after 1 ms: the handshake must still be pending well after that.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled).toEqual([]);
    } finally {
      for (const socket of accepted) socket.destroy();
      await closeServer(silent);
    }
  });

  test('a refused connection reaches undici as an error', async () => {
    const probe = http.createServer();
    const port = await listen(probe);
    await closeServer(probe);
    const agent = new UndiciAgent({ connect: proxyProtocolConnector({ header: A.header }) });
    try {
      await expect(undiciRequest(`http://127.0.0.1:${port}/`, { dispatcher: agent })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await agent.close();
    }
  });
});

describe('examples/reverse-proxy.mjs', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  // It imports the build, which `npm test` makes first.
  test.skipIf(!existsSync(`${root}dist/node.js`))(
    'runs standalone: each client on its own connection, LOCAL for health checks',
    async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['examples/reverse-proxy.mjs'], { cwd: root, timeout: 20_000 });
      const lines = stdout.trim().split('\n');
      expect(lines.filter((l) => l.startsWith('round '))).toEqual([
        'round 1: client 1 -> backend saw 203.0.113.7:50123 on connection 1',
        'round 1: client 2 -> backend saw 2001:db8::42:40000 on connection 2',
        'round 1: client 3 -> backend saw 192.0.2.99:61000 on connection 3',
        'round 2: client 1 -> backend saw 203.0.113.7:50123 on connection 1',
        'round 2: client 2 -> backend saw 2001:db8::42:40000 on connection 2',
        'round 2: client 3 -> backend saw 192.0.2.99:61000 on connection 3',
      ]);
      expect(stdout).toMatch(/a direct client \(no load balancer\) -> backend saw 127\.0\.0\.1:\d+/);
      expect(stdout).toMatch(/LOCAL header -> backend saw its own peer 127\.0\.0\.1:\d+ \(proxied: false\)/);
    },
  );
});
