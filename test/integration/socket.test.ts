import { once } from 'node:events';
import net from 'node:net';
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { decode, encode } from '../../src/index.js';
import { getClientAddress, getProxyHeader, proxyHeaderSymbol, readProxyHeader } from '../../src/node/index.js';
import { concat, split } from '../support/bytes.js';
import { closeServer, delay, listen, rawConnect, writeParts } from '../support/sockets.js';

let server: net.Server;
let port: number;
const accepted: net.Socket[] = [];
let waiters: ((socket: net.Socket) => void)[] = [];
const clients: net.Socket[] = [];

function nextSocket(): Promise<net.Socket> {
  return new Promise((resolve) => waiters.push(resolve));
}

async function client(): Promise<net.Socket> {
  const socket = await rawConnect(port);
  clients.push(socket);
  return socket;
}

/** Reads everything left on `socket` after the header, until the peer ends. */
async function rest(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    const waiter = waiters.shift();
    waiter?.(socket);
  });
  port = await listen(server);
});

afterEach(() => {
  for (const s of [...clients, ...accepted]) s.destroy();
  clients.length = 0;
  accepted.length = 0;
  waiters = [];
});

afterAll(async () => {
  await closeServer(server);
});

const HEADER = encode({ source: { address: '203.0.113.9', port: 40000 }, destination: { address: '127.0.0.1', port: 8080 } });

describe('readProxyHeader', () => {
  for (const mode of ['one', 'two', 'bytes'] as const) {
    test(`header and payload delivered ${mode === 'one' ? 'in one chunk' : mode === 'two' ? 'in separate chunks' : 'byte by byte'}`, async () => {
      const accepting = nextSocket();
      const c = await client();
      const socket = await accepting;
      const reading = readProxyHeader(socket);
      await writeParts(c, split(concat(HEADER, 'payload bytes'), HEADER.length, mode), 2);
      c.end();
      const header = await reading;
      expect(header?.source).toEqual({ address: '203.0.113.9', port: 40000 });
      expect((await rest(socket)).toString()).toBe('payload bytes');
      expect(getProxyHeader(socket)).toBe(header);
      expect((socket as unknown as Record<symbol, unknown>)[proxyHeaderSymbol]).toBe(header);
      expect(getClientAddress(socket)).toEqual({ address: '203.0.113.9', port: 40000, family: 'IPv4', proxied: true });
      // The socket is back to normal: no listeners of ours left.
      expect(socket.listenerCount('readable')).toBe(0);
    });
  }

  fcTest.prop(
    [
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 120 }),
        fc
          .tuple(
            fc.constantFrom('PROXY', '\r\n\r\n\0\r\nQUIT\n'),
            fc.nat(11),
            fc.integer({ min: 0, max: 255 }),
            fc.uint8Array({ maxLength: 40 }),
          )
          .map(([sig, n, b, tail]) => {
            const prefix = Buffer.from(sig, 'latin1').subarray(0, Math.min(n, sig.length - 1));
            const breaker = b === sig.charCodeAt(prefix.length) ? (b + 1) & 0xff : b;
            return Buffer.concat([prefix, Buffer.from([breaker]), tail]);
          }),
      ),
      fc.nat(130),
    ],
    { numRuns: 40 },
  )('lenient mode leaves non-header bytes on the socket byte-exact', async (bytes, at) => {
    let status: string;
    try {
      status = decode(bytes).status;
    } catch {
      status = 'error';
    }
    fc.pre(status === 'none');
    const accepting = nextSocket();
    const c = await client();
    const socket = await accepting;
    const reading = readProxyHeader(socket, { mode: 'lenient' });
    const cut = at % (bytes.length + 1);
    await writeParts(
      c,
      [bytes.subarray(0, cut), bytes.subarray(cut)].filter((p) => p.length > 0),
      5,
    );
    c.end();
    expect(await reading).toBeNull();
    expect((await rest(socket)).equals(Buffer.from(bytes))).toBe(true);
    expect(getProxyHeader(socket)).toBeNull();
    const own = getClientAddress(socket);
    expect(own).toMatchObject({ address: '127.0.0.1', port: c.localPort, proxied: false });
  });

  test('strict mode rejects a missing header with ERR_PROXY_HEADER_MISSING', async () => {
    const accepting = nextSocket();
    const c = await client();
    const socket = await accepting;
    const reading = readProxyHeader(socket);
    c.write('GET / HTTP/1.1\r\n\r\n');
    await expect(reading).rejects.toMatchObject({ name: 'ProxyProtocolError', code: 'ERR_PROXY_HEADER_MISSING' });
  });

  test('times out on a partial header, without destroying the socket itself', async () => {
    const accepting = nextSocket();
    const c = await client();
    const socket = await accepting;
    const before = ['readable', 'end', 'error', 'close'].map((e) => socket.listenerCount(e));
    const reading = readProxyHeader(socket, { headerTimeout: 100 });
    c.write(HEADER.subarray(0, 10));
    await expect(reading).rejects.toMatchObject({ code: 'ERR_PROXY_HEADER_TIMEOUT' });
    expect(socket.destroyed).toBe(false);
    expect(['readable', 'end', 'error', 'close'].map((e) => socket.listenerCount(e))).toEqual(before);
  });

  test('a header that completes before the timeout clears it', async () => {
    const accepting = nextSocket();
    const c = await client();
    const socket = await accepting;
    const reading = readProxyHeader(socket, { headerTimeout: 150 });
    await writeParts(c, [HEADER.subarray(0, 10), HEADER.subarray(10)], 30);
    expect((await reading)?.version).toBe(2);
    await delay(200);
    expect(socket.destroyed).toBe(false);
  });

  test('the peer ending mid-header is ERR_PROXY_HEADER_INCOMPLETE', async () => {
    const accepting = nextSocket();
    const c = await client();
    const socket = await accepting;
    const reading = readProxyHeader(socket);
    c.end(HEADER.subarray(0, 20));
    await expect(reading).rejects.toMatchObject({ code: 'ERR_PROXY_HEADER_INCOMPLETE' });
  });

  test('an AbortSignal rejects with AbortError (name, code, cause) and releases the socket', async () => {
    const accepting = nextSocket();
    const c = await client();
    const socket = await accepting;
    const controller = new AbortController();
    const reading = readProxyHeader(socket, { signal: controller.signal, headerTimeout: 0 });
    c.write(HEADER.subarray(0, 5));
    await delay(20);
    const reason = new Error('shutting down');
    controller.abort(reason);
    await expect(reading).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason });
    expect(socket.listenerCount('readable')).toBe(0);
  });

  test('an already aborted signal rejects at once and attaches nothing', async () => {
    const accepting = nextSocket();
    await client();
    const socket = await accepting;
    const reason = new Error('no');
    await expect(readProxyHeader(socket, { signal: AbortSignal.abort(reason) })).rejects.toMatchObject({
      name: 'AbortError',
      cause: reason,
    });
    expect(socket.listenerCount('readable')).toBe(0);
  });

  test('invalid options reject', async () => {
    const accepting = nextSocket();
    await client();
    const socket = await accepting;
    await expect(readProxyHeader(socket, { headerTimeout: -1 })).rejects.toThrow(RangeError);
  });
});

