import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CANONICAL, formatIPv6, parseAddress, parseIPv6 } from '../src/address.js';
import { canonicalAddress, ipVersion } from '../src/index.js';

const bytesOf = (address: string, family: 4 | 6): number[] | undefined => {
  const out = new Uint8Array(16);
  return (parseAddress(address, family, out, 0) & 7) === family ? Array.from(out.subarray(0, family === 4 ? 4 : 16)) : undefined;
};
const ipv4ToBytes = (address: string) => bytesOf(address, 4);
const ipv6ToBytes = (address: string) => bytesOf(address, 6);

describe('IPv4', () => {
  test.each(['0.0.0.0', '255.255.255.255', '192.0.2.1', '10.0.0.10'])('accepts %s', (a) => {
    expect(ipv4ToBytes(a)).toBeDefined();
    expect(ipVersion(a)).toBe(4);
  });
  test.each([
    '',
    '1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.02.3.4',
    '256.0.0.0',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1..3.4',
    '1.2.3.',
    'a.b.c.d',
    '1.2.3.-4',
    '1.2.3.0x1',
    '1234.1.1.1',
  ])('rejects %j', (a) => {
    expect(ipv4ToBytes(a)).toBeUndefined();
    expect(ipVersion(a)).not.toBe(4);
  });
  test('round trips every address through bytes', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        const bytes = ipv4ToBytes(a);
        expect(bytes).toBeDefined();
        expect((bytes as number[]).join('.')).toBe(a);
      }),
    );
  });
});

describe('IPv6', () => {
  test.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['0:0:0:0:0:0:0:0', '::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::FFFF:c000:0201', '::ffff:192.0.2.1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['fe80::0001', 'fe80::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::192.0.2.1', '::c000:201'],
  ])('%s → %s (RFC 5952)', (input, canonical) => {
    expect(canonicalAddress(input)).toBe(canonical);
  });
  test.each([
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    'g::',
    'fe80::1%eth0',
    '::ffff:1.2.3',
    '::ffff:01.2.3.4',
    '1.2.3.4::',
    '::1:',
    '1:2:3:4:5:6:7:8::',
    '::1.2.3.4:5',
  ])('rejects %j', (a) => {
    expect(ipv6ToBytes(a)).toBeUndefined();
  });
  test('formatting is canonical and parses back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIPv6(bytes);
        expect(text).toBe(text.toLowerCase());
        expect(text.split('::').length).toBeLessThanOrEqual(2);
        expect(ipv6ToBytes(text)).toEqual(Array.from(bytes));
        expect(canonicalAddress(text)).toBe(text);
      }),
    );
  });
  test('agrees with fast-check IPv6 text of every shape', () => {
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        expect(ipVersion(a)).toBe(6);
      }),
    );
  });
  test('sparse addresses (long zero runs) are canonical', () => {
    const sparse = fc.array(fc.constantFrom(0, 0, 0, 1, 0xabcd), { minLength: 8, maxLength: 8 }).map((groups) => {
      const b = new Uint8Array(16);
      groups.forEach((g, i) => {
        b[2 * i] = g >> 8;
        b[2 * i + 1] = g & 0xff;
      });
      return b;
    });
    fc.assert(
      fc.property(sparse, (bytes) => {
        const text = formatIPv6(bytes);
        expect(ipv6ToBytes(text)).toEqual(Array.from(bytes));
        // RFC 5952: never "::" for a single zero group, and the longest run is the one compressed.
        if (text.includes('::') && !text.startsWith('::ffff:')) {
          const [left, right] = text.split('::') as [string, string];
          const present = (left ? left.split(':').length : 0) + (right ? right.split(':').length : 0);
          expect(8 - present).toBeGreaterThanOrEqual(2);
        }
      }),
    );
  });
});

describe('one pass: the IPv6 parser knows when its text is already canonical', () => {
  /** IPv6 text of every spelling: canonical, with leading zeros, upper case, uncompressed, dotted. */
  const spelling = fc
    .tuple(
      fc.oneof(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc
          .array(fc.constantFrom(0, 0, 1, 0xffff, 0x0db8), { minLength: 8, maxLength: 8 })
          .map((g) => Uint8Array.from(g.flatMap((x) => [x >> 8, x & 0xff]))),
        fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v4) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4)),
      ),
      fc.constantFrom('canonical', 'full', 'upper', 'zeros', 'dotted'),
    )
    .map(([bytes, style]) => {
      const canonical = formatIPv6(bytes);
      const groups = Array.from({ length: 8 }, (_, g) => ((bytes[2 * g] as number) << 8) | (bytes[2 * g + 1] as number));
      if (style === 'full') return groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
      if (style === 'zeros') return groups.map((g) => g.toString(16)).join(':');
      if (style === 'upper') return canonical.toUpperCase();
      if (style === 'dotted')
        return `${groups
          .slice(0, 6)
          .map((g) => g.toString(16))
          .join(':')}:${Array.from(bytes.subarray(12)).join('.')}`;
      return canonical;
    });
  test('the flag is set exactly when the text equals what the writer writes', () => {
    fc.assert(
      fc.property(spelling, (text) => {
        // Over bytes, as a v1 line holds the text.
        const out = new Uint8Array(16);
        const r = parseIPv6(
          Uint8Array.from(text, (c) => c.charCodeAt(0)),
          0,
          text.length,
          out,
          0,
          true,
        );
        expect(r >> 1).toBe(text.length);
        expect(r & 1).toBe(formatIPv6(out) === text ? 1 : 0);
        // The same through the string entry point.
        const bytes = new Uint8Array(16);
        expect(parseAddress(text, 6, bytes, 0)).toBe(r & 1 ? 6 | CANONICAL : 6);
        expect(bytes).toEqual(out);
      }),
      { numRuns: 3000 },
    );
  });
});
