/**
 * The fast-check arbitraries of the test suites and the fuzz targets for valid values: addresses
 * and how senders spell them, TLVs raw and typed, whole headers with the init that encodes each,
 * decode options. Inputs that are wrong on purpose are in malformed.ts.
 *
 * Nothing here imports the library's code: the canonical address text is computed by a reference
 * formatter of its own, so that a property compares the codec with an independent oracle.
 */
import fc from 'fast-check';
import type { DecodeOptions, ProxyHeader, ProxyHeaderInit, Tlv } from '../../src/index.js';
import { concat } from './bytes.js';

// ---------------------------------------------------------------------------------------------
// Addresses

/** Dotted-quad text of the 4 bytes at `b[at]`. */
export function ipv4Text(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function groupsOf(b: Uint8Array): number[] {
  return Array.from({ length: 8 }, (_, i) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
}

/** RFC 5952 text of 16 bytes: lowercase, the longest run of two or more zero groups (the first on a tie) as `::`, `::ffff:a.b.c.d` when IPv4-mapped. */
export function ipv6Text(b: Uint8Array): string {
  const groups = groupsOf(b);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${ipv4Text(b, 12)}`;
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best < 0) return text.join(':');
  return `${text.slice(0, best).join(':')}::${text.slice(best + bestLength).join(':')}`;
}

const ipv4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 });
/** 16 bytes, biased towards zero runs and IPv4-mapped addresses (the cases with special spellings). */
const ipv6Bytes = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc
    .array(fc.constantFrom(0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 })
    .map((g) => Uint8Array.from(g.flatMap((x) => [x >> 8, x & 0xff]))),
  ipv4Bytes.map((v4) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4)),
);

export const ipv4: fc.Arbitrary<string> = ipv4Bytes.map((b) => ipv4Text(b));
/** Canonical IPv6 text. */
export const ipv6: fc.Arbitrary<string> = ipv6Bytes.map(ipv6Text);

/** An address as a sender may write it (`text`) and as a decoder reports it (`canonical`). */
export interface SpelledAddress {
  text: string;
  canonical: string;
}

/** IPv4 has one valid spelling: leading zeros would read as octal elsewhere, so they are refused. */
const ipv4Spelled: fc.Arbitrary<SpelledAddress> = ipv4.map((text) => ({ text, canonical: text }));

/** Valid IPv6 spellings besides the canonical one: uppercase, no `::`, zero-padded groups, a dotted-quad tail. */
const ipv6Spelled: fc.Arbitrary<SpelledAddress> = fc
  .tuple(ipv6Bytes, fc.constantFrom('canonical', 'upper', 'full', 'padded', 'dotted'))
  .map(([b, spelling]) => {
    const canonical = ipv6Text(b);
    const groups = groupsOf(b).map((g) => g.toString(16));
    const text =
      spelling === 'upper'
        ? canonical.toUpperCase()
        : spelling === 'full'
          ? groups.join(':')
          : spelling === 'padded'
            ? groups.map((g) => g.padStart(4, '0')).join(':')
            : spelling === 'dotted'
              ? `${groups.slice(0, 6).join(':')}:${ipv4Text(b, 12)}`
              : canonical;
    return { text, canonical };
  });

export const port: fc.Arbitrary<number> = fc.integer({ min: 0, max: 65535 });

const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/** Any string, including what a UNIX path may not hold (NUL, lone surrogates, more than 108 bytes). */
export const anyPath: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('/run/a.sock', '', '\ufeffbom', 'a'.repeat(108), 'é'.repeat(54)),
);
/** A UNIX path a v2 header can carry: no NUL, well-formed UTF-16, at most 108 bytes of UTF-8. */
export const unixPath: fc.Arbitrary<string> = anyPath.filter((p) => !p.includes('\0') && isWellFormed(p) && utf8Length(p) <= 108);

// ---------------------------------------------------------------------------------------------
// TLVs

/** A well-formed PP2_TYPE_SSL value: client bits, verify, sub-TLVs of any type. */
const sslValue = fc
  .tuple(
    fc.nat({ max: 7 }),
    fc.nat({ max: 0xffffffff }),
    fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 4 }),
  )
  .map(([client, verify, subs]) => {
    const head = Uint8Array.of(client, verify >>> 24, (verify >>> 16) & 0xff, (verify >>> 8) & 0xff, verify & 0xff);
    return concat(head, ...subs.map((s) => concat(Uint8Array.of(s.type, s.value.length >> 8, s.value.length & 0xff), s.value)));
  });

/** TLVs a default decoder accepts: no CRC32C (encode computes its value), UNIQUE_ID ≤ 128, well-formed SSL. */
export const tlv: fc.Arbitrary<Tlv> = fc.oneof(
  fc.record({
    type: fc.integer({ min: 0, max: 255 }).filter((t) => t !== 0x03 && t !== 0x05 && t !== 0x20),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({ type: fc.constant(0x05), value: fc.uint8Array({ maxLength: 128 }) }),
  fc.record({ type: fc.constant(0x20), value: sslValue }),
);

/** The typed form of `tlvs` that encode accepts (`{ alpn, authority, ssl, … }`). */
export type TypedTlvs = Exclude<NonNullable<ProxyHeaderInit['tlvs']>, readonly Tlv[]>;

const printable = (min: number, max: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });
const text = fc.string({ maxLength: 30 }).filter(isWellFormed);

/** Typed TLVs, each field present or not; `raw` TLVs are of the experimental range, which no typed field reads. */
export const typedTlvs: fc.Arbitrary<TypedTlvs> = fc.record(
  {
    alpn: printable(1, 20),
    authority: text,
    uniqueId: fc.oneof(fc.uint8Array({ maxLength: 128 }), printable(0, 128)),
    ssl: fc.record(
      {
        clientSsl: fc.boolean(),
        certConnection: fc.boolean(),
        certSession: fc.boolean(),
        verify: fc.nat({ max: 0xffffffff }),
        version: printable(0, 12),
        cn: text,
        cipher: printable(0, 30),
        sigAlg: printable(0, 12),
        keyAlg: printable(0, 12),
        group: printable(0, 12),
        sigScheme: printable(0, 20),
        clientCert: fc.uint8Array({ maxLength: 64 }),
      },
      { requiredKeys: [] },
    ),
    netns: printable(0, 20),
    aws: fc.record({ vpceId: printable(1, 30) }),
    azure: fc.record({ linkId: fc.nat({ max: 0xffffffff }) }),
    gcp: fc.record({ pscConnectionId: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }) }),
    raw: fc.array(fc.record({ type: fc.integer({ min: 0xf0, max: 0xf7 }), value: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------
// Headers, and the init that encodes each

/** A canonical header (what decode reports) and an init that encodes to it (what a caller may write). */
export interface HeaderCase {
  header: ProxyHeader;
  init: ProxyHeaderInit;
}

/** Which fields the init leaves to their defaults, where the header holds the default. */
interface Omissions {
  version: boolean;
  command: boolean;
  family: boolean;
  transport: boolean;
  tlvs: boolean;
}
const omissions: fc.Arbitrary<Omissions> = fc.record({
  version: fc.boolean(),
  command: fc.boolean(),
  family: fc.boolean(),
  transport: fc.boolean(),
  tlvs: fc.boolean(),
});

/** The init for `header`: defaults omitted as `omit` says, addresses spelled as `spelled` says. */
function initFor(header: ProxyHeader, omit: Omissions, spelled?: readonly [string, string]): ProxyHeaderInit {
  const init: ProxyHeaderInit = {};
  if (!(omit.version && header.version === 2)) init.version = header.version;
  if (!(omit.command && header.command === 'proxy')) init.command = header.command;
  // The family follows from the addresses, or is unspec without them.
  if (!(omit.family && (header.source !== null || header.family === 'unspec'))) init.family = header.family;
  const defaultTransport = header.source === null ? 'unspec' : 'stream';
  if (!(omit.transport && header.transport === defaultTransport)) init.transport = header.transport;
  const { source, destination } = header;
  if (source !== null && destination !== null) {
    init.source = spelled !== undefined && 'port' in source ? { address: spelled[0], port: source.port } : source;
    init.destination = spelled !== undefined && 'port' in destination ? { address: spelled[1], port: destination.port } : destination;
  }
  if (header.version === 2 && !(omit.tlvs && header.tlvs.length === 0)) init.tlvs = header.tlvs;
  return init;
}

const transport = fc.constantFrom('stream' as const, 'dgram' as const);

function ipCase(version: 1 | 2, family: 'ipv4' | 'ipv6'): fc.Arbitrary<HeaderCase> {
  const address = family === 'ipv4' ? ipv4Spelled : ipv6Spelled;
  return fc
    .record({
      s: address,
      d: address,
      sp: port,
      dp: port,
      transport: version === 1 ? fc.constant('stream' as const) : transport,
      tlvs: version === 1 ? fc.constant<Tlv[]>([]) : fc.array(tlv, { maxLength: 5 }),
      omit: omissions,
    })
    .map(({ s, d, sp, dp, transport, tlvs, omit }) => {
      const header: ProxyHeader = {
        version,
        command: 'proxy',
        family,
        transport,
        source: { address: s.canonical, port: sp },
        destination: { address: d.canonical, port: dp },
        tlvs,
      };
      return { header, init: initFor(header, omit, [s.text, d.text]) };
    });
}

const unixCase: fc.Arbitrary<HeaderCase> = fc
  .record({ s: unixPath, d: unixPath, transport, tlvs: fc.array(tlv, { maxLength: 3 }), omit: omissions })
  .map(({ s, d, transport, tlvs, omit }) => {
    const header: ProxyHeader = {
      version: 2,
      command: 'proxy',
      family: 'unix',
      transport,
      source: { path: s },
      destination: { path: d },
      tlvs,
    };
    return { header, init: initFor(header, omit) };
  });

/**
 * v2 without addresses: PROXY with family UNSPEC, or LOCAL (a health check), which keeps the
 * family and transport it is given and leaves its address block zeroed.
 */
const addresslessCase: fc.Arbitrary<HeaderCase> = fc
  .record({
    local: fc.boolean(),
    family: fc.constantFrom('ipv4' as const, 'ipv6' as const, 'unix' as const, 'unspec' as const),
    transport: fc.constantFrom('stream' as const, 'dgram' as const, 'unspec' as const),
    tlvs: fc.array(tlv, { maxLength: 4 }),
    omit: omissions,
  })
  .map(({ local, family, transport, tlvs, omit }) => {
    const header: ProxyHeader = local
      ? { version: 2, command: 'local', family, transport, source: null, destination: null, tlvs }
      : { version: 2, command: 'proxy', family: 'unspec', transport: 'unspec', source: null, destination: null, tlvs };
    return { header, init: initFor(header, omit) };
  });

/** `PROXY UNKNOWN`. */
const unknownCase: fc.Arbitrary<HeaderCase> = omissions.map((omit) => {
  const header: ProxyHeader = {
    version: 1,
    command: 'proxy',
    family: 'unspec',
    transport: 'unspec',
    source: null,
    destination: null,
    tlvs: [],
  };
  return { header, init: initFor(header, omit) };
});

export const v1Case: fc.Arbitrary<HeaderCase> = fc.oneof(ipCase(1, 'ipv4'), ipCase(1, 'ipv6'), unknownCase);
export const v2Case: fc.Arbitrary<HeaderCase> = fc.oneof(ipCase(2, 'ipv4'), ipCase(2, 'ipv6'), unixCase, addresslessCase);
export const headerCase: fc.Arbitrary<HeaderCase> = fc.oneof(v1Case, v2Case);

export const v1Header: fc.Arbitrary<ProxyHeader> = v1Case.map((c) => c.header);
export const v2Header: fc.Arbitrary<ProxyHeader> = v2Case.map((c) => c.header);
/** Canonical headers of every version, family, command and TLV mix: `decode(encode(h))` is `h`. */
export const header: fc.Arbitrary<ProxyHeader> = headerCase.map((c) => c.header);
/** Valid inits: defaults left out, addresses in any valid spelling. */
export const headerInit: fc.Arbitrary<ProxyHeaderInit> = headerCase.map((c) => c.init);

/** A header compared as plain data (TLV values as arrays). */
export function plain(h: ProxyHeader): unknown {
  return { ...h, tlvs: h.tlvs.map((t) => ({ type: t.type, value: Array.from(t.value) })) };
}

// ---------------------------------------------------------------------------------------------
// Options

/** Decode options: the defaults most of the time, else any valid mix, tight limits included. */
export const decodeOptions: fc.Arbitrary<DecodeOptions | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        maxHeaderLength: fc.oneof(fc.constantFrom(16, 28, 52, 107, 108, 232, 536, 4096, 65551), fc.integer({ min: 16, max: 70000 })),
        versions: fc.constantFrom<readonly (1 | 2)[]>([1, 2], [1], [2]),
        crc32c: fc.constantFrom('verify' as const, 'require' as const, 'ignore' as const),
        maxUniqueIdLength: fc.oneof(fc.constant(128), fc.integer({ min: 0, max: 300 })),
        allowIPv4InTcp6: fc.boolean(),
        allowDottedQuadInTcp6: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  },
);
