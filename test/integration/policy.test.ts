import dgram from 'node:dgram';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { decodeDatagram, encode, encodeDatagram, type ProxyHeaderInit } from '../../src/index.js';
import {
  type AcceptProxyProtocolOptions,
  acceptProxyProtocol,
  connect,
  getClientAddress,
  getProxyHeader,
  headerFromSocket,
  type ProxyProtocolIntegration,
} from '../../src/node/index.js';
import { concat } from '../support/bytes.js';
import { closeServer, collect, delay, listen, rawConnect } from '../support/sockets.js';

const INIT: ProxyHeaderInit = { source: { address: '192.0.2.50', port: 1234 }, destination: { address: '127.0.0.1', port: 80 } };
const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  port: number;
  integration: ProxyProtocolIntegration;
  server: http.Server;
  errors: { code: string | undefined; socket: net.Socket }[];
}

/** An http server answering with the client address it recovered. */
async function setup(options: AcceptProxyProtocolOptions, host = '127.0.0.1', withErrorListener = true): Promise<Setup> {
  const server = http.createServer((req, res) => res.end(JSON.stringify(getClientAddress(req.socket))));
  const integration = acceptProxyProtocol(server, options);
  const errors: Setup['errors'] = [];
  if (withErrorListener) {
    server.on('proxyError', (error: { code?: string }, socket: net.Socket) => {
      errors.push({ code: error.code, socket });
      socket.destroy();
    });
  }
  server.listen(0, host);
  await once(server, 'listening');
  cleanups.push(() => closeServer(server));
  cleanups.push(() => integration.close());
  return { port: (server.address() as net.AddressInfo).port, integration, server, errors };
}

/** Sends `bytes`, returns everything received until the server closes. */
async function exchange(port: number, bytes: Uint8Array | string, host = '127.0.0.1'): Promise<string> {
  const socket = await rawConnect(port, host);
  cleanups.push(() => void socket.destroy());
  const received = collect(socket);
  socket.write(bytes);
  return (await received).toString();
}

const body = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

describe('strict (default) and lenient', () => {
  test('strict: no header, garbage and malformed headers are dropped; the server keeps serving', async () => {
    const { port, integration, errors } = await setup({});
    expect(await exchange(port, REQUEST)).toBe('');
    expect(await exchange(port, '\x16\x03\x01garbage')).toBe('');
    expect(await exchange(port, `PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n${REQUEST}`)).toBe('');
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_HEADER_MISSING', 'ERR_PROXY_HEADER_MISSING', 'ERR_PROXY_INVALID_PORT']);
    expect(body(await exchange(port, concat(encode(INIT), REQUEST)))).toMatchObject({ address: '192.0.2.50', proxied: true });
    expect(integration.stats).toMatchObject({ connections: 4, rejected: 2, errors: 1, v2: 1, pending: 0 });
  });

  test('without a proxyError listener only the offending socket is destroyed', async () => {
    const { port, integration } = await setup({}, '127.0.0.1', false);
    expect(await exchange(port, REQUEST)).toBe('');
    expect(body(await exchange(port, concat(encode({ ...INIT, version: 1 }), REQUEST)))).toMatchObject({ address: '192.0.2.50' });
    expect(integration.stats).toMatchObject({ rejected: 1, v1: 1 });
  });

  test('lenient: requests without a header are served with the real peer address', async () => {
    const { port, integration } = await setup({ mode: 'lenient' });
    expect(body(await exchange(port, REQUEST))).toMatchObject({ address: '127.0.0.1', proxied: false });
    expect(body(await exchange(port, concat(encode(INIT), REQUEST)))).toMatchObject({ address: '192.0.2.50', proxied: true });
    expect(integration.stats).toMatchObject({ none: 1, v2: 1 });
  });

  test('a partial header then silence times out, closes the socket, and leaves nothing pending', async () => {
    const { port, integration, errors } = await setup({ headerTimeout: 200 });
    const socket = await rawConnect(port);
    cleanups.push(() => void socket.destroy());
    const closed = once(socket, 'close');
    socket.write(encode(INIT).subarray(0, 14));
    await delay(50);
    expect(integration.stats.pending).toBe(1);
    await closed;
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_HEADER_TIMEOUT']);
    expect(errors[0]?.socket.destroyed).toBe(true);
    expect(integration.stats).toMatchObject({ pending: 0, timedOut: 1 });
    expect(body(await exchange(port, concat(encode(INIT), REQUEST)))).toMatchObject({ address: '192.0.2.50' });
  });

  test('an oversized header is dropped as soon as it exceeds maxHeaderLength', async () => {
    const { port, errors } = await setup({ maxHeaderLength: 256 });
    const big = encode({ ...INIT, tlvs: [{ type: 0xe0, value: new Uint8Array(1000) }] });
    expect(await exchange(port, big)).toBe('');
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_HEADER_TOO_LONG']);
  });

  test('version pinning', async () => {
    const { port, errors } = await setup({ versions: [2] });
    expect(await exchange(port, concat(encode({ ...INIT, version: 1 }), REQUEST))).toBe('');
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_VERSION_NOT_ALLOWED']);
  });

  test('close() restores the server and destroys connections waiting for a header', async () => {
    const { port, integration, server } = await setup({ headerTimeout: 0 });
    const socket = await rawConnect(port);
    cleanups.push(() => void socket.destroy());
    const closed = once(socket, 'close');
    socket.write('PROXY ');
    await delay(30);
    integration.close();
    await closed;
    expect(Object.hasOwn(server, 'emit')).toBe(false);
    expect(body(await exchange(port, REQUEST))).toMatchObject({ address: '127.0.0.1', proxied: false });
  });
});

