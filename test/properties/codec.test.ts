/** Invariants of the codec, checked over generated headers and arbitrary bytes. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decode, encode, encodeInto, encodingLength, HeaderParser, ProxyProtocolError } from '../../src/index.js';
import { header, plain, v2Header } from '../support/arbitraries.js';

function decodeOrError(bytes: Uint8Array) {
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof ProxyProtocolError) return error;
    throw error;
  }
}

describe('codec properties', () => {
  test('decode(encode(h)) equals h, and length equals the encoded size', () => {
    fc.assert(
      fc.property(header, (h) => {
        const bytes = encode(h);
        expect(encodingLength(h)).toBe(bytes.length);
        const result = decode(bytes);
        expect(result.status).toBe('complete');
        if (result.status !== 'complete') return;
        expect(result.length).toBe(bytes.length);
        expect(plain(result.header)).toEqual(plain(h));
      }),
      { numRuns: 1000 },
    );
  });

  test('with a CRC32C TLV and NOOP padding the header still round-trips and verifies', () => {
    fc.assert(
      fc.property(v2Header, fc.nat({ max: 200 }), (h, extra) => {
        const plainLength = encodingLength(h, { crc32c: true });
        const padTo = extra < 3 ? undefined : plainLength + extra;
        const bytes = encode(h, padTo === undefined ? { crc32c: true } : { crc32c: true, padTo });
        expect(bytes.length).toBe(padTo ?? plainLength);
        const result = decode(bytes);
        if (result.status !== 'complete') throw new Error('not complete');
        expect(result.header.tlvs[0]?.type).toBe(0x03);
        const rest = result.header.tlvs.slice(1);
        const withoutPad = padTo === undefined ? rest : rest.slice(0, -1);
        expect(plain({ ...result.header, tlvs: withoutPad })).toEqual(plain(h));
      }),
      { numRuns: 300 },
    );
  });

  test('encodeInto writes the same bytes at any offset and nothing outside them', () => {
    fc.assert(
      fc.property(header, fc.nat({ max: 9 }), fc.nat({ max: 9 }), (h, before, after) => {
        const expected = encode(h);
        const target = new Uint8Array(before + expected.length + after).fill(0xaa);
        expect(encodeInto(h, target, before)).toBe(expected.length);
        expect(Array.from(target.subarray(before, before + expected.length))).toEqual(Array.from(expected));
        expect(target.subarray(0, before).every((b) => b === 0xaa)).toBe(true);
        expect(target.subarray(before + expected.length).every((b) => b === 0xaa)).toBe(true);
      }),
    );
  });

  test('every strict prefix of a valid header is incomplete', () => {
    fc.assert(
      fc.property(header, (h) => {
        const bytes = encode(h);
        for (let n = 0; n < bytes.length; n++) {
          const result = decodeOrError(bytes.subarray(0, n));
          expect(result instanceof ProxyProtocolError ? result.code : result.status).toBe('incomplete');
        }
      }),
      { numRuns: 200 },
    );
  });

  test('bytes after the header are never consumed', () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, payload) => {
        const bytes = encode(h);
        const both = new Uint8Array(bytes.length + payload.length);
        both.set(bytes);
        both.set(payload, bytes.length);
        const result = decode(both);
        expect(result.status === 'complete' && result.length).toBe(bytes.length);
      }),
    );
  });

  test('arbitrary bytes: only ProxyProtocolError escapes, and length never exceeds the input', () => {
    const signatureLed = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 120 }).map((b) => Uint8Array.from([...new TextEncoder().encode('PROXY '), ...b])),
      fc
        .uint8Array({ maxLength: 300 })
        .map((b) => Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, ...b])),
    );
    fc.assert(
      fc.property(signatureLed, (bytes) => {
        const result = decodeOrError(bytes);
        if (!(result instanceof ProxyProtocolError) && result.status === 'complete') {
          expect(result.length).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 5000 },
    );
  });

  test('HeaderParser: every chunking gives the same header and the exact following bytes', () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat({ max: 300 }), { maxLength: 8 }), (h, payload, cuts) => {
        const bytes = encode(h);
        const stream = new Uint8Array(bytes.length + payload.length);
        stream.set(bytes);
        stream.set(payload, bytes.length);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, stream.length]) {
          chunks.push(stream.slice(last, p));
          last = p;
        }
        const parser = new HeaderParser();
        let got: unknown;
        const after: number[] = [];
        for (const chunk of chunks) {
          if (got !== undefined) {
            after.push(...chunk);
            continue;
          }
          const step = parser.push(chunk);
          if (step.status === 'complete') {
            got = plain(step.header);
            after.push(...step.rest);
          } else {
            expect(step.status).toBe('incomplete');
          }
        }
        expect(got).toEqual(plain(h));
        expect(after).toEqual(Array.from(payload));
      }),
      { numRuns: 500 },
    );
  });
});
