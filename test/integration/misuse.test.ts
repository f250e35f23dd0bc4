// Misuse fails at the call, with a message that names the fix; no internal TypeError
// ("Cannot read properties of …") reaches the caller for any argument.
import http from 'node:http';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { fc, test as fcTest } from '@fast-check/vitest';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, describe, expect, test } from 'vitest';
import { encode } from '../../src/index.js';
import {
  acceptProxyProtocol,
  ProxyProtocolDecoder,
  ProxyProtocolEncoder,
  readProxyHeader,
  trustedList,
  unmapIPv4,
} from '../../src/node/index.js';

const INTERNAL = /Cannot read propert|is not a function|undefined is not|null is not/;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

describe('acceptProxyProtocol: the server argument', () => {
  const fastify = Fastify();
  afterAll(() => fastify.close());

  test.each([
    ['an express app', () => express(), /express app; app\.listen\(\) returns the server/],
    ['a fastify instance', () => fastify, /fastify instance; pass app\.server/],
    ['a Koa app', () => new Koa(), /Koa app; app\.listen\(\) returns the server/],
    ['undefined', () => undefined, /got undefined: pass the server itself/],
    ['null', () => null, /got null/],
    ['a request handler', () => (_req: unknown, _res: unknown) => {}, /http\.createServer\(handler\)/],
    ['a string', () => '8080', /got the string "8080"/],
  ])('%s is a TypeError naming the fix', (_label, make, message) => {
    const error = thrown(() => acceptProxyProtocol(make() as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(INTERNAL);
  });
});

describe('acceptProxyProtocol: options', () => {
  const fresh = () => http.createServer();

  test('an unknown key is a TypeError listing the valid ones, with the likely intent', () => {
    const error = thrown(() => acceptProxyProtocol(fresh(), { timeout: 5000 } as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/unknown option "timeout" \(did you mean headerTimeout\?\)/);
    expect(error.message).toMatch(/valid options are mode, policy, trusted, untrusted, headerTimeout, transparent/);
    expect(thrown(() => acceptProxyProtocol(fresh(), { Trusted: [] } as never)).message).toMatch(/did you mean trusted\?/);
    expect(thrown(() => acceptProxyProtocol(fresh(), { whatever: 1 } as never)).message).not.toMatch(/did you mean/);
  });

  test.each([
    ['null options', null, TypeError, /options must be an object, got null/],
    ['an array as options', [], TypeError, /options must be an object, got an array/],
    ['trusted as a string', { trusted: '10.0.0.1' }, TypeError, /got a string: write \["10\.0\.0\.1"\]/],
    ['trusted with a number', { trusted: [10] }, TypeError, /trusted entries must be strings/],
    ['trusted as an object', { trusted: {} }, TypeError, /trusted must be an array/],
    ['an invalid CIDR block', { trusted: ['10.0.0.0/33'] }, TypeError, /invalid prefix length/],
    ['a mode typo', { mode: 'lax' }, TypeError, /mode must be 'strict' or 'lenient'/],
    ['an unknown policy', { policy: 'allow' }, TypeError, /policy must be one of/],
    ['an unknown untrusted policy', { untrusted: 'drop' }, TypeError, /untrusted must be one of/],
    ['headerTimeout as a string', { headerTimeout: '5s' }, TypeError, /headerTimeout must be a number of milliseconds/],
    ['a negative headerTimeout', { headerTimeout: -1 }, RangeError, /headerTimeout must be a non-negative/],
    ['a NaN headerTimeout', { headerTimeout: Number.NaN }, RangeError, /headerTimeout/],
    ['transparent as a string', { transparent: 'no' }, TypeError, /transparent must be true or false/],
    ['assumeNoHeaderAfter in strict mode', { assumeNoHeaderAfter: 500 }, TypeError, /assumeNoHeaderAfter never applies here/],
    ['a negative assumeNoHeaderAfter', { mode: 'lenient', assumeNoHeaderAfter: -5 }, RangeError, /assumeNoHeaderAfter/],
    ['a NaN maxHeaderLength', { maxHeaderLength: Number.NaN }, RangeError, /maxHeaderLength/],
  ])('%s', (_label, options, type, message) => {
    const error = thrown(() => acceptProxyProtocol(fresh(), options as never));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
  });

  test('a failed call leaves the server untouched, so a corrected call works', () => {
    const server = fresh();
    expect(() => acceptProxyProtocol(server, { timeout: 1 } as never)).toThrow(TypeError);
    expect(Object.hasOwn(server, 'emit')).toBe(false);
    acceptProxyProtocol(server, { headerTimeout: 1 }).close();
  });

  test('trusted: [] under a policy that then uses no header warns once, at the call', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      acceptProxyProtocol(fresh(), { trusted: [] }).close();
      acceptProxyProtocol(fresh(), { trusted: [], untrusted: 'require' }).close();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => (w as { code?: string }).code)).toEqual(['PROXYPROTO_NO_TRUSTED_PEER']);
    expect(warnings[0]?.message).toMatch(/trusted is empty/);
  });
});