describe('getProxyHeader / getClientAddress', () => {
  const header = decode(HEADER);
  test('look through _parent and socket, and survive throwing getters', () => {
    if (header.status !== 'complete') throw new Error('fixture');
    const raw = { [proxyHeaderSymbol]: header.header, remoteAddress: '10.0.0.1', remotePort: 1 };
    expect(getProxyHeader(raw)).toBe(header.header);
    expect(getProxyHeader({ _parent: raw })).toBe(header.header);
    expect(getProxyHeader({ socket: raw })).toBe(header.header);
    expect(getProxyHeader({ socket: { _parent: raw } })).toBe(header.header);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('unbound');
        },
      },
    );
    expect(getProxyHeader(hostile)).toBeNull();
    expect(getClientAddress(hostile)).toBeUndefined();
    expect(getProxyHeader(null)).toBeNull();
  });

  test('LOCAL and UNKNOWN headers fall back to the socket address; unix sources are reported as unix', () => {
    const local = {
      [proxyHeaderSymbol]: {
        version: 2,
        command: 'local',
        family: 'unspec',
        transport: 'unspec',
        source: null,
        destination: null,
        tlvs: [],
      },
      remoteAddress: '::1',
      remotePort: 5,
      remoteFamily: 'IPv6',
    };
    expect(getClientAddress(local)).toEqual({ address: '::1', port: 5, family: 'IPv6', proxied: false });
    const unix = {
      [proxyHeaderSymbol]: {
        version: 2,
        command: 'proxy',
        family: 'unix',
        transport: 'stream',
        source: { path: '/tmp/a' },
        destination: { path: '/tmp/b' },
        tlvs: [],
      },
    };
    expect(getClientAddress(unix)).toEqual({ address: '/tmp/a', port: 0, family: 'unix', proxied: true });
    expect(getClientAddress({})).toBeUndefined();
  });
});
