/**
 * The shared test vectors (test/fixtures/vectors.json): every vector must give the result its
 * `expect` states, or, where the spec is ambiguous, the one its `strictExpect` states.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  type DecodeResult,
  decode,
  decodeDatagram,
  ipVersion,
  type ProxyHeader,
  ProxyProtocolError,
  V1_SIGNATURE,
  V2_SIGNATURE,
} from '../src/index.js';
import { hex, unhex } from './support/bytes.js';

interface Expected {
  ok?: boolean;
  incomplete?: boolean;
  version?: 1 | 2;
  command?: string;
  family?: string | null;
  transport?: string;
  source?: { address?: string; port?: number; path?: string } | null;
  destination?: { address?: string; port?: number; path?: string } | null;
  tlvs?: { type: number; value: string }[] | null;
  headerLength?: number;
  why?: string;
}
interface Vector {
  name: string;
  category: string;
  hex: string;
  payloadHex?: string;
  expect: Expected;
  strictExpect?: Expected;
  lenientExpect?: Expected;
}

const vectors: Vector[] = JSON.parse(readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8'));

const FAMILY: Record<string, string> = { INET: 'ipv4', INET6: 'ipv6', UNIX: 'unix', UNSPEC: 'unspec' };

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function run(bytes: Uint8Array, datagram: boolean): DecodeResult | ProxyProtocolError {
  try {
    if (datagram) {
      const { header, payload } = decodeDatagram(bytes);
      return { status: 'complete', header, length: bytes.length - payload.length };
    }
    return decode(bytes);
  } catch (error) {
    if (error instanceof ProxyProtocolError) return error;
    throw error; // anything else is a bug: let the test fail with it
  }
}

/** Address text equality, by bytes when both are IP addresses (formatters may differ in case). */
function sameAddress(actual: string, expected: string): boolean {
  if (actual === expected) return true;
  return ipVersion(actual) !== 0 && ipVersion(actual) === ipVersion(expected) && actual.toLowerCase() === expected.toLowerCase();
}

function matches(result: DecodeResult | ProxyProtocolError, bytes: Uint8Array, want: Expected): string | undefined {
  if (want.incomplete)
    return result instanceof ProxyProtocolError || result.status !== 'incomplete'
      ? `expected incomplete, got ${describeResult(result)}`
      : undefined;
  if (want.ok === false) {
    if (result instanceof ProxyProtocolError) {
      return startsWith(bytes, V1_SIGNATURE) || startsWith(bytes, V2_SIGNATURE)
        ? undefined
        : `error for bytes without a full signature: ${result.code}`;
    }
    if (result.status === 'none') {
      return startsWith(bytes, V1_SIGNATURE) || startsWith(bytes, V2_SIGNATURE) ? 'none after a full signature' : undefined;
    }
    return `expected rejection (${want.why}), got ${result.status}`;
  }
  if (result instanceof ProxyProtocolError || result.status !== 'complete') return `expected a header, got ${describeResult(result)}`;
  const h: ProxyHeader = result.header;
  const problems: string[] = [];
  if (h.version !== want.version) problems.push(`version ${h.version}`);
  if (h.command !== want.command?.toLowerCase()) problems.push(`command ${h.command}`);
  const family = want.family === null ? 'unspec' : FAMILY[want.family as string];
  if (h.family !== family) problems.push(`family ${h.family}, want ${family}`);
  if (h.transport !== want.transport?.toLowerCase()) problems.push(`transport ${h.transport}`);
  for (const key of ['source', 'destination'] as const) {
    const a = h[key];
    const e = want[key];
    if (e === null || e === undefined) {
      if (a !== null) problems.push(`${key} should be null`);
    } else if (a === null) {
      problems.push(`${key} is null`);
    } else if (e.path !== undefined) {
      if (!('path' in a) || a.path !== e.path) problems.push(`${key} path ${JSON.stringify(a)}`);
    } else if (!('address' in a) || !sameAddress(a.address, e.address as string) || a.port !== e.port) {
      problems.push(`${key} ${JSON.stringify(a)} want ${JSON.stringify(e)}`);
    }
  }
  if (result.length !== want.headerLength) problems.push(`length ${result.length}, want ${want.headerLength}`);
  if (want.tlvs === null) {
    // "Not interpreted": we keep those bytes in `unparsed` and report no TLVs.
    if (h.tlvs.length !== 0 || h.unparsed === undefined) problems.push('TLV area should be left unparsed');
  } else if (want.tlvs !== undefined) {
    const got = h.tlvs.map((t) => ({ type: t.type, value: hex(t.value) }));
    const exp = want.tlvs.map((t) => ({ type: t.type, value: t.value }));
    if (JSON.stringify(got) !== JSON.stringify(exp)) problems.push(`tlvs ${JSON.stringify(got)}`);
  } else if (h.version === 1 && h.tlvs.length !== 0) {
    problems.push('v1 has no TLVs');
  }
  return problems.length ? problems.join('; ') : undefined;
}

function describeResult(result: DecodeResult | ProxyProtocolError): string {
  return result instanceof ProxyProtocolError ? `${result.code}: ${result.message}` : result.status;
}

describe('shared vectors', () => {
  test('the fixture is the full set', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(118);
    expect(new Set(vectors.map((v) => v.name)).size).toBe(vectors.length);
  });

  test.each(vectors.map((v) => [`${v.category}: ${v.name}`, v] as const))('%s', (_, vector) => {
    const bytes = unhex(vector.hex);
    const result = run(bytes, vector.category === 'datagram');
    const problem = matches(result, bytes, vector.expect);
    if (problem !== undefined) {
      // Where the spec is ambiguous, the stricter reading is acceptable too.
      const strict = vector.strictExpect === undefined ? 'no strict alternative' : matches(result, bytes, vector.strictExpect);
      expect(strict, `${problem} (strict: ${strict})`).toBeUndefined();
    }
    // Whatever follows a complete header is never consumed.
    if (!(result instanceof ProxyProtocolError) && result.status === 'complete' && vector.payloadHex !== undefined) {
      expect(hex(bytes.subarray(result.length))).toBe(vector.payloadHex);
    }
  });

  test('errors carry a stable code and an offset inside the input', () => {
    for (const vector of vectors) {
      const bytes = unhex(vector.hex);
      const result = run(bytes, vector.category === 'datagram');
      if (result instanceof ProxyProtocolError) {
        expect(result.code).toMatch(/^ERR_PROXY_[A-Z0-9_]+$/);
        if (result.offset !== undefined) expect(result.offset).toBeLessThanOrEqual(bytes.length);
      }
    }
  });
});
