// Lenient and policy edges: end of stream hand-over, short prefixes, TLV value class, early
// rejection of untrusted headers, server.close() with connections still reading their header.
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { encode, type ProxyHeader, type ProxyHeaderInit } from '../../src/index.js';
import {
  type AcceptProxyProtocolOptions,
  acceptProxyProtocol,
  getProxyHeader,
  ProxyProtocolDecoder,
  readProxyHeader,
} from '../../src/node/index.js';
import { concat } from '../support/bytes.js';
import { closeServer, collect, listen, rawConnect, waitFor, writeParts } from '../support/sockets.js';

const INIT: ProxyHeaderInit = {
  source: { address: '198.51.100.23', port: 61000 },
  destination: { address: '127.0.0.1', port: 443 },
  tlvs: { authority: 'example.com', uniqueId: new Uint8Array([1, 2, 3]) },
};
const V2_SIGNATURE = encode(INIT).subarray(0, 12);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * An allowHalfOpen echo server: it answers `end:<bytes it received>` once it sees 'end', then
 * ends. `header` records the header of each connection.
 */
async function echo(options: AcceptProxyProtocolOptions): Promise<{ port: number; server: net.Server; headers: (ProxyHeader | null)[] }> {
  const headers: (ProxyHeader | null)[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    headers.push(getProxyHeader(socket));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => socket.end(`end:${Buffer.concat(chunks).toString('latin1')}`));
  });
  const integration = acceptProxyProtocol(server, { headerTimeout: 5000, ...options });
  const port = await listen(server);
  cleanups.push(() => closeServer(server));
  cleanups.push(() => integration.close());
  return { port, server, headers };
}

/** Connects, writes `bytes` (maybe none), half-closes, and resolves with the whole answer. */
async function halfClose(port: number, bytes: Uint8Array | string): Promise<string> {
  const socket = await rawConnect(port);
  cleanups.push(() => {
    socket.destroy();
  });
  socket.on('error', () => {});
  const answer = collect(socket);
  if (bytes.length > 0) socket.write(bytes);
  socket.end();
  return (await answer).toString('latin1');
}

const LENIENT: [string, AcceptProxyProtocolOptions][] = [
  ["mode: 'lenient'", { mode: 'lenient' }],
  ["an untrusted peer under 'use'", { trusted: ['10.0.0.0/8'], untrusted: 'use' }],
  ["an untrusted peer under 'reject'", { trusted: ['10.0.0.0/8'] }],
  ["an untrusted peer under 'ignore'", { trusted: ['10.0.0.0/8'], untrusted: 'ignore' }],
];

describe('the end of stream reaches the application', () => {
  for (const [label, options] of LENIENT) {
    test(`FIN with no byte: ${label}`, async () => {
      const { port } = await echo(options);
      expect(await halfClose(port, '')).toBe('end:');
    });
  }

  test('a header then FIN, in strict mode', async () => {
    const { port, headers } = await echo({});
    expect(await halfClose(port, encode(INIT))).toBe('end:');
    expect(headers[0]?.source).toEqual(INIT.source);
  });

  test('a header, a payload and FIN in one segment', async () => {
    const { port } = await echo({});
    expect(await halfClose(port, concat(encode(INIT), 'payload'))).toBe('end:payload');
  });

  test('readProxyHeader (lenient): FIN with no byte is still an end for the caller', async () => {
    const result = new Promise<ProxyHeader | null>((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true }, (socket) => {
        readProxyHeader(socket, { mode: 'lenient' })
          .then(async (header) => {
            // The caller attaches its listeners once the promise settles, after Node emitted 'end'.
            expect(socket.readableEnded).toBe(true);
            const ended = once(socket, 'end');
            socket.resume();
            await ended;
            socket.destroy();
            resolve(header);
          })
          .catch((error: unknown) => {
            socket.destroy(); // a failed expectation above fails the test at once
            reject(error);
          });
      });
      cleanups.push(() => closeServer(server));
      listen(server)
        .then(async (port) => {
          const client = await rawConnect(port);
          cleanups.push(() => {
            client.destroy();
          });
          client.end();
        })
        .catch(reject);
    });
    expect(await result).toBeNull();
  });
});

