/**
 * The framework recipes of docs/frameworks.md, run as users run them: each examples/frameworks/*.mjs
 * is started as its own Node process (importing `proxyproto/node`, i.e. dist/), behind one real
 * HAProxy that forwards to it in TCP mode with `send-proxy-v2` and with `send-proxy` (v1). Clients
 * connect from distinct loopback addresses, so HAProxy sees distinct clients, and each test
 * asserts what the framework itself reports (req.ip, request.ip, ctx.ip, getConnInfo, the
 * upgrade request's socket, the log lines), never what proxyproto reports.
 *
 * The docs show the example files verbatim; the first test keeps the two identical. The other
 * claims of the page that need no load balancer (the TypeError for an app, getPeerAddress,
 * `transparent: false`) run in process.
 */
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { encode } from '../../src/index.js';
import { acceptProxyProtocol, getClientAddress, getPeerAddress } from '../../src/node/index.js';
import {
  type Certs,
  describeWithPeers,
  findProgram,
  freePorts,
  makeCerts,
  PeerProcess,
  startHaproxy,
  stopAllPeers,
  tempDir,
} from './peers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const examples = join(root, 'examples/frameworks');
const RECIPES = [
  'express',
  'express-pino',
  'fastify',
  'fastify-server-factory',
  'koa',
  'hono',
  'ws',
  'socket.io',
  'http2',
  'http2-secure',
  'cluster',
  'https',
] as const;
type Recipe = (typeof RECIPES)[number];

/** Three clients as HAProxy sees them: distinct loopback source addresses. */
const CLIENTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;
const VIAS = ['v2', 'v1'] as const;
/** `http`: HAProxy in HTTP mode in front of one recipe, to show it never mixes clients on a connection. */
type Via = (typeof VIAS)[number] | 'http';
const TIMEOUT = 5000;

describe('docs/frameworks.md', () => {
  test('shows every examples/frameworks file verbatim, and only those', () => {
    const doc = readFileSync(join(root, 'docs/frameworks.md'), 'utf8');
    const shown = new Map<string, string>();
    for (const match of doc.matchAll(/^```js\n\/\/ examples\/frameworks\/(\S+)\n([\s\S]*?)^```$/gm)) {
      shown.set(match[1] as string, match[2] as string);
    }
    const files = readdirSync(examples).filter((f) => f.endsWith('.mjs'));
    expect([...shown.keys()].sort()).toEqual([...files].sort());
    expect(files.sort()).toEqual(RECIPES.map((r) => `${r}.mjs`).sort());
    for (const [file, code] of shown) expect(code, file).toBe(readFileSync(join(examples, file), 'utf8'));
  });
});

describe('given the app instead of its server', () => {
  test.each([
    ['express', () => express(), /app\.listen\(\) returns the server/],
    ['koa', () => new Koa(), /app\.listen\(\) returns the server/],
    ['fastify', () => Fastify(), /pass app\.server/],
  ] as const)('%s: acceptProxyProtocol throws a TypeError naming the call that returns the server', (_name, make, fix) => {
    const app = make();
    expect(() => acceptProxyProtocol(app as never)).toThrow(TypeError);
    expect(() => acceptProxyProtocol(app as never)).toThrow(fix);
  });
});

