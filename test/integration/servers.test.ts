import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { encode, type ProxyHeaderInit } from '../../src/index.js';
import { acceptProxyProtocol, connect, getClientAddress, getProxyHeader, type ProxyProtocolIntegration } from '../../src/node/index.js';
import { concat, split } from '../support/bytes.js';
import { closeServer, collect, delay, listen, makeCert, rawConnect, writeParts } from '../support/sockets.js';

const INIT: ProxyHeaderInit = { source: { address: '198.51.100.23', port: 61000 }, destination: { address: '127.0.0.1', port: 443 } };
const V1_INIT: ProxyHeaderInit = { ...INIT, version: 1 };
const EXPECTED = { address: '198.51.100.23', port: 61000, family: 'IPv4', proxied: true };

let cert: { key: Buffer; cert: Buffer };
beforeAll(() => {
  cert = makeCert();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve<T extends net.Server>(
  server: T,
  options?: Parameters<typeof acceptProxyProtocol>[1],
): Promise<{ port: number; integration: ProxyProtocolIntegration }> {
  const integration = acceptProxyProtocol(server, options);
  const port = await listen(server);
  cleanups.push(() => closeServer(server));
  cleanups.push(() => integration.close());
  return { port, integration };
}

function track<T extends { destroy(): void }>(thing: T): T {
  cleanups.push(() => thing.destroy());
  return thing;
}

const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
  const body = JSON.stringify({ client: getClientAddress(req.socket), version: getProxyHeader(req.socket)?.version ?? null });
  res.setHeader('content-type', 'application/json');
  res.end(body);
};

/** Opens a raw connection and sends the header in `mode` pieces (separated by pauses). */
async function rawWithHeader(port: number, header: Uint8Array, mode: 'two' | 'bytes'): Promise<net.Socket> {
  const raw = track(await rawConnect(port));
  await writeParts(raw, split(header, header.length, mode === 'two' ? 'one' : 'bytes'), 2);
  await delay(20);
  return raw;
}

function parseBody(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

describe('http', () => {
  for (const mode of ['one', 'two', 'bytes'] as const) {
    test(`the handler sees the header's client address (header and request ${mode})`, async () => {
      const server = http.createServer(handler);
      const { port, integration } = await serve(server);
      const header = encode(mode === 'two' ? V1_INIT : INIT);
      const request = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
      const raw = track(await rawConnect(port));
      const received = collect(raw);
      await writeParts(raw, split(concat(header, request), header.length, mode), 2);
      const response = (await received).toString();
      expect(response).toMatch(/^HTTP\/1\.1 200/);
      expect(parseBody(response)).toEqual({ client: EXPECTED, version: mode === 'two' ? 1 : 2 });
      expect(integration.stats).toMatchObject({ connections: 1, pending: 0, [mode === 'two' ? 'v1' : 'v2']: 1 });
    });
  }

  test('keep-alive: several requests on one connection all see the header', async () => {
    const server = http.createServer(handler);
    const { port } = await serve(server);
    const raw = track(await rawConnect(port));
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.write(concat(encode(INIT), 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\n'));
    while (!Buffer.concat(chunks).toString().includes('}')) await delay(5);
    const closed = once(raw, 'close');
    raw.write('GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await closed;
    const responses = Buffer.concat(chunks)
      .toString()
      .split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    for (const r of responses) expect(parseBody(r)).toEqual({ client: EXPECTED, version: 2 });
  });

  test("the server's socket timeout still applies after the header (original socket kept)", async () => {
    const server = http.createServer(handler);
    server.timeout = 150;
    const { port } = await serve(server);
    const raw = track(await rawConnect(port));
    const closed = once(raw, 'close');
    raw.write(encode(INIT));
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('http.request through connect() as createConnection', async () => {
    const server = http.createServer(handler);
    const { port } = await serve(server);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          createConnection: (opts: net.NetConnectOpts) => track(connect({ ...opts, header: V1_INIT })),
        } as http.RequestOptions,
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ client: EXPECTED, version: 1 });
  });
});

async function httpsGet(socket: net.Socket, ca: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: 'localhost',
        path: '/',
        ca,
        servername: 'localhost',
        createConnection: () => track(tls.connect({ socket, ca, servername: 'localhost' })),
      } as https.RequestOptions,
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('https and tls', () => {
  for (const mode of ['two', 'bytes'] as const) {
    test(`https handler sees the header through the TLSSocket (header ${mode === 'two' ? 'in one piece' : 'byte by byte'}, then the ClientHello)`, async () => {
      const server = https.createServer({ key: cert.key, cert: cert.cert }, handler);
      const { port } = await serve(server);
      const raw = await rawWithHeader(port, encode(INIT), mode);
      expect(await httpsGet(raw, cert.cert)).toEqual({ client: EXPECTED, version: 2 });
    });
  }

  test('https with connect({ tls }) writing the header before the ClientHello', async () => {
    const server = https.createServer({ key: cert.key, cert: cert.cert }, handler);
    const { port } = await serve(server);
    const socket = track(connect({ host: '127.0.0.1', port, header: V1_INIT, tls: { ca: cert.cert, servername: 'localhost' } }));
    await once(socket, 'secureConnect');
    const result = await new Promise((resolve, reject) => {
      const req = https.request({ createConnection: () => socket } as https.RequestOptions, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(result).toEqual({ client: EXPECTED, version: 1 });
  });

  test('tls.Server: secureConnection sockets carry the header via _parent; echo works', async () => {
    const server = tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => {
      socket.end(JSON.stringify(getClientAddress(socket)));
    });
    const { port } = await serve(server);
    const raw = await rawWithHeader(port, encode(INIT), 'two');
    const secure = track(tls.connect({ socket: raw, ca: cert.cert, servername: 'localhost' }));
    let text = '';
    secure.on('data', (c) => (text += c));
    await once(secure, 'end');
    expect(JSON.parse(text)).toEqual(EXPECTED);
  });
});

async function h2Get(session: http2.ClientHttp2Session): Promise<unknown> {
  const stream = session.request({ ':path': '/' });
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (c) => (text += c));
  await once(stream, 'end');
  return JSON.parse(text);
}

describe('http2', () => {
  for (const mode of ['two', 'bytes'] as const) {
    test(`h2c: compat handler sees the header through session.socket (header ${mode === 'two' ? 'in one piece' : 'byte by byte'})`, async () => {
      const server = http2.createServer(handler);
      const { port } = await serve(server);
      const raw = await rawWithHeader(port, encode(INIT), mode);
      const session = track(http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => raw }));
      expect(await h2Get(session)).toEqual({ client: EXPECTED, version: 2 });
      expect(await h2Get(session)).toEqual({ client: EXPECTED, version: 2 });
      session.close();
    });

    test(`h2 over TLS: the stream API sees the header via session.socket._parent (header ${mode === 'two' ? 'in one piece' : 'byte by byte'})`, async () => {
      const server = http2.createSecureServer({ key: cert.key, cert: cert.cert });
      server.on('stream', (stream) => {
        stream.respond({ ':status': 200 });
        stream.end(
          JSON.stringify({ client: getClientAddress(stream.session?.socket), version: getProxyHeader(stream.session)?.version ?? null }),
        );
      });
      const { port } = await serve(server);
      const raw = await rawWithHeader(port, encode(V1_INIT), mode);
      const session = track(
        http2.connect(`https://localhost:${port}`, {
          createConnection: () => tls.connect({ socket: raw, ca: cert.cert, servername: 'localhost', ALPNProtocols: ['h2'] }),
        }),
      );
      expect(await h2Get(session)).toEqual({ client: EXPECTED, version: 1 });
      session.close();
    });
  }

  test('h2c through connect() as createConnection', async () => {
    const server = http2.createServer(handler);
    const { port } = await serve(server);
    const session = track(
      http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => connect({ host: '127.0.0.1', port, header: INIT }) }),
    );
    expect(await h2Get(session)).toEqual({ client: EXPECTED, version: 2 });
    session.close();
  });
});