describe('readProxyHeader', () => {
  test.each([
    ['no socket', undefined, undefined, TypeError, /needs a net\.Socket or a Duplex stream, got undefined/],
    ['a net.Server', net.createServer(), undefined, TypeError, /got an instance of Server/],
    ['the old timeout option', 'stream', { timeout: 10 }, TypeError, /unknown option "timeout" \(did you mean headerTimeout\?\)/],
    ['null options', 'stream', null, TypeError, /options must be an object/],
    ['a signal that is not one', 'stream', { signal: {} }, TypeError, /signal must be an AbortSignal/],
    ['a negative headerTimeout', 'stream', { headerTimeout: -1 }, RangeError, /headerTimeout/],
    ['assumeNoHeaderAfter in strict mode', 'stream', { assumeNoHeaderAfter: 10 }, TypeError, /only applies to mode: 'lenient'/],
  ])('%s rejects', async (_label, socket, options, type, message) => {
    const stream = socket === 'stream' ? new PassThrough() : socket;
    const error = await readProxyHeader(stream as never, options as never).then(
      () => new Error('resolved'),
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
    if (stream instanceof PassThrough) expect(stream.listenerCount('readable')).toBe(0);
  });
});

describe('trustedList and unmapIPv4', () => {
  test.each([
    [
      'trustedList without entries',
      () => trustedList(undefined as never),
      /trustedList takes an array of addresses or CIDR blocks; got undefined/,
    ],
    ['trustedList given a string', () => trustedList('10.0.0.0/8' as never), /got a string: write \["10\.0\.0\.0\/8"\]/],
    ['trustedList with a number', () => trustedList([10] as never), /trustedList entries must be strings/],
    ['unmapIPv4 without an address', () => unmapIPv4(undefined as never), /unmapIPv4 takes an address string, got undefined/],
    ['unmapIPv4 with a number', () => unmapIPv4(1 as never), /got number 1/],
  ])('%s is a TypeError naming the fix', (_label, call, message) => {
    const error = thrown(call);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(INTERNAL);
  });
});

describe('the stream classes', () => {
  test.each([
    ['an unknown decoder key', () => new ProxyProtocolDecoder({ timeout: 1 } as never), TypeError, /did you mean headerTimeout\?/],
    ['null decoder options', () => new ProxyProtocolDecoder(null as never), TypeError, /options must be an object/],
    ['a decoder mode typo', () => new ProxyProtocolDecoder({ mode: 'Strict' } as never), TypeError, /mode must be/],
    ['a negative highWaterMark', () => new ProxyProtocolDecoder({ highWaterMark: -1 }), RangeError, /highWaterMark/],
    [
      'a string highWaterMark',
      () => new ProxyProtocolEncoder({}, { highWaterMark: '16' } as never),
      TypeError,
      /highWaterMark must be a number/,
    ],
    ['a bad signal', () => new ProxyProtocolDecoder({ signal: 'x' } as never), TypeError, /signal must be an AbortSignal/],
    ['an unknown encoder key', () => new ProxyProtocolEncoder({}, { crc: true } as never), TypeError, /did you mean crc32c\?/],
    ['no header for the encoder', () => new ProxyProtocolEncoder(undefined as never), TypeError, /needs a header object/],
  ])('%s', (_label, make, type, message) => {
    const error = thrown(make);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
  });

  test('headerTimeout destroys a decoder that never gets its header', async () => {
    const decoder = new ProxyProtocolDecoder({ headerTimeout: 30 });
    decoder.write(encode({}).subarray(0, 5));
    const error = await new Promise<{ code?: string }>((resolve) => decoder.on('error', resolve));
    expect(error.code).toBe('ERR_PROXY_HEADER_TIMEOUT');
  });
});

// The Node-side options (the core checks its decoding options itself): whatever value each takes,
// the call succeeds or throws a TypeError / RangeError of ours, never an internal error.
describe('any value for any Node-side option', () => {
  const anything = fc.oneof(
    fc.anything(),
    fc.constantFrom(Number.NaN, -1, 0, 2 ** 31, Number.POSITIVE_INFINITY, '', 'strict', 'use', [], [''], ['10.0.0.0/8'], () => 'use'),
  );
  const accepted = ['mode', 'policy', 'trusted', 'untrusted', 'headerTimeout', 'transparent', 'assumeNoHeaderAfter'] as const;
  const ours = (error: unknown) => (error instanceof TypeError || error instanceof RangeError) && !INTERNAL.test((error as Error).message);

  fcTest.prop([fc.constantFrom(...accepted), anything], { numRuns: 300 })('acceptProxyProtocol', (key, value) => {
    const warnings = process.listeners('warning');
    process.removeAllListeners('warning');
    try {
      acceptProxyProtocol(http.createServer(), { [key]: value } as never).close();
    } catch (error) {
      expect(ours(error), String(error)).toBe(true);
    } finally {
      for (const listener of warnings) process.on('warning', listener);
    }
  });

  fcTest.prop([fc.constantFrom('mode', 'headerTimeout', 'signal', 'transparent', 'assumeNoHeaderAfter'), anything], { numRuns: 200 })(
    'readProxyHeader',
    async (key, value) => {
      const stream = new PassThrough();
      const reading = readProxyHeader(stream, { [key]: value } as never);
      stream.end(encode({}));
      await reading.catch((error) => expect(ours(error), String(error)).toBe(true));
    },
  );

  fcTest.prop([fc.constantFrom('mode', 'headerTimeout', 'highWaterMark', 'signal'), anything], { numRuns: 200 })(
    'ProxyProtocolDecoder',
    (key, value) => {
      try {
        new ProxyProtocolDecoder({ [key]: value } as never).destroy();
      } catch (error) {
        expect(ours(error), String(error)).toBe(true);
      }
    },
  );
});