const PREFIXES: [string, Uint8Array][] = [
  ['P', Buffer.from('P')],
  ['PROX', Buffer.from('PROX')],
  ['\\r\\n\\r\\n', Buffer.from('\r\n\r\n')],
  ['11 bytes of the v2 signature', V2_SIGNATURE.subarray(0, 11)],
];

describe('lenient: a prefix shorter than a signature, then FIN, is passed through byte-exact', () => {
  for (const [label, bytes] of PREFIXES) {
    test(`${label}: acceptProxyProtocol (lenient and untrusted), readProxyHeader, ProxyProtocolDecoder`, async () => {
      const expected = `end:${Buffer.from(bytes).toString('latin1')}`;
      for (const [, options] of LENIENT) {
        const { port } = await echo(options);
        expect(await halfClose(port, bytes)).toBe(expected);
      }

      const stream = new PassThrough();
      stream.end(bytes);
      expect(await readProxyHeader(stream, { mode: 'lenient' })).toBeNull();
      const rest: Buffer[] = [];
      stream.on('data', (c: Buffer) => rest.push(c));
      await once(stream, 'end');
      expect(Buffer.concat(rest).equals(Buffer.from(bytes))).toBe(true);

      const decoder = new ProxyProtocolDecoder({ mode: 'lenient' });
      const out: Buffer[] = [];
      decoder.on('data', (c: Buffer) => out.push(c));
      decoder.end(bytes);
      await once(decoder, 'end');
      expect(Buffer.concat(out).equals(Buffer.from(bytes))).toBe(true);
    });
  }

  test('strict mode still calls it incomplete', async () => {
    const stream = new PassThrough();
    stream.end('PROX');
    await expect(readProxyHeader(stream)).rejects.toMatchObject({ code: 'ERR_PROXY_HEADER_INCOMPLETE' });
  });
});

describe('TLV values are always Buffers', () => {
  const bytes = encode(INIT);
  for (const pieces of [1, bytes.length] as const) {
    const how = pieces === 1 ? 'in one read' : 'byte by byte';
    test(`acceptProxyProtocol, readProxyHeader and ProxyProtocolDecoder, header ${how}`, async () => {
      const parts = pieces === 1 ? [bytes] : Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
      const check = (header: ProxyHeader | null | undefined) => {
        expect(header?.tlvs.length).toBeGreaterThan(0);
        for (const tlv of header?.tlvs ?? []) expect(Buffer.isBuffer(tlv.value)).toBe(true);
      };

      const { port, headers } = await echo({});
      const socket = await rawConnect(port);
      cleanups.push(() => {
        socket.destroy();
      });
      const answer = collect(socket);
      await writeParts(socket, parts, 0);
      socket.end();
      await answer;
      check(headers[0]);

      const stream = new PassThrough();
      const reading = readProxyHeader(stream);
      for (const part of parts) {
        stream.write(part);
        await new Promise((resolve) => setImmediate(resolve));
      }
      check(await reading);

      const decoder = new ProxyProtocolDecoder();
      const header = once(decoder, 'header');
      for (const part of parts) decoder.write(part);
      check((await header)[0] as ProxyHeader);
    });
  }
});