describe('policies and the trusted allowlist', () => {
  test('untrusted peers: a header is rejected, plain traffic is served (default untrusted policy)', async () => {
    const { port, errors } = await setup({ trusted: ['10.0.0.0/8'] });
    expect(await exchange(port, concat(encode(INIT), REQUEST))).toBe('');
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_CONNECTION_REJECTED']);
    expect(body(await exchange(port, REQUEST))).toMatchObject({ address: '127.0.0.1', proxied: false });
  });

  test('trusted CIDR: header required; IPv4-mapped peers of a dual-stack listener match IPv4 rules', async () => {
    const { port, errors } = await setup({ trusted: ['127.0.0.0/8'] }, '::');
    expect(body(await exchange(port, concat(encode(INIT), REQUEST), '127.0.0.1'))).toMatchObject({ address: '192.0.2.50' });
    expect(await exchange(port, REQUEST, '127.0.0.1')).toBe('');
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_HEADER_MISSING']);
  });

  test('ignore: the header is stripped and the real address used; skip: the bytes reach the app', async () => {
    const ignore = await setup({ policy: 'ignore' });
    expect(body(await exchange(ignore.port, concat(encode(INIT), REQUEST)))).toMatchObject({ address: '127.0.0.1', proxied: false });
    expect(ignore.integration.stats).toMatchObject({ ignored: 1, none: 1 });
    const skip = await setup({ policy: () => 'skip' });
    expect(await exchange(skip.port, concat(encode({ ...INIT, version: 1 }), REQUEST))).toMatch(/^HTTP\/1\.1 400/);
    expect(skip.integration.stats.skipped).toBe(1);
  });

  test('a policy function receives the unmapped peer address; a bad result only drops that socket', async () => {
    const seen: string[] = [];
    const { port, errors } = await setup(
      {
        policy: (address) => {
          seen.push(address);
          return seen.length === 1 ? ('bogus' as 'use') : 'use';
        },
      },
      '::',
    );
    expect(await exchange(port, REQUEST, '127.0.0.1')).toBe('');
    expect(errors).toHaveLength(1);
    expect(body(await exchange(port, REQUEST, '127.0.0.1'))).toMatchObject({ proxied: false });
    expect(seen).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  test('invalid options throw at setup', () => {
    const server = http.createServer();
    expect(() => acceptProxyProtocol(server, { trusted: ['not-an-ip'] })).toThrow(TypeError);
    expect(() => acceptProxyProtocol(server, { policy: 'maybe' as 'use' })).toThrow(TypeError);
    expect(() => acceptProxyProtocol(server, { headerTimeout: -5 })).toThrow(RangeError);
    const integration = acceptProxyProtocol(server);
    expect(() => acceptProxyProtocol(server)).toThrow();
    integration.close();
  });
});

describe('a proxy built from these parts', () => {
  test('relays to a server that recovers the original client address (header chained through two hops)', async () => {
    const backend = await setup({});
    // The proxy accepts PROXY headers from its own upstream and forwards the original client.
    const proxy = net.createServer((inbound) => {
      inbound.on('error', () => {});
      const outbound = connect({ host: '127.0.0.1', port: backend.port, header: headerFromSocket(inbound, { version: 1 }) });
      outbound.on('error', () => inbound.destroy());
      inbound.pipe(outbound).pipe(inbound);
    });
    const integration = acceptProxyProtocol(proxy, { mode: 'lenient' });
    const proxyPort = await listen(proxy);
    cleanups.push(() => closeServer(proxy));
    cleanups.push(() => integration.close());

    // Direct client of the proxy: the backend sees the proxy's peer (this test's socket).
    const direct = await rawConnect(proxyPort);
    cleanups.push(() => void direct.destroy());
    const directPort = direct.localPort;
    const directReceived = collect(direct);
    direct.write(REQUEST);
    expect(body((await directReceived).toString())).toMatchObject({ address: '127.0.0.1', port: directPort, proxied: true });

    // A client arriving with its own header: forwarded as is.
    expect(body(await exchange(proxyPort, concat(encode(INIT), REQUEST)))).toMatchObject({ address: '192.0.2.50', port: 1234 });
  });

  test('headerFromSocket: mixed and mapped families, unix and LOCAL', () => {
    expect(headerFromSocket({ remoteAddress: '1.2.3.4', remotePort: 1, localAddress: '5.6.7.8', localPort: 2 })).toMatchObject({
      family: 'ipv4',
      source: { address: '1.2.3.4', port: 1 },
    });
    expect(
      headerFromSocket({ remoteAddress: '::ffff:1.2.3.4', remotePort: 1, localAddress: '::ffff:127.0.0.1', localPort: 2 }),
    ).toMatchObject({
      family: 'ipv6',
      source: { address: '::ffff:1.2.3.4' },
    });
    const mixed = headerFromSocket({ remoteAddress: '1.2.3.4', remotePort: 1, localAddress: '::1', localPort: 2 }, { version: 1 });
    expect(mixed).toMatchObject({ family: 'ipv6', source: { address: '::ffff:1.2.3.4' }, destination: { address: '::1' } });
    expect(Buffer.from(encode(mixed)).toString()).toBe('PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n');
    expect(headerFromSocket({})).toMatchObject({ command: 'proxy', family: 'unspec', source: null });
    expect(Buffer.from(encode(headerFromSocket({}, { version: 1 }))).toString()).toBe('PROXY UNKNOWN\r\n');
    expect(
      headerFromSocket({ remoteAddress: '1.2.3.4', remotePort: 1, localAddress: '5.6.7.8', localPort: 2 }, { command: 'local' }),
    ).toMatchObject({ command: 'local', source: null });
  });

  test('a LOCAL health-check header leaves the real address in place', async () => {
    const { port, integration } = await setup({});
    const response = await exchange(port, concat(encode({ command: 'local' }), REQUEST));
    expect(body(response)).toMatchObject({ address: '127.0.0.1', proxied: false });
    expect(integration.stats.v2).toBe(1);
  });
});

describe('datagrams', () => {
  test('a UDP datagram carries its header (the core pair on Buffers); payload is a view', async () => {
    const receiver = dgram.createSocket('udp4');
    const sender = dgram.createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => receiver.close(() => r())));
    cleanups.push(() => new Promise<void>((r) => sender.close(() => r())));
    receiver.bind(0, '127.0.0.1');
    await once(receiver, 'listening');
    const message = once(receiver, 'message');
    const header: ProxyHeaderInit = {
      transport: 'dgram',
      source: { address: '192.0.2.1', port: 53 },
      destination: { address: '127.0.0.1', port: 5353 },
    };
    sender.send(encodeDatagram(header, Buffer.from('query')), receiver.address().port, '127.0.0.1');
    const [msg] = (await message) as [Buffer];
    const { header: decoded, payload } = decodeDatagram(msg);
    expect(decoded).toMatchObject({ transport: 'dgram', source: { address: '192.0.2.1', port: 53 } });
    expect(payload.buffer).toBe(msg.buffer);
    expect(Buffer.from(payload).toString()).toBe('query');
    expect(() => decodeDatagram(Buffer.from('query'))).toThrow(expect.objectContaining({ code: 'ERR_PROXY_HEADER_MISSING' }));
    expect(getProxyHeader(msg)).toBeNull();
  });
});
