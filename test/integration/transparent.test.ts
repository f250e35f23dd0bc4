import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { encode, type ProxyHeaderInit } from '../../src/index.js';
import {
  type AcceptProxyProtocolOptions,
  acceptProxyProtocol,
  getClientAddress,
  getPeerAddress,
  readProxyHeader,
} from '../../src/node/index.js';
import { concat } from '../support/bytes.js';
import { closeServer, collect, delay, listen, makeCert, rawConnect } from '../support/sockets.js';

const INIT = {
  source: { address: '198.51.100.23', port: 61000 },
  destination: { address: '203.0.113.80', port: 8443 },
} satisfies ProxyHeaderInit;
const V6_INIT = {
  source: { address: '2001:db8::23', port: 61001 },
  destination: { address: '2001:db8::80', port: 443 },
} satisfies ProxyHeaderInit;
const CLIENT = { remoteAddress: '198.51.100.23', remotePort: 61000, remoteFamily: 'IPv4', localAddress: '203.0.113.80', localPort: 8443 };

interface Seen {
  remoteAddress: unknown;
  remotePort: unknown;
  remoteFamily: unknown;
  localAddress: unknown;
  localPort: unknown;
}

function names(socket: unknown): Seen {
  const s = socket as net.Socket;
  return {
    remoteAddress: s.remoteAddress,
    remotePort: s.remotePort,
    remoteFamily: s.remoteFamily,
    localAddress: s.localAddress,
    localPort: s.localPort,
  };
}

