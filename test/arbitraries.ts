/** fast-check generators for valid, canonical headers of every version, family, command and TLV mix. */
import fc from 'fast-check';
import { formatIPv4, formatIPv6 } from '../src/address.js';
import type { ProxyHeader, Tlv } from '../src/index.js';

export const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIPv4(b));
/** Canonical IPv6 text, biased towards zero runs and IPv4-mapped addresses. */
export const ipv6 = fc
  .oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc
      .array(fc.constantFrom(0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 })
      .map((g) => Uint8Array.from(g.flatMap((x) => [x >> 8, x & 0xff]))),
    fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v4) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4)),
  )
  .map((b) => formatIPv6(b));
export const port = fc.integer({ min: 0, max: 65535 });
export const unixPath = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0') && new TextEncoder().encode(s).length <= 108);

/** TLVs a default decoder accepts: no CRC32C (its value is computed), UNIQUE_ID ≤ 128, well-formed SSL. */
export const tlv: fc.Arbitrary<Tlv> = fc.oneof(
  fc.record({
    type: fc.integer({ min: 0, max: 255 }).filter((t) => t !== 0x03 && t !== 0x05 && t !== 0x20),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({ type: fc.constant(0x05), value: fc.uint8Array({ maxLength: 128 }) }),
  fc
    .tuple(
      fc.nat({ max: 7 }),
      fc.nat({ max: 0xffffffff }),
      fc.array(fc.record({ type: fc.integer({ min: 0x21, max: 0x28 }), value: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 4 }),
    )
    .map(([client, verify, subs]) => {
      const size = 5 + subs.reduce((n, s) => n + 3 + s.value.length, 0);
      const v = new Uint8Array(size);
      v[0] = client;
      new DataView(v.buffer).setUint32(1, verify);
      let at = 5;
      for (const s of subs) {
        v[at] = s.type;
        v[at + 1] = s.value.length >> 8;
        v[at + 2] = s.value.length & 0xff;
        v.set(s.value, at + 3);
        at += 3 + s.value.length;
      }
      return { type: 0x20, value: v };
    }),
);

const transport = fc.constantFrom('stream' as const, 'dgram' as const);

export const v2Header: fc.Arbitrary<ProxyHeader> = fc.oneof(
  fc.record({ s: ipv4, d: ipv4, sp: port, dp: port, t: transport, tlvs: fc.array(tlv, { maxLength: 5 }) }).map(
    ({ s, d, sp, dp, t, tlvs }): ProxyHeader => ({
      version: 2,
      command: 'proxy',
      family: 'ipv4',
      transport: t,
      source: { address: s, port: sp },
      destination: { address: d, port: dp },
      tlvs,
    }),
  ),
  fc.record({ s: ipv6, d: ipv6, sp: port, dp: port, t: transport, tlvs: fc.array(tlv, { maxLength: 5 }) }).map(
    ({ s, d, sp, dp, t, tlvs }): ProxyHeader => ({
      version: 2,
      command: 'proxy',
      family: 'ipv6',
      transport: t,
      source: { address: s, port: sp },
      destination: { address: d, port: dp },
      tlvs,
    }),
  ),
  fc.record({ s: unixPath, d: unixPath, t: transport, tlvs: fc.array(tlv, { maxLength: 3 }) }).map(
    ({ s, d, t, tlvs }): ProxyHeader => ({
      version: 2,
      command: 'proxy',
      family: 'unix',
      transport: t,
      source: { path: s },
      destination: { path: d },
      tlvs,
    }),
  ),
  fc.record({ command: fc.constantFrom('local' as const, 'proxy' as const), tlvs: fc.array(tlv, { maxLength: 4 }) }).map(
    ({ command, tlvs }): ProxyHeader => ({
      version: 2,
      command,
      family: 'unspec',
      transport: 'unspec',
      source: null,
      destination: null,
      tlvs,
    }),
  ),
);

export const v1Header: fc.Arbitrary<ProxyHeader> = fc.oneof(
  fc.record({ s: ipv4, d: ipv4, sp: port, dp: port }).map(
    ({ s, d, sp, dp }): ProxyHeader => ({
      version: 1,
      command: 'proxy',
      family: 'ipv4',
      transport: 'stream',
      source: { address: s, port: sp },
      destination: { address: d, port: dp },
      tlvs: [],
    }),
  ),
  fc.record({ s: ipv6, d: ipv6, sp: port, dp: port }).map(
    ({ s, d, sp, dp }): ProxyHeader => ({
      version: 1,
      command: 'proxy',
      family: 'ipv6',
      transport: 'stream',
      source: { address: s, port: sp },
      destination: { address: d, port: dp },
      tlvs: [],
    }),
  ),
  fc.constant<ProxyHeader>({
    version: 1,
    command: 'proxy',
    family: 'unspec',
    transport: 'unspec',
    source: null,
    destination: null,
    tlvs: [],
  }),
);

export const header = fc.oneof(v1Header, v2Header);

/** A header compared as plain data (TLV values as arrays). */
export function plain(h: ProxyHeader): unknown {
  return { ...h, tlvs: h.tlvs.map((t) => ({ type: t.type, value: Array.from(t.value) })) };
}
