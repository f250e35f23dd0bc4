/**
 * Wrong input is refused clearly: a TypeError for a wrong type or an unknown key, a RangeError for
 * an impossible value, a ProxyProtocolError for bytes or headers that break the protocol; never
 * an internal error, never a silent guess.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type DecodeOptions,
  decode,
  decodeDatagram,
  type EncodeOptions,
  encode,
  encodeDatagram,
  encodeInto,
  encodingLength,
  HeaderParser,
  type ProxyHeader,
  type ProxyHeaderInit,
  ProxyProtocolError,
} from '../src/index.js';
import { DECODE_OPTION_NAMES } from '../src/options.js';
import { ascii } from './support/bytes.js';

const tcp4 = { source: { address: '192.0.2.1', port: 1000 }, destination: { address: '192.0.2.2', port: 443 } };
const V1 = ascii('PROXY TCP4 192.0.2.1 192.0.2.2 1000 443\r\n');
const V2 = encode(tcp4);

const any = (value: unknown) => value as never;

describe('decode: wrong types are TypeErrors', () => {
  test.each([
    ['a string', 'PROXY TCP4 192.0.2.1 192.0.2.2 1000 443\r\n', /string/],
    ['null', null, /null/],
    ['undefined', undefined, /undefined/],
    ['an array of numbers', [0x50], /Array/],
    ['an ArrayBuffer', new ArrayBuffer(4), /ArrayBuffer/],
  ])('%s', (_, input, message) => {
    expect(() => decode(any(input))).toThrow(TypeError);
    expect(() => decode(any(input))).toThrow(message);
    expect(() => decodeDatagram(any(input))).toThrow(TypeError);
    expect(() => decodeDatagram(any(input))).toThrow(/^decodeDatagram needs a Uint8Array/);
  });
  test('HeaderParser.push refuses a string too, first chunk or not', () => {
    expect(() => new HeaderParser().push(any('PROXY'))).toThrow(/^HeaderParser\.push needs a Uint8Array, got string/);
    const parser = new HeaderParser();
    expect(parser.push(new TextEncoder().encode('PROX')).status).toBe('incomplete');
    expect(() => parser.push(any('Y TCP4'))).toThrow(TypeError);
    expect(() => parser.push(any('Y TCP4'))).toThrow(/^HeaderParser\.push needs a Uint8Array/);
  });
});

describe('decode options', () => {
  test('an unknown key is a TypeError naming it and listing the valid ones', () => {
    const error = (() => {
      try {
        decode(V1, any({ maxHeaderLenght: 100 }));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(TypeError);
    expect(error?.message).toContain("'maxHeaderLenght'");
    for (const name of DECODE_OPTION_NAMES) expect(error?.message).toContain(name);
  });
  test.each([
    ['verifyCrc32c', { verifyCrc32c: false }, /crc32c/],
    ['requireCrc32c', { requireCrc32c: true }, /crc32c: 'require'/],
    ['timeout', { timeout: 1000 }, /headerTimeout/],
  ])('the former name %s says what replaced it', (_, options, message) => {
    expect(() => decode(V1, any(options))).toThrow(TypeError);
    expect(() => decode(V1, any(options))).toThrow(message);
    expect(() => new HeaderParser(any(options))).toThrow(TypeError);
  });
  test.each<[string, unknown, typeof TypeError | typeof RangeError]>([
    ['options null', null, TypeError],
    ['options a string', 'strict', TypeError],
    ['maxHeaderLength a string', { maxHeaderLength: '4096' }, TypeError],
    ['maxHeaderLength 15', { maxHeaderLength: 15 }, RangeError],
    ['maxHeaderLength 0', { maxHeaderLength: 0 }, RangeError],
    ['maxHeaderLength NaN', { maxHeaderLength: Number.NaN }, RangeError],
    ['maxUniqueIdLength -1', { maxUniqueIdLength: -1 }, RangeError],
    ['versions not an array', { versions: 2 }, TypeError],
    ['versions empty', { versions: [] }, RangeError],
    ['versions [3]', { versions: [3] }, RangeError],
    ["versions ['1']", { versions: ['1'] }, RangeError],
    ['crc32c a boolean', { crc32c: false }, TypeError],
    ['crc32c an unknown mode', { crc32c: 'always' }, RangeError],
    ['allowIPv4InTcp6 a string', { allowIPv4InTcp6: 'yes' }, TypeError],
    ['allowDottedQuadInTcp6 a number', { allowDottedQuadInTcp6: 1 }, TypeError],
  ])('%s', (_, options, kind) => {
    expect(() => decode(V1, any(options))).toThrow(kind);
    expect(() => decode(V2, any(options))).toThrow(kind);
    expect(() => new HeaderParser(any(options))).toThrow(kind);
    expect(() => decodeDatagram(V2, any(options))).toThrow(kind);
  });
  test("crc32c: 'verify' (the default), 'require' and 'ignore'", () => {
    const bytes = encode(tcp4, { crc32c: true });
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1; // corrupts the checksum
    expect(() => decode(bytes)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_CRC32C_MISMATCH' }));
    expect(() => decode(bytes, { crc32c: 'verify' })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_CRC32C_MISMATCH' }));
    expect(decode(bytes, { crc32c: 'ignore' }).status).toBe('complete');
    expect(() => decode(V2, { crc32c: 'require' })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_CRC32C_MISSING' }));
    expect(() => decode(V1, { crc32c: 'require' })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_CRC32C_MISSING' }));
  });
  test('every option name is listed once', () => {
    const all: Required<DecodeOptions> = {
      maxHeaderLength: 16,
      versions: [1],
      crc32c: 'verify',
      maxUniqueIdLength: 0,
      allowIPv4InTcp6: false,
      allowDottedQuadInTcp6: true,
    };
    expect([...DECODE_OPTION_NAMES].sort()).toEqual(Object.keys(all).sort());
  });
});

describe('encode: wrong types are TypeErrors, wrong values RangeErrors', () => {
  const encoders: [string, (h: ProxyHeaderInit, o?: EncodeOptions) => unknown][] = [
    ['encode', (h, o) => encode(h, o)],
    ['encodingLength', (h, o) => encodingLength(h, o)],
    ['encodeInto', (h, o) => encodeInto(h, new Uint8Array(600), 0, o)],
  ];
  describe.each(encoders)('%s', (_, run) => {
    test.each<[string, unknown, typeof TypeError | typeof RangeError, RegExp]>([
      ['no header', undefined, TypeError, /needs a header/],
      ['null', null, TypeError, /object/],
      ['a string', 'PROXY', TypeError, /object/],
      ["version '1'", { ...tcp4, version: '1' }, TypeError, /version must be 1 or 2/],
      ['version 3', { ...tcp4, version: 3 }, RangeError, /version must be 1 or 2/],
      ['version 0', { ...tcp4, version: 0 }, RangeError, /version must be 1 or 2/],
      ['an unknown key', { remoteAddress: '192.0.2.1', remotePort: 1 }, TypeError, /'remoteAddress'/],
      ['an unknown typed TLV', { ...tcp4, tlvs: { sni: 'example.com' } }, TypeError, /'sni'/],
      ['an unknown SSL field', { ...tcp4, tlvs: { ssl: { versoin: 'TLSv1.3' } } }, TypeError, /'versoin'/],
      ['an unknown AWS field', { ...tcp4, tlvs: { aws: { vpce: 'x' } } }, TypeError, /'vpce'/],
      ['unparsed not bytes', { command: 'local', unparsed: 'abc' }, TypeError, /unparsed/],
    ])('%s', (_, header, kind, message) => {
      expect(() => run(any(header))).toThrow(kind);
      expect(() => run(any(header))).toThrow(message);
    });
    test.each<[string, ProxyHeaderInit, unknown, typeof TypeError | typeof RangeError]>([
      ['crc32c on v1', { ...tcp4, version: 1 }, { crc32c: true }, RangeError],
      ['padTo on v1', { ...tcp4, version: 1 }, { padTo: 100 }, RangeError],
      ['an unknown option', tcp4, { crc: true }, TypeError],
      ['crc32c a string', tcp4, { crc32c: 'yes' }, TypeError],
      ['padTo a string', tcp4, { padTo: '64' }, TypeError],
      ['padTo negative', tcp4, { padTo: -1 }, RangeError],
      ['padTo fractional', tcp4, { padTo: 40.5 }, RangeError],
      ['options null', tcp4, null, TypeError],
    ])('%s', (_, header, options, kind) => {
      expect(() => run(header, any(options))).toThrow(kind);
    });
    test('crc32c: false on v1 is fine (nothing to add)', () => {
      expect(() => run({ ...tcp4, version: 1 }, { crc32c: false })).not.toThrow();
    });
  });
  test('encodeInto: the target and offset', () => {
    expect(() => encodeInto(tcp4, any([]), 0)).toThrow(TypeError);
    expect(() => encodeInto(tcp4, new Uint8Array(100), -1)).toThrow(RangeError);
    expect(() => encodeInto(tcp4, new Uint8Array(100), 1.5)).toThrow(RangeError);
    expect(() => encodeInto(tcp4, new Uint8Array(10), 0)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_BUFFER_TOO_SMALL' }));
  });
  test('encodeDatagram: v1 and a payload that is not bytes', () => {
    expect(() => encodeDatagram({ ...tcp4, version: 1 }, new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_PROXY_INVALID_HEADER' }),
    );
    expect(() => encodeDatagram(tcp4, any('payload'))).toThrow(TypeError);
  });
});

describe('encodingLength validates exactly what encode validates', () => {
  const outcome = (run: () => unknown) => {
    try {
      run();
      return { ok: true };
    } catch (error) {
      return { ok: false, kind: (error as Error).name, code: (error as { code?: string }).code };
    }
  };
  test.each<[string, ProxyHeaderInit]>([
    ['an invalid address with family given', { ...tcp4, family: 'ipv4', source: { address: 'nonsense', port: 1 } }],
    ['IPv6 text with family ipv4', { ...tcp4, family: 'ipv4', source: { address: '::1', port: 1 } }],
    ['a port out of range', { ...tcp4, destination: { address: '192.0.2.2', port: 70000 } }],
    ['a UNIX path with NUL', { source: { path: 'a\0b' }, destination: { path: '/b' } }],
    ['a UNIX path too long', { source: { path: 'x'.repeat(109) }, destination: { path: '/b' } }],
    ['a TLV value that is not bytes', { ...tcp4, tlvs: [{ type: 0xe0, value: any('x') }] }],
    ['a PROXY header with a transport and no addresses', { transport: 'stream' }],
  ])('%s', (_, header) => {
    const e = outcome(() => encode(header));
    expect(e.ok).toBe(false);
    expect(outcome(() => encodingLength(header))).toEqual(e);
    expect(outcome(() => encode({ ...header, version: 1 }))).toEqual(outcome(() => encodingLength({ ...header, version: 1 })));
  });
});

describe('decodeDatagram is v2 only', () => {
  test('a v1 line is refused', () => {
    expect(() => decodeDatagram(V1)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_VERSION_NOT_ALLOWED' }));
  });
  test('a v2 header decodes', () => {
    expect(decodeDatagram(encodeDatagram(tcp4, Uint8Array.of(1, 2))).payload).toEqual(Uint8Array.of(1, 2));
  });
});

describe('LOCAL keeps its family and transport', () => {
  test.each(['unspec', 'ipv4', 'ipv6', 'unix'] as const)('%s', (family) => {
    for (const transport of ['unspec', 'stream', 'dgram'] as const) {
      const h: ProxyHeader = { version: 2, command: 'local', family, transport, source: null, destination: null, tlvs: [] };
      const r = decode(encode(h));
      expect(r.status === 'complete' && r.header).toEqual(h);
      const withTlv = { ...h, tlvs: [{ type: 0xe1, value: Uint8Array.of(7) }] };
      const r2 = decode(encode(withTlv));
      expect(r2.status === 'complete' && r2.header).toEqual(withTlv);
    }
  });
  test('unparsed bytes re-encode as they were', () => {
    const bytes = Uint8Array.of(...V2.subarray(0, 12), 0x20, 0x00, 0x00, 0x02, 0xff, 0xff);
    const r = decode(bytes);
    expect(r.status === 'complete' && r.header.unparsed).toEqual(Uint8Array.of(0xff, 0xff));
    if (r.status === 'complete') expect(encode(r.header)).toEqual(bytes);
  });
  test('PROXY without addresses has neither a family nor a transport', () => {
    expect(() => encode({ family: 'ipv4' })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_INVALID_HEADER' }));
    expect(() => encode({ transport: 'dgram' })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_INVALID_HEADER' }));
  });
});

describe('limits and offsets', () => {
  test('error offsets are always within the input', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 120 }).map((b) => Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59, ...b)),
      fc.string({ unit: fc.constantFrom(...'PROXY TCP46UNKOW0123456789.:abcdef \r\n'), maxLength: 120 }).map((s) => ascii(`PROXY ${s}`)),
      fc.uint8Array({ maxLength: 80 }).map((b) => Uint8Array.of(...V2.subarray(0, 12), ...b)),
    );
    let withOffset = 0;
    fc.assert(
      fc.property(bytes, fc.integer({ min: 16, max: 200 }), (input, maxHeaderLength) => {
        try {
          decode(input, { maxHeaderLength });
        } catch (error) {
          expect(error).toBeInstanceOf(ProxyProtocolError);
          const offset = (error as ProxyProtocolError).offset;
          if (offset !== undefined) {
            withOffset++;
            expect(offset).toBeGreaterThanOrEqual(0);
            expect(offset).toBeLessThan(input.length);
          }
        }
      }),
      { numRuns: 3000 },
    );
    // The inputs must reach the errors that carry an offset, or the property says nothing.
    expect(withOffset).toBeGreaterThan(300);
  });
  test('a v1 line without CRLF is refused once 106 bytes have arrived: the CR of a 107-byte line is its 106th byte', () => {
    const line = ascii(`PROXY UNKNOWN ${'x'.repeat(100)}`);
    expect(decode(line.subarray(0, 105)).status).toBe('incomplete');
    expect(() => decode(line.subarray(0, 106))).toThrow(expect.objectContaining({ code: 'ERR_PROXY_V1_LINE_TOO_LONG', offset: 105 }));
    expect(decode(ascii(`PROXY UNKNOWN ${'x'.repeat(90)}\r\n`)).status).toBe('complete');
  });
  test('the smallest maxHeaderLength, 16, decides the same whatever the segmentation', () => {
    const line = ascii('PROXY UNKNOWN\r\n');
    const parser = new HeaderParser({ maxHeaderLength: 16 });
    for (let k = 0; k < line.length - 1; k++) expect(parser.push(line.subarray(k, k + 1)).status).toBe('incomplete');
    expect(parser.push(line.subarray(line.length - 1)).status).toBe('complete');
    expect(decode(line, { maxHeaderLength: 16 }).status).toBe('complete');
  });
});

describe('HeaderParser buffering', () => {
  /** Runs `fn` while recording the length of every Uint8Array constructed with a number. */
  const allocations = (fn: () => void): number[] => {
    const sizes: number[] = [];
    const Original = globalThis.Uint8Array;
    globalThis.Uint8Array = new Proxy(Original, {
      construct(target, args, newTarget) {
        if (typeof args[0] === 'number') sizes.push(args[0]);
        return Reflect.construct(target, args, newTarget);
      },
    });
    try {
      fn();
    } finally {
      globalThis.Uint8Array = Original;
    }
    // Nothing recorded would make every bound below hold vacuously (Math.max() is -Infinity).
    expect(sizes.length, 'no Uint8Array allocation was seen').toBeGreaterThan(0);
    return sizes;
  };
  const big = encode({ ...tcp4, tlvs: [{ type: 0xe0, value: new Uint8Array(65535 - 12 - 3) }] });

  test('never allocates past the header, even for the largest one fed in small chunks', () => {
    expect(big.length).toBe(65551);
    const parser = new HeaderParser();
    let done = false;
    const sizes = allocations(() => {
      for (let at = 0; at < big.length && !done; at += 1000) done = parser.push(big.subarray(at, at + 1000)).status === 'complete';
    });
    expect(done).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(big.length);
  });
  test('never allocates past maxHeaderLength', () => {
    const parser = new HeaderParser({ maxHeaderLength: 4096 });
    const line = ascii('PROXY TCP4 192.0.2.1 192.0.2.2 1000 443\r\n');
    const sizes = allocations(() => {
      for (let k = 0; k < line.length - 1; k++) parser.push(line.subarray(k, k + 1));
    });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(107);
    expect(parser.push(line.subarray(line.length - 1)).status).toBe('complete');
  });
  test('a declared length is not allocated before its bytes arrive', () => {
    const parser = new HeaderParser();
    const sizes = allocations(() => {
      for (let k = 0; k < 20; k++) parser.push(big.subarray(k, k + 1));
    });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(40);
  });
});
