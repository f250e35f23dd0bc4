// Regressions. A NaN byte limit (e.g. `maxHeaderLength: Number(process.env.UNSET)`) compared false
// with every length, so decode() had no limit at all and HeaderParser silently dropped every byte
// after its first chunk (the header never completed). Such limits are now a RangeError up front.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { decode, encode, HeaderParser } from '../../src/index.js';
import { acceptProxyProtocol, ProxyProtocolDecoder, readProxyHeader } from '../../src/node/index.js';

const HEADER = Buffer.from(encode({ source: { address: '192.0.2.1', port: 1 }, destination: { address: '192.0.2.2', port: 2 } }));
const BAD = [Number.NaN, -1, 15];
const WRONG_TYPE = ['abc' as unknown as number, '4096' as unknown as number];

describe('byte limits are validated', () => {
  for (const bad of BAD) {
    test(`maxHeaderLength ${String(bad)} is a RangeError everywhere`, async () => {
      expect(() => decode(HEADER, { maxHeaderLength: bad })).toThrow(RangeError);
      expect(() => decode(Buffer.from('PROXY UNKNOWN\r\n'), { maxHeaderLength: bad })).toThrow(RangeError);
      expect(() => new HeaderParser({ maxHeaderLength: bad })).toThrow(RangeError);
      expect(() => new ProxyProtocolDecoder({ maxHeaderLength: bad })).toThrow(RangeError);
      expect(() => acceptProxyProtocol(net.createServer(), { maxHeaderLength: bad })).toThrow(RangeError);
      const stream = new PassThrough();
      await expect(readProxyHeader(stream, { maxHeaderLength: bad })).rejects.toThrow(RangeError);
      expect(stream.listenerCount('readable')).toBe(0);
    });
  }

  for (const bad of WRONG_TYPE) {
    test(`maxHeaderLength ${JSON.stringify(bad)} is a TypeError`, () => {
      expect(() => decode(HEADER, { maxHeaderLength: bad })).toThrow(TypeError);
      expect(() => new HeaderParser({ maxHeaderLength: bad })).toThrow(TypeError);
    });
  }

  test('maxUniqueIdLength NaN is a RangeError', () => {
    expect(() => decode(HEADER, { maxUniqueIdLength: Number.NaN })).toThrow(RangeError);
  });

  test('valid limits still work: 16 rejects every longer header, Infinity and undefined accept; below 16 is a RangeError', () => {
    expect(() => decode(HEADER, { maxHeaderLength: 16 })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_HEADER_TOO_LONG' }));
    expect(() => decode(HEADER, { maxHeaderLength: 0 })).toThrow(RangeError);
    expect(decode(HEADER, { maxHeaderLength: Number.POSITIVE_INFINITY }).status).toBe('complete');
    expect(decode(HEADER, {}).status).toBe('complete');
    const parser = new HeaderParser({ maxHeaderLength: HEADER.length });
    expect(parser.push(HEADER.subarray(0, 5)).status).toBe('incomplete');
    expect(parser.push(HEADER.subarray(5)).status).toBe('complete');
  });
});

// Regression: a timeout beyond setTimeout's 2^31-1 ms (say Number.MAX_SAFE_INTEGER, meant as
// "practically never") fired after 1 ms, timing out every header at once.
describe('header timeouts beyond 2^31-1 ms', () => {
  for (const timeout of [2 ** 31, Number.MAX_SAFE_INTEGER]) {
    test(`readProxyHeader with timeout ${timeout} waits for the header`, async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on('warning', onWarning);
      try {
        const stream = new PassThrough();
        const reading = readProxyHeader(stream, { timeout }).then(
          (header) => header?.source,
          (error: { code?: string }) => error.code,
        );
        await new Promise((resolve) => setTimeout(resolve, 30));
        stream.write(HEADER);
        expect(await reading).toEqual({ address: '192.0.2.1', port: 1 });
        stream.destroy();
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings).not.toContain('TimeoutOverflowWarning');
      } finally {
        process.off('warning', onWarning);
      }
    });
  }

  test('acceptProxyProtocol with headerTimeout 2^31 serves a header sent after a pause', async () => {
    const server = net.createServer((socket) => socket.end('served'));
    const integration = acceptProxyProtocol(server, { headerTimeout: 2 ** 31 });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      socket.on('error', () => {});
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.write(HEADER);
      await closed;
      expect(Buffer.concat(chunks).toString()).toBe('served');
      expect(integration.stats).toMatchObject({ v2: 1, timedOut: 0 });
    } finally {
      integration.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
