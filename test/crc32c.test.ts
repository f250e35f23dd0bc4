import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc32c } from '../src/index.js';
import { ascii } from './support/bytes.js';

/** Bit-at-a-time reference straight from the definition (reflected 0x82F63B78). */
function reference(bytes: Uint8Array, seed = 0): number {
  let crc = ~seed >>> 0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('crc32c', () => {
  test('check value of "123456789" is 0xE3069283', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
  });
  test('RFC 3720 B.4 vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });
  test('empty input', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
  test('equals the bitwise reference for arbitrary inputs, seeds and offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 7 }), (bytes, seed, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length)); // unaligned views
        expect(crc32c(view, seed)).toBe(reference(view, seed));
      }),
      { numRuns: 300 },
    );
  });
  test('chaining with a seed equals one pass over the concatenation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        const both = new Uint8Array(a.length + b.length);
        both.set(a);
        both.set(b, a.length);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(both));
      }),
    );
  });
});
