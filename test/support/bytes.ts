/** Bytes in tests and fuzz targets: hex and latin1 text, concatenation, comparison, chunking, seeded random bytes, digests. */
import { createHash } from 'node:crypto';

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Hex text to bytes; whitespace is ignored so that long vectors can be laid out in groups. */
export function unhex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** One byte per character (latin1): the wire form of a v1 line or an HTTP request. */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** The parts one after the other; strings are taken as latin1. */
export function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const bytes = parts.map((p) => (typeof p === 'string' ? ascii(p) : p));
  const out = new Uint8Array(bytes.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of bytes) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Splits `bytes` into `mode` pieces: whole, header|rest, or one byte at a time. */
export function split(bytes: Uint8Array, headerLength: number, mode: 'one' | 'two' | 'bytes'): Uint8Array[] {
  if (mode === 'one') return [bytes];
  if (mode === 'two') return [bytes.subarray(0, headerLength), bytes.subarray(headerLength)];
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** An index into `length + 1` positions from a fraction in [0, 1], so that one cut fits any input. */
export function position(fraction: number, length: number): number {
  return Math.min(length, Math.floor(fraction * (length + 1)));
}

/** Cuts `bytes` at the given fractions of its length (duplicates and order do not matter). */
export function cut(bytes: Uint8Array, fractions: readonly number[]): Uint8Array[] {
  return pieces(
    fractions.map((f) => position(f, bytes.length)),
    bytes.length,
  ).map(([start, end]) => bytes.slice(start, end));
}

/**
 * Cuts `bytes` at the given offsets (each taken modulo `length + 1`; duplicates and order do not
 * matter) into views of it, leaving empty pieces out.
 */
export function cutAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  return pieces(
    offsets.map((o) => o % (bytes.length + 1)),
    bytes.length,
  )
    .filter(([start, end]) => end > start)
    .map(([start, end]) => bytes.subarray(start, end));
}

/** The [start, end) ranges between `points` (each within 0..length; any order, duplicates allowed) that cover 0..length. */
function pieces(points: readonly number[], length: number): [number, number][] {
  const sorted = [...new Set(points)].sort((a, b) => a - b);
  return [0, ...sorted].map((start, i) => [start, sorted[i] ?? length]);
}

/** A small deterministic PRNG (mulberry32): the same bytes for the same seed, on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` bytes drawn from `next` (a {@link prng}). */
export function randomBytes(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (next() * 256) | 0;
  return out;
}

/** The SHA-256 of the parts one after the other, as hex: compares megabytes without holding two copies. */
export function sha256(...parts: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
}