let cert: { key: Buffer; cert: Buffer };
beforeAll(() => {
  cert = makeCert();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(server: net.Server, options?: AcceptProxyProtocolOptions): Promise<number> {
  const integration = acceptProxyProtocol(server, options);
  const port = await listen(server);
  cleanups.push(() => closeServer(server));
  cleanups.push(() => integration.close());
  return port;
}

/** A raw connection that sends `header`; `received` is everything it gets until it closes. */
async function raw(port: number, header?: Uint8Array, watch = true): Promise<net.Socket & { received: Promise<Buffer>; own: number }> {
  const socket = await rawConnect(port);
  cleanups.push(() => {
    socket.destroy();
  });
  socket.on('error', () => {});
  const own = socket.localPort as number;
  const received = watch ? collect(socket) : Promise.resolve(Buffer.alloc(0));
  if (header !== undefined) socket.write(header);
  await delay(10);
  return Object.assign(socket, { received, own });
}

/** What a handler saw while the connection was open, and again after its 'close'. */
interface Report {
  open: Seen;
  closed: Seen;
  peer: net.AddressInfo | undefined;
  peerClosed: net.AddressInfo | undefined;
}

function reporter(): {
  record: (socket: unknown, closeTarget?: { once(e: 'close', f: () => void): unknown }) => void;
  report: Promise<Report>;
} {
  let resolve: (r: Report) => void;
  const report = new Promise<Report>((r) => {
    resolve = r;
  });
  return {
    record(socket, closeTarget = socket as net.Socket) {
      const open = names(socket);
      const peer = getPeerAddress(socket);
      closeTarget.once('close', () =>
        setImmediate(() => resolve({ open, closed: names(socket), peer, peerClosed: getPeerAddress(socket) })),
      );
    },
    report,
  };
}

function expectClient(report: Report): void {
  expect(report.open).toEqual(CLIENT);
  expect(report.closed).toEqual(CLIENT);
  expect(report.peer).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
  expect(report.peer?.port).toBeGreaterThan(0);
  expect(report.peerClosed).toEqual(report.peer);
}

describe('transparent sockets (the default)', () => {
  test('net: the raw socket reports the header addresses, also after close', async () => {
    const { record, report } = reporter();
    const server = net.createServer((socket) => {
      record(socket);
      socket.end('ok');
    });
    const port = await serve(server);
    const client = await raw(port, encode(INIT));
    await client.received;
    expectClient(await report);
  });

  test('http: req.socket reports the client; IPv6 headers give IPv6 names', async () => {
    for (const [init, family] of [
      [INIT, 'IPv4'],
      [V6_INIT, 'IPv6'],
    ] as const) {
      let seen: Seen | undefined;
      const server = http.createServer((req, res) => {
        seen = names(req.socket);
        res.end('ok');
      });
      const port = await serve(server);
      const client = await raw(port, concat(encode(init), 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      expect((await client.received).toString()).toMatch(/^HTTP\/1\.1 200/);
      expect(seen).toEqual({
        remoteAddress: init.source.address,
        remotePort: init.source.port,
        remoteFamily: family,
        localAddress: init.destination.address,
        localPort: init.destination.port,
      });
    }
  });

  test('https: the TLSSocket (req.socket) reports the client, also after close', async () => {
    const { record, report } = reporter();
    const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      record(req.socket);
      res.end('ok');
    });
    const port = await serve(server, { trusted: ['127.0.0.1'] });
    const socket = await raw(port, encode(INIT), false);
    const secure = tls.connect({ socket, ca: cert.cert, servername: 'localhost' });
    cleanups.push(() => {
      secure.destroy();
    });
    secure.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await collect(secure as unknown as net.Socket);
    expectClient(await report);
  });

  test('tls: secureConnection and tlsClientError sockets report the client', async () => {
    const { record, report } = reporter();
    let failed: Seen | undefined;
    const server = tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => {
      record(socket);
      socket.end('ok');
    });
    server.on('tlsClientError', (_error, socket) => {
      failed = names(socket);
    });
    const port = await serve(server);
    const socket = await raw(port, encode(INIT), false);
    const secure = tls.connect({ socket, ca: cert.cert, servername: 'localhost' });
    cleanups.push(() => {
      secure.destroy();
    });
    await collect(secure as unknown as net.Socket);
    expectClient(await report);
    // A ClientHello that is not one: the TLS error event gets a transparent socket too.
    const bad = await raw(port, concat(encode(INIT), 'GET / HTTP/1.1\r\n\r\n'));
    await bad.received;
    expect(failed).toMatchObject({ remoteAddress: CLIENT.remoteAddress, remotePort: CLIENT.remotePort });
  });

  test('h2c: session.socket and the compat req.socket report the client', async () => {
    let compat: Seen | undefined;
    let seen: Seen | undefined;
    let peer: net.AddressInfo | undefined;
    const server = http2.createServer((req, res) => {
      compat = names(req.socket);
      seen = names(req.stream.session?.socket);
      peer = getPeerAddress(req.socket);
      res.end('ok');
    });
    const port = await serve(server);
    const socket = await raw(port, encode(INIT), false);
    const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => socket });
    cleanups.push(() => session.destroy());
    const stream = session.request({ ':path': '/' });
    stream.resume();
    await once(stream, 'end');
    session.close();
    expect(compat).toEqual(CLIENT);
    expect(seen).toEqual(CLIENT);
    expect(peer).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
  });

  test('h2 over TLS: session.socket reports the client', async () => {
    let seen: Seen | undefined;
    let peer: net.AddressInfo | undefined;
    const server = http2.createSecureServer({ key: cert.key, cert: cert.cert });
    server.on('stream', (stream) => {
      seen = names(stream.session?.socket);
      peer = getPeerAddress(stream.session?.socket);
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const port = await serve(server);
    const socket = await raw(port, encode(INIT), false);
    const session = http2.connect(`https://localhost:${port}`, {
      createConnection: () => tls.connect({ socket, ca: cert.cert, servername: 'localhost', ALPNProtocols: ['h2'] }),
    });
    cleanups.push(() => session.destroy());
    const stream = session.request({ ':path': '/' });
    stream.resume();
    await once(stream, 'end');
    session.close();
    expect(seen).toEqual(CLIENT);
    expect(peer).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
  });
});

describe('headers that leave the real addresses', () => {
  const cases: [string, Uint8Array | undefined, AcceptProxyProtocolOptions][] = [
    ['LOCAL', encode({ command: 'local' }), {}],
    ['v1 UNKNOWN', encode({ version: 1, family: 'unspec' }), {}],
    ['v2 UNSPEC', encode({ family: 'unspec' }), {}],
    ['UNIX', encode({ transport: 'stream', source: { path: '/a' }, destination: { path: '/b' } }), {}],
    ['ignored', encode(INIT), { policy: 'ignore' }],
    ['absent (lenient)', undefined, { mode: 'lenient' }],
    ['transparent: false', encode(INIT), { transparent: false }],
  ];
  for (const [label, header, options] of cases) {
    test(label, async () => {
      let seen: Seen | undefined;
      let peer: net.AddressInfo | undefined;
      let client: unknown;
      const server = net.createServer((socket) => {
        seen = names(socket);
        peer = getPeerAddress(socket);
        client = getClientAddress(socket);
        socket.resume();
        socket.end('ok');
      });
      const port = await serve(server, options);
      const socket = await raw(port, header === undefined ? Buffer.from('hello') : concat(header, 'hello'));
      const own = socket.own;
      await socket.received;
      expect(seen).toEqual({
        remoteAddress: '127.0.0.1',
        remotePort: own,
        remoteFamily: 'IPv4',
        localAddress: '127.0.0.1',
        localPort: port,
      });
      expect(peer).toEqual({ address: '127.0.0.1', port: own, family: 'IPv4' });
      if (label === 'transparent: false') expect(client).toMatchObject({ address: '198.51.100.23', proxied: true });
    });
  }
});

describe('readProxyHeader', () => {
  test('makes the socket transparent by default, not with transparent: false', async () => {
    for (const transparent of [true, false]) {
      const accepted = new Promise<net.Socket>((resolve) => {
        const server = net.createServer(resolve);
        cleanups.push(() => closeServer(server));
        listen(server).then((port) => raw(port, encode(INIT)));
      });
      const socket = await accepted;
      cleanups.push(() => {
        socket.destroy();
      });
      await readProxyHeader(socket, { transparent });
      if (transparent) expect(names(socket)).toEqual(CLIENT);
      else expect(names(socket)).toMatchObject({ remoteAddress: '127.0.0.1', localAddress: '127.0.0.1' });
      expect(getPeerAddress(socket)).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    }
  });
});
