// Regression: a NaN byte limit (e.g. `maxHeaderLength: Number(process.env.UNSET)`) compared false
// with every length, so decode() had no limit at all and HeaderParser silently dropped every byte
// after its first chunk (the header never completed). Such limits are now a RangeError up front.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { decode, encode, HeaderParser } from '../../src/index.js';
import { acceptProxyProtocol, ProxyProtocolDecoder, readProxyHeader } from '../../src/node/index.js';

const HEADER = Buffer.from(encode({ source: { address: '192.0.2.1', port: 1 }, destination: { address: '192.0.2.2', port: 2 } }));
const BAD = [Number.NaN, -1, 'abc' as unknown as number, '4096' as unknown as number];

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

  test('maxUniqueIdLength NaN is a RangeError', () => {
    expect(() => decode(HEADER, { maxUniqueIdLength: Number.NaN })).toThrow(RangeError);
  });

  test('valid limits still work: 0 rejects every header, Infinity and undefined accept', () => {
    expect(() => decode(HEADER, { maxHeaderLength: 0 })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_HEADER_TOO_LONG' }));
    expect(decode(HEADER, { maxHeaderLength: Number.POSITIVE_INFINITY }).status).toBe('complete');
    expect(decode(HEADER, {}).status).toBe('complete');
    const parser = new HeaderParser({ maxHeaderLength: HEADER.length });
    expect(parser.push(HEADER.subarray(0, 5)).status).toBe('incomplete');
    expect(parser.push(HEADER.subarray(5)).status).toBe('complete');
  });
});