describe("untrusted peers under 'reject'", () => {
  /** Sends `bytes` (or each of `parts` as its own read) from an untrusted peer; resolves once the server has closed the connection. */
  const rejections = async (bytes: Uint8Array | string | readonly Uint8Array[]) => {
    const server = net.createServer(() => {
      throw new Error('must not be handed on');
    });
    const errors: { code?: string }[] = [];
    server.on('proxyError', (error: { code?: string }, socket: net.Socket) => {
      errors.push(error);
      socket.destroy();
    });
    const integration = acceptProxyProtocol(server, { trusted: ['10.0.0.0/8'], headerTimeout: 60_000 });
    const port = await listen(server);
    cleanups.push(() => closeServer(server));
    cleanups.push(() => integration.close());
    const socket = await rawConnect(port);
    const closed = once(socket, 'close');
    if (Array.isArray(bytes)) await writeParts(socket, bytes, 20);
    else socket.write(bytes as Uint8Array | string);
    await closed; // well before the 60 s timeout: the test would time out otherwise
    return { errors, stats: integration.stats };
  };

  test.each([
    ['the v2 signature alone', V2_SIGNATURE],
    ['the v2 signature then garbage', concat(V2_SIGNATURE, Buffer.alloc(8, 0xff))],
    ['a v2 header announcing 65 535 bytes', concat(V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff]))],
    ['"PROXY" alone', 'PROXY'],
    ['a malformed v1 line', 'PROXY NONSENSE\r\n'],
  ])('%s is rejected at once with ERR_PROXY_CONNECTION_REJECTED', async (_label, bytes) => {
    const { errors, stats } = await rejections(bytes);
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_CONNECTION_REJECTED']);
    expect(stats).toMatchObject({ rejected: 1, errors: 0, pending: 0 });
  });

  test('a signature split over reads is still recognised', async () => {
    const { errors, stats } = await rejections([V2_SIGNATURE.subarray(0, 3), V2_SIGNATURE.subarray(3, 12)]);
    expect(errors.map((e) => e.code)).toEqual(['ERR_PROXY_CONNECTION_REJECTED']);
    expect(stats).toMatchObject({ rejected: 1, errors: 0, pending: 0 });
  });
});

describe('server.close() with connections still reading their header', () => {
  test('ends them at once, so the close callback does not wait for headerTimeout', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    const integration = acceptProxyProtocol(server, { headerTimeout: 60_000 });
    cleanups.push(() => integration.close());
    const port = await listen(server);
    const sockets = await Promise.all([rawConnect(port), rawConnect(port)]);
    const closedClients = sockets.map((socket) => once(socket, 'close'));
    sockets[0]?.write(encode(INIT).subarray(0, 10)); // half a header
    await waitFor(() => integration.stats.pending === 2, 'both connections pending');
    expect(integration.stats.pending).toBe(2);
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await Promise.all(closedClients);
    expect(integration.stats.pending).toBe(0);
  });
});

describe('http servers get the bytes after the header directly', () => {
  test('two pipelined requests in the same segment as the header are both served, in order', async () => {
    const server = http.createServer((req, res) => res.end(req.url));
    const integration = acceptProxyProtocol(server);
    cleanups.push(() => integration.close());
    const port = await listen(server);
    cleanups.push(() => closeServer(server));
    const socket = await rawConnect(port);
    const answer = collect(socket);
    socket.write(concat(encode(INIT), 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    const text = (await answer).toString();
    expect(text.match(/\r\n\r\n\/[ab]/g)).toEqual(['\r\n\r\n/a', '\r\n\r\n/b']);
  });

  test("a 'connection' listener of the application that reads in paused mode gets them back on the stream", async () => {
    const server = http.createServer((_req, res) => res.end('unused'));
    const seen: Buffer[] = [];
    server.prependListener('connection', (socket: net.Socket) => {
      socket.on('readable', () => {
        let chunk: Buffer | null;
        while ((chunk = socket.read()) !== null) seen.push(chunk);
      });
    });
    const integration = acceptProxyProtocol(server);
    cleanups.push(() => integration.close());
    const port = await listen(server);
    cleanups.push(() => closeServer(server));
    const socket = await rawConnect(port);
    socket.write(concat(encode(INIT), 'hello'));
    await waitFor(() => seen.length > 0, "the application's paused-mode read");
    expect(Buffer.concat(seen).toString()).toBe('hello');
    socket.destroy();
  });
});
