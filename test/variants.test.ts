/**
 * Hot paths keep specialised copies of one grammar (text as a string or as bytes, to a number or
 * into a buffer, a one-pass v1 fast path beside the general one). These properties pin every copy
 * to its reference, so that a fix in one cannot leave another behind.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  dottedQuadString,
  formatIPv4,
  formatIPv4Number,
  formatIPv6,
  parseIPv4,
  parseIPv4Bytes,
  parseIPv4Into,
  parseIPv6,
  parseIPv6Bytes,
  writeIPv4Text,
  writeIPv6Text,
} from '../src/address.js';
import { ProxyProtocolError } from '../src/index.js';
import { resolveDecodeOptions } from '../src/options.js';
import { decodeV1General, decodeV1Resolved } from '../src/v1.js';
import { ipv4, ipv6, port } from './support/arbitraries.js';
import { ascii, hex } from './support/bytes.js';

/** Numbers around the limits (255, 65535), sometimes with leading zeros. */
const number = (max: number) =>
  fc.oneof(
    fc.integer({ min: 0, max }),
    fc.integer({ min: max - 3, max: max + 3 }),
    fc.integer({ min: 0, max: 99 }).map((n) => `0${n}`),
  );
const quadLike = fc.array(number(255), { minLength: 3, maxLength: 5 }).map((parts) => parts.join('.'));
const portLike = number(65535);

/** Text near the IPv4/IPv6 grammars: valid addresses, then the same with a character changed, added or dropped. */
const addressLike = fc
  .tuple(
    fc.oneof(
      ipv4,
      ipv6,
      quadLike,
      quadLike.map((q) => `::ffff:${q}`),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF.:%x '), maxLength: 46 }),
    ),
    fc.nat(),
    fc.constantFrom('keep', 'drop', 'swap', 'add'),
    fc.constantFrom(...'0.:f9 g'),
  )
  .map(([text, at, edit, c]) => {
    if (edit === 'keep' || text.length === 0) return text;
    const i = at % text.length;
    if (edit === 'drop') return text.slice(0, i) + text.slice(i + 1);
    if (edit === 'swap') return text.slice(0, i) + c + text.slice(i + 1);
    return text.slice(0, i) + c + text.slice(i);
  });

describe('address grammar copies agree', () => {
  test('IPv4: string, bytes and into-buffer parsers', () => {
    fc.assert(
      fc.property(addressLike, (text) => {
        const v = parseIPv4(text);
        expect(parseIPv4Bytes(ascii(text), 0, text.length)).toBe(v);
        const out = new Uint8Array(4);
        expect(parseIPv4Into(text, out, 0)).toBe(v >= 0);
        if (v >= 0) expect(Array.from(out)).toEqual([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
      }),
      { numRuns: 3000 },
    );
  });

  test('IPv6: string and bytes parsers, with and without a dotted-quad tail', () => {
    fc.assert(
      fc.property(addressLike, fc.boolean(), (text, dotted) => {
        const a = new Uint8Array(16);
        const b = new Uint8Array(16);
        const ok = parseIPv6(text, a, 0, 0, text.length, dotted);
        expect(parseIPv6Bytes(ascii(text), 0, text.length, b, 0, dotted)).toBe(ok);
        if (ok) expect(hex(b)).toBe(hex(a));
      }),
      { numRuns: 3000 },
    );
  });

  test('formatting: strings and bytes written into a buffer are the same text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (bytes, mapped) => {
        if (mapped) bytes.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
        const out = new Uint8Array(45);
        const v6 = formatIPv6(bytes);
        expect(String.fromCharCode(...out.subarray(0, writeIPv6Text(bytes, 0, out, 0)))).toBe(v6);
        const v4 = formatIPv4(bytes, 12);
        const n = writeIPv4Text(bytes, 12, out, 0);
        expect(String.fromCharCode(...out.subarray(0, n))).toBe(v4);
        expect(dottedQuadString(out, 0, n)).toBe(v4);
        expect(formatIPv4Number(parseIPv4(v4))).toBe(v4);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('v1: the one-pass fast path returns exactly what the general path returns', () => {
  const outcome = (run: () => unknown) => {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof ProxyProtocolError)) throw error;
      return { code: error.code, offset: error.offset };
    }
  };
  const line = fc.oneof(
    fc.record({ s: ipv4, d: ipv4, sp: port, dp: port }).map(({ s, d, sp, dp }) => `PROXY TCP4 ${s} ${d} ${sp} ${dp}\r\n`),
    fc.record({ s: ipv4, d: ipv4, sp: portLike, dp: portLike }).map(({ s, d, sp, dp }) => `PROXY TCP4 ${s} ${d} ${sp} ${dp}\r\n`),
    fc.record({ s: quadLike, d: ipv4, sp: portLike, dp: portLike }).map(({ s, d, sp, dp }) => `PROXY TCP4 ${s} ${d} ${sp} ${dp}\r\n`),
    fc.record({ s: ipv6, d: quadLike, sp: portLike, dp: port }).map(({ s, d, sp, dp }) => `PROXY TCP6 ${s} ${d} ${sp} ${dp}\r\n`),
    fc.record({ s: ipv6, d: ipv6, sp: port, dp: port }).map(({ s, d, sp, dp }) => `PROXY TCP6 ${s} ${d} ${sp} ${dp}\r\n`),
  );
  const mutated = fc
    .tuple(line, fc.nat(), fc.constantFrom('keep', 'drop', 'swap', 'add', 'cut'), fc.constantFrom(...'0 .:\r\n9fx'))
    .map(([text, at, edit, c]) => {
      const i = at % text.length;
      if (edit === 'drop') return text.slice(0, i) + text.slice(i + 1);
      if (edit === 'swap') return text.slice(0, i) + c + text.slice(i + 1);
      if (edit === 'add') return text.slice(0, i) + c + text.slice(i);
      if (edit === 'cut') return text.slice(0, i);
      return text;
    });
  const options = fc.record(
    { maxHeaderLength: fc.integer({ min: 16, max: 120 }), allowIPv4InTcp6: fc.boolean(), allowDottedQuadInTcp6: fc.boolean() },
    { requiredKeys: [] },
  );
  test('for valid lines, lines with one character changed, added or dropped, and prefixes', () => {
    fc.assert(
      fc.property(mutated, fc.uint8Array({ maxLength: 8 }), options, (text, payload, given) => {
        const input = new Uint8Array([...ascii(text), ...payload]);
        const resolved = resolveDecodeOptions(given);
        expect(outcome(() => decodeV1Resolved(input, resolved))).toEqual(outcome(() => decodeV1General(input, resolved)));
      }),
      { numRuns: 5000 },
    );
  });
});
