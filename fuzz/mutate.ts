/**
 * Mutations of corpus inputs: byte edits anywhere, and edits that know the v2 layout (the length
 * field, whole TLVs spliced in, duplicated or removed), so that mutants get past the fixed part.
 */
import fc from 'fast-check';
import { concat, position, sameBytes } from '../test/support/bytes.js';
import { V2_SIGNATURE } from '../test/support/malformed.js';
import type { Core } from './context.js';

/** One mutation. Positions are fractions of the length, so that one mutation fits any seed. */
export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'duplicate'; at: number; count: number; to: number }
  | { op: 'truncate'; at: number }
  | { op: 'v2length'; delta: number }
  | { op: 'tlvSplice'; donor: number; which: number; at: number }
  | { op: 'tlvDuplicate'; which: number; at: number }
  | { op: 'tlvRemove'; which: number };

const fraction = fc.double({ min: 0, max: 1, noNaN: true });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fraction, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fraction,
    value: fc.constantFrom(0x00, 0xff, 0x20, 0x0d, 0x0a, 0x3a, 0x2e, 0x30, 0x7f, 0x80),
  }),
  fc.record({ op: fc.constant('insert' as const), at: fraction, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fraction, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fraction, count: fc.integer({ min: 1, max: 40 }), to: fraction }),
  fc.record({ op: fc.constant('truncate' as const), at: fraction }),
  fc.record({
    op: fc.constant('v2length' as const),
    delta: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.integer({ min: -0xffff, max: 0xffff })),
  }),
  fc.record({ op: fc.constant('tlvSplice' as const), donor: fc.nat(), which: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('tlvDuplicate' as const), which: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('tlvRemove' as const), which: fc.nat() }),
);

// Offsets of the v2 fixed part.
const FAMILY = 13;
const LENGTH = 14;
const FIXED = 16;
/** Address block size by the family's high nibble: UNSPEC, INET, INET6, UNIX. */
const ADDRESS_BLOCK = [0, 12, 36, 216];

function isV2(bytes: Uint8Array): boolean {
  return bytes.length >= FIXED && sameBytes(bytes.subarray(0, 12), V2_SIGNATURE);
}

function v2Length(bytes: Uint8Array): number {
  return ((bytes[LENGTH] as number) << 8) | (bytes[LENGTH + 1] as number);
}

function setV2Length(bytes: Uint8Array, length: number): void {
  if (!isV2(bytes)) return;
  bytes[LENGTH] = (length >>> 8) & 0xff;
  bytes[LENGTH + 1] = length & 0xff;
}

/** The well-formed TLVs of a v2 header as [start, end) ranges, and where the TLV area starts (-1: not v2). */
function tlvRanges(bytes: Uint8Array): { start: number; ranges: [number, number][] } {
  if (!isV2(bytes)) return { start: -1, ranges: [] };
  const total = Math.min(bytes.length, FIXED + v2Length(bytes));
  const start = Math.min(total, FIXED + (ADDRESS_BLOCK[(bytes[FAMILY] as number) >>> 4] ?? 0));
  const ranges: [number, number][] = [];
  for (let i = start; i + 3 <= total; ) {
    const end = i + 3 + (((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number));
    if (end > total) break;
    ranges.push([i, end]);
    i = end;
  }
  return { start, ranges };
}

/** `tlv` inserted at the `atIndex`-th TLV boundary, the length field grown to match. */
function insertTlv(bytes: Uint8Array, tlv: Uint8Array, atIndex: number): Uint8Array {
  const { start, ranges } = tlvRanges(bytes);
  if (start < 0) return bytes;
  const boundaries = [start, ...ranges.map((r) => r[1])];
  const at = boundaries[atIndex % boundaries.length] as number;
  const out = concat(bytes.subarray(0, at), tlv, bytes.subarray(at));
  setV2Length(out, v2Length(bytes) + tlv.length);
  return out;
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** `seed` with `mutations` applied, in order, to a copy; `donors` lend TLVs for splicing. */
export function mutate(seed: Uint8Array, mutations: readonly Mutation[], donors: readonly Uint8Array[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(seed);
  for (const m of mutations) {
    switch (m.op) {
      case 'flip':
        if (b.length > 0) {
          const at = Math.min(b.length - 1, Math.floor(m.at * b.length));
          b[at] = (b[at] as number) ^ (1 << m.bit);
        }
        break;
      case 'set':
        if (b.length > 0) b[Math.min(b.length - 1, Math.floor(m.at * b.length))] = m.value;
        break;
      case 'insert': {
        const at = position(m.at, b.length);
        b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      }
      case 'delete': {
        const at = position(m.at, b.length);
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + m.count)));
        break;
      }
      case 'duplicate': {
        const at = position(m.at, b.length);
        const piece = b.slice(at, Math.min(b.length, at + m.count));
        const to = position(m.to, b.length);
        b = concat(b.subarray(0, to), piece, b.subarray(to));
        break;
      }
      case 'truncate':
        b = b.slice(0, position(m.at, b.length));
        break;
      case 'v2length':
        if (b.length >= FIXED) setV2Length(b, (v2Length(b) + m.delta + 0x10000) & 0xffff);
        break;
      case 'tlvSplice': {
        const donor = pick(donors, m.donor);
        const range = donor === undefined ? undefined : pick(tlvRanges(donor).ranges, m.which);
        if (donor !== undefined && range !== undefined) b = insertTlv(b, donor.slice(...range), m.at);
        break;
      }
      case 'tlvDuplicate': {
        const range = pick(tlvRanges(b).ranges, m.which);
        if (range !== undefined) b = insertTlv(b, b.slice(...range), m.at);
        break;
      }
      case 'tlvRemove': {
        const range = pick(tlvRanges(b).ranges, m.which);
        if (range === undefined) break;
        const length = v2Length(b);
        b = concat(b.subarray(0, range[0]), b.subarray(range[1]));
        setV2Length(b, length - (range[1] - range[0]));
        break;
      }
    }
  }
  return b;
}

/** `bytes` with its CRC32C TLV (if any) recomputed, so that a mutant gets past the checksum. */
export function fixCrc(lib: Core, bytes: Uint8Array): Uint8Array {
  if (!isV2(bytes)) return bytes;
  const total = FIXED + v2Length(bytes);
  if (total > bytes.length) return bytes;
  for (const [s, e] of tlvRanges(bytes).ranges) {
    if (bytes[s] === 0x03 && e - s === 7) {
      const out = Uint8Array.from(bytes);
      out.fill(0, s + 3, e);
      const crc = lib.crc32c(out.subarray(0, total));
      new DataView(out.buffer).setUint32(s + 3, crc);
      return out;
    }
  }
  return bytes;
}