describe('what the page says about the socket (in process, a header written by hand)', () => {
  const header = encode({ source: { address: '203.0.113.9', port: 51234 }, destination: { address: '10.0.0.5', port: 443 } });

  /** express answers `req.ip client=… peer=…` for one request that starts with `header`. */
  async function ask(options: { transparent?: boolean }, trustProxy = false, extra = ''): Promise<string> {
    const app = express();
    app.set('trust proxy', trustProxy);
    app.get('/', (req, res) =>
      res.send(`${req.ip} client=${getClientAddress(req.socket)?.address} peer=${getPeerAddress(req.socket)?.address}`),
    );
    const server = app.listen(0, '127.0.0.1');
    acceptProxyProtocol(server, options);
    try {
      await once(server, 'listening');
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      socket.setTimeout(TIMEOUT, () => socket.destroy(new Error(`no answer within ${TIMEOUT} ms`)));
      socket.end(Buffer.concat([header, Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`)]));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      await once(socket, 'close');
      const response = Buffer.concat(chunks).toString('latin1');
      return response.slice(response.indexOf('\r\n\r\n') + 4);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  test('by default req.ip is the client; getPeerAddress is the load balancer', async () => {
    expect(await ask({})).toBe('203.0.113.9 client=203.0.113.9 peer=127.0.0.1');
  });

  test("express 'trust proxy' on: req.ip is whatever X-Forwarded-For the client wrote (why the recipes leave it off)", async () => {
    const spoofed = 'X-Forwarded-For: 198.51.100.7\r\n';
    expect(await ask({}, false, spoofed)).toBe('203.0.113.9 client=203.0.113.9 peer=127.0.0.1');
    expect(await ask({}, true, spoofed)).toBe('198.51.100.7 client=203.0.113.9 peer=127.0.0.1');
  });

  test('with transparent: false, req.ip is the load balancer again; getClientAddress is the client', async () => {
    expect(await ask({ transparent: false })).toBe('127.0.0.1 client=203.0.113.9 peer=127.0.0.1');
  });
});

/** The recipes import `proxyproto/node`, which resolves to dist/: rebuild it when src/ is newer. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  let built = 0;
  try {
    built = statSync(join(root, 'dist/node.js')).mtimeMs;
  } catch {
    // not built yet
  }
  if (built >= newest(join(root, 'src'))) return;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${stdout}${stderr}`);
  }
}

/**
 * Polls the listen table (`ss`, never a connection: a header-less one would be dropped) until
 * something listens on `port`, on any address: `*` (dual stack), `0.0.0.0`, `[::]`.
 */
async function waitForPort(port: number, isAlive: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await promisify(execFile)(findProgram('ss') ?? 'ss', ['-Hltn', `sport = :${port}`]);
    if (stdout.trim() !== '') return;
    if (!isAlive()) throw new Error(`exited before listening on port ${port}`);
    if (Date.now() > deadline) throw new Error(`not listening on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithPeers('framework recipes behind HAProxy 2.6 (send-proxy-v2 and send-proxy)', ['haproxy', 'openssl', 'ss'], () => {
  let dir: ReturnType<typeof tempDir>;
  let certs: Certs;
  const apps = new Map<Recipe, PeerProcess>();
  /** HAProxy's frontend port for each recipe and header version. */
  const front = new Map<string, number>();
  const port = (recipe: Recipe, via: Via): number => front.get(`${recipe}-${via}`) as number;

  beforeAll(async () => {
    ensureBuilt();
    dir = tempDir('frameworks');
    certs = makeCerts(dir.path); // server.key and server.crt, which the TLS recipes read from their cwd
    const ports = await freePorts(RECIPES.length * 3 + 1);
    front.set('koa-http', ports[RECIPES.length * 3] as number);
    const backends = new Map<Recipe, number>();
    for (const [i, recipe] of RECIPES.entries()) {
      backends.set(recipe, ports[i * 3] as number);
      front.set(`${recipe}-v2`, ports[i * 3 + 1] as number);
      front.set(`${recipe}-v1`, ports[i * 3 + 2] as number);
    }
    for (const recipe of RECIPES) {
      const file = join(examples, `${recipe}.mjs`);
      apps.set(recipe, new PeerProcess(recipe, 'env', [`PORT=${backends.get(recipe)}`, 'WORKERS=2', process.execPath, file], dir.path));
    }
    await Promise.all(
      RECIPES.map(async (recipe) => {
        const app = apps.get(recipe) as PeerProcess;
        try {
          await waitForPort(backends.get(recipe) as number, () => !app.exited);
        } catch (error) {
          throw new Error(`${recipe}: ${(error as Error).message}\n--- output ---\n${app.output}`);
        }
      }),
    );
    const sections = RECIPES.flatMap((recipe) =>
      VIAS.map(
        (via) => `listen ${recipe}-${via}
    bind 127.0.0.1:${port(recipe, via)}
    server app 127.0.0.1:${backends.get(recipe)} ${via === 'v2' ? 'send-proxy-v2' : 'send-proxy'}
`,
      ),
    );
    // HTTP mode, reusing idle server connections as eagerly as HAProxy can: a connection that
    // started with a PROXY header is private to its client all the same.
    sections.push(`listen koa-http
    mode http
    option httplog
    http-reuse always
    bind 127.0.0.1:${port('koa', 'http')}
    server app 127.0.0.1:${backends.get('koa')} send-proxy-v2
`);
    // TCP mode: HAProxy adds no X-Forwarded-For; the PROXY header is the only carrier of the client.
    const config = `global
    log stdout format raw local0

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 2s
    timeout client 5s
    timeout server 5s

${sections.join('\n')}`;
    await startHaproxy(
      dir.path,
      config,
      [...front.values()].map((p) => `127.0.0.1:${p}`),
    );
  }, 90_000);

  afterAll(async () => {
    await stopAllPeers();
    dir?.remove();
  });

  /** One GET on a fresh connection from `client`, through HAProxy. */
  function get(
    recipe: Recipe,
    via: Via,
    client: string,
    path = '/',
    headers: http.OutgoingHttpHeaders = {},
  ): Promise<{ status: number; body: string; localPort: number }> {
    return new Promise((resolve, reject) => {
      const secure = recipe === 'https';
      const options: https.RequestOptions = {
        host: '127.0.0.1',
        port: port(recipe, via),
        path,
        localAddress: client,
        agent: false,
        headers: { connection: 'close', ...headers },
        timeout: TIMEOUT,
        ...(secure ? { ca: certs.read(certs.caCert), servername: 'localhost' } : {}),
      };
      const req = (secure ? https : http).get(options, (res) => {
        const localPort = res.socket.localPort ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), localPort }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${recipe} ${via}: no answer within ${TIMEOUT} ms`)));
      req.on('error', reject);
    });
  }

  /** What the recipe answers each client, through each header version. */
  async function answers(recipe: Recipe, ask: (via: Via, client: string) => Promise<string>) {
    const seen: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const via of VIAS) {
      for (const client of CLIENTS) {
        seen[`${via} ${client}`] = await ask(via, client);
        expected[`${via} ${client}`] = client;
      }
    }
    expect(seen, apps.get(recipe)?.output).toEqual(expected);
  }

  const bodyOf = (recipe: Recipe) => async (via: Via, client: string) => {
    const res = await get(recipe, via, client, `/?via=${via}`);
    expect(res.status).toBe(200);
    return res.body.trim();
  };

  describe('express 5', () => {
    const express = () => apps.get('express') as PeerProcess;

    test('req.ip is the client, whatever X-Forwarded-For says', async () => {
      // X-Forwarded-For is the client's own text, passed through by HAProxy in TCP mode: ignored.
      const spoof = await get('express', 'v2', '127.0.0.6', '/?n=xff', { 'x-forwarded-for': '203.0.113.66' });
      expect(spoof).toMatchObject({ status: 200, body: '127.0.0.6\n' });
      // express-rate-limit checks the first request it sees, and says so.
      await express().waitForOutput(/ERR_ERL_UNEXPECTED_X_FORWARDED_FOR/);
    });

    test('express-rate-limit (limit: 2) counts each client apart', async () => {
      // limit: 2 per client. Three clients, two requests each: nobody is limited.
      for (const client of CLIENTS) {
        for (const n of [1, 2]) {
          const res = await get('express', 'v2', client, `/?n=${n}`);
          expect({ client, n, status: res.status, body: res.body }).toEqual({ client, n, status: 200, body: `${client}\n` });
        }
      }
      // One more from the first client (through the v1 frontend, the same bucket): limited.
      const limited = await get('express', 'v1', CLIENTS[0], '/?n=3');
      expect(limited.status).toBe(429);
      // A fourth client through v1 has a bucket of its own.
      const fourth = await get('express', 'v1', '127.0.0.5', '/?n=1');
      expect(fourth).toMatchObject({ status: 200, body: '127.0.0.5\n' });
    });

    test('morgan logs the client', async () => {
      // morgan's :remote-addr (combined format) starts each line.
      for (const client of CLIENTS) {
        await express().waitForOutput(new RegExp(`^${client.replaceAll('.', '\\.')} - - \\[[^\\]]+\\] "GET /\\?n=2 HTTP/1\\.1" 200 `, 'm'));
      }
      await express().waitForOutput(/^127\.0\.0\.2 - - \[[^\]]+\] "GET \/\?n=3 HTTP\/1\.1" 429 /m);
      await express().waitForOutput(/^127\.0\.0\.5 - - \[[^\]]+\] "GET \/\?n=1 HTTP\/1\.1" 200 /m);
    });
  });

  describe.each(['fastify', 'fastify-server-factory', 'express-pino'] as const)('%s', (recipe) => {
    test('request.ip / req.ip is the client, and so is remoteAddress in the pino log line', async () => {
      await answers(recipe, bodyOf(recipe));
      const app = apps.get(recipe) as PeerProcess;
      for (const via of VIAS) {
        for (const client of CLIENTS) {
          await app.waitForOutput(new RegExp(`"url":"/\\?via=${via}"[^\\n]*"remoteAddress":"${client.replaceAll('.', '\\.')}"`));
        }
      }
    });
  });

  test('koa 3: ctx.ip is the client', async () => {
    await answers('koa', bodyOf('koa'));
  });

  test('koa 3 behind HAProxy in HTTP mode with http-reuse always: every request still sees its own client', async () => {
    const seen: string[] = [];
    for (const round of [1, 2]) {
      for (const client of CLIENTS) {
        const res = await get('koa', 'http', client, `/?round=${round}`);
        seen.push(`${client} → ${res.status} ${res.body.trim()}`);
      }
    }
    expect(seen).toEqual([...CLIENTS, ...CLIENTS].map((client) => `${client} → 200 ${client}`));
  });

  test('hono on @hono/node-server: getConnInfo(c).remote is the client (address, port, addressType)', async () => {
    await answers('hono', async (via, client) => {
      const res = await get('hono', via, client, `/?via=${via}`);
      expect(res.status).toBe(200);
      const remote = JSON.parse(res.body) as { address: string; port: number; addressType: string };
      expect(remote).toEqual({ address: client, port: res.localPort, addressType: 'IPv4' });
      return remote.address;
    });
  });

  test('node:cluster: every worker sees the client', async () => {
    await answers('cluster', bodyOf('cluster'));
  });

  test('node:https, TLS passed through by HAProxy: req.socket.remoteAddress is the client', async () => {
    await answers('https', bodyOf('https'));
  });

  test.each([
    ['http2', 'h2c', 'stream.session.socket'],
    ['http2-secure', 'TLS passed through', 'the compatibility req.socket'],
  ] as const)('node:http2 (%s, %s): %s.remoteAddress is the client', async (recipe, _how, _where) => {
    await answers(recipe, async (via, client) => {
      const host = '127.0.0.1';
      const to = port(recipe, via);
      const secure = recipe === 'http2-secure';
      const session = http2.connect(`${secure ? 'https' : 'http'}://${host}:${to}`, {
        createConnection: () =>
          secure
            ? tls.connect({
                socket: net.connect({ host, port: to, localAddress: client }),
                ALPNProtocols: ['h2'],
                ca: certs.read(certs.caCert),
                servername: 'localhost',
              })
            : net.connect({ host, port: to, localAddress: client }),
      });
      try {
        session.setTimeout(TIMEOUT, () => session.destroy(new Error(`${recipe} ${via}: no answer within ${TIMEOUT} ms`)));
        const req = session.request({ ':path': '/' });
        req.setEncoding('utf8');
        let body = '';
        req.on('data', (chunk: string) => {
          body += chunk;
        });
        await new Promise<void>((resolve, reject) => {
          req.on('end', resolve);
          req.on('error', reject);
          session.on('error', reject);
        });
        if (secure) expect(session.alpnProtocol).toBe('h2');
        return body.trim();
      } finally {
        session.close();
      }
    });
  });

  test('ws 8: the upgrade request’s socket.remoteAddress is the client', async () => {
    await answers('ws', async (via, client) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port('ws', via)}`, { localAddress: client, handshakeTimeout: TIMEOUT });
      try {
        const [data] = (await once(ws, 'message')) as [Buffer];
        return data.toString('utf8');
      } finally {
        ws.terminate();
      }
    });
  });

  test('socket.io 4 (polling, then websocket): socket.handshake.address is the client', async () => {
    await answers('socket.io', async (via, client) => {
      const agent = new http.Agent({ localAddress: client } as http.AgentOptions);
      const socket = io(`http://127.0.0.1:${port('socket.io', via)}`, { agent: agent as never, reconnection: false, timeout: TIMEOUT });
      try {
        return await new Promise<string>((resolve, reject) => {
          socket.once('address', resolve);
          socket.once('connect_error', reject);
        });
      } finally {
        socket.disconnect();
        agent.destroy();
      }
    });
  });
});
