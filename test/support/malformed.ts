/**
 * fast-check arbitraries for inputs that are wrong on purpose: raw bytes behind a signature, TLV
 * lists of any shape, values of the wrong type, inits wrong in any field, options valid or not.
 */
import fc from 'fast-check';
import type { Tlv } from '../../src/index.js';
import { anyPath, headerInit, ipv4, ipv6, port, tlv, typedTlvs } from './arbitraries.js';
import { ascii, concat, unhex } from './bytes.js';

const V1_SIGNATURE = ascii('PROXY ');
export const V2_SIGNATURE: Uint8Array = unhex('0d0a0d0a000d0a515549540a');

/** Raw bytes, often starting with (part of) a signature so that the decoders get past it. */
export const rawBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom(V1_SIGNATURE, V2_SIGNATURE, V2_SIGNATURE.subarray(0, 5), ascii('PROXY TCP4 ')),
      fc.uint8Array({ maxLength: 300 }),
    )
    .map(([a, b]) => concat(a, b)),
  // v1-shaped text: the line's own words, digits and punctuation.
  fc
    .array(fc.constantFrom(...'PROXY TCP4 TCP6 UNKNOWN 0123456789abcdefABCDEF.: \r\n'.split('')), { maxLength: 120 })
    .map((cs) => ascii(`PROXY ${cs.join('')}`)),
  // A v2 fixed part with any command, family and length, then random bytes.
  fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 400 }),
      fc.uint8Array({ maxLength: 420 }),
    )
    .map(([vc, fam, len, rest]) => concat(V2_SIGNATURE, Uint8Array.of(vc, fam, len >>> 8, len & 0xff), rest)),
  // A valid version, command and family, and a length that matches the random bytes that follow.
  fc
    .tuple(fc.constantFrom(0x20, 0x21), fc.constantFrom(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32), fc.uint8Array({ maxLength: 300 }))
    .map(([vc, fam, rest]) => concat(V2_SIGNATURE, Uint8Array.of(vc, fam, rest.length >>> 8, rest.length & 0xff), rest)),
);

/** Values of the wrong type or out of range, for any field. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, '', 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, true, 'bogus', '80', [], {}),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);

const endpointJunk = fc.oneof(
  junk,
  fc.record({ address: fc.oneof(ipv4, ipv6, junk, fc.string({ maxLength: 45 })), port: fc.oneof(port, junk) }, { requiredKeys: [] }),
  fc.record({ path: fc.oneof(anyPath, junk, fc.string({ minLength: 100, maxLength: 200 })) }, { requiredKeys: [] }),
);

const tlvJunk = fc.oneof(
  tlv,
  junk,
  fc.record(
    { type: fc.oneof(fc.integer({ min: 0, max: 255 }), junk, fc.integer()), value: fc.oneof(fc.uint8Array({ maxLength: 40 }), junk) },
    { requiredKeys: [] },
  ),
  fc.record({
    type: fc.constantFrom(0x03, 0x05, 0x20),
    value: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 129, maxLength: 140 })),
  }),
);

/** Inits where any field may be wrong: wrong strings, wrong types, missing or extra parts. */
export const anyInit: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    {
      version: fc.oneof(fc.constantFrom(1, 2), junk),
      command: fc.oneof(fc.constantFrom('proxy', 'local'), junk),
      family: fc.oneof(fc.constantFrom('ipv4', 'ipv6', 'unix', 'unspec'), junk),
      transport: fc.oneof(fc.constantFrom('stream', 'dgram', 'unspec'), junk),
      source: endpointJunk,
      destination: endpointJunk,
      tlvs: fc.oneof(fc.array(tlvJunk, { maxLength: 4 }), junk, typedTlvs),
    },
    { requiredKeys: [] },
  ),
  // A valid init with one field replaced or added.
  fc
    .tuple(headerInit, fc.constantFrom('version', 'command', 'family', 'transport', 'source', 'destination', 'tlvs', 'bogus'), junk)
    .map(([init, key, value]) => ({ ...init, [key]: value })),
);

/** Encode options, valid or not. */
export const anyEncodeOptions: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      crc32c: fc.oneof(fc.boolean(), junk),
      padTo: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 65000, max: 70000 }), junk),
    },
    { requiredKeys: [] },
  ),
);

/** Any TLV list: every type, values of any shape (what `readTlvs` must survive). */
export const anyTlvs: fc.Arbitrary<Tlv[]> = fc.array(
  fc.oneof(
    tlv,
    fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ type: fc.constantFrom(0x01, 0x02, 0x03, 0x05, 0x20, 0x30, 0xe0, 0xea, 0xee), value: fc.uint8Array({ maxLength: 12 }) }),
  ),
  { maxLength: 8 },
);
