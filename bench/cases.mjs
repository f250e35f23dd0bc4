// The benchmark cases: one wire header and one encoder input per case, plus what a correct
// decoder must report for it. Fixture bytes are built by hand here (not by the library under
// test) so that a bug in our encoder cannot hide a bug in our decoder.

const enc = new TextEncoder();

const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** CRC-32C, one byte at a time (only used to build fixtures). */
function crc32cSlow(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function u16(n) {
  return [n >>> 8, n & 0xff];
}

function tlv(type, value) {
  return [type, ...u16(value.length), ...value];
}

function v2(verCmd, fam, body) {
  return Buffer.from([...SIG, verCmd, fam, ...u16(body.length), ...body]);
}

function ipv6Bytes(groups) {
  return groups.flatMap((g) => u16(g));
}

function pathBytes(path) {
  const out = new Array(108).fill(0);
  enc.encode(path).forEach((b, i) => {
    out[i] = b;
  });
  return out;
}

const V4_SRC = '192.168.100.200';
const V4_DST = '10.20.30.40';
const V4_SRC_BYTES = [192, 168, 100, 200];
const V4_DST_BYTES = [10, 20, 30, 40];
const SPORT = 56324;
const DPORT = 443;

// Full-length IPv6 (no zero group, every group 4 digits on the wire in v1).
const V6_SRC_GROUPS = [0x2001, 0x0db8, 0x85a3, 0x1234, 0x5678, 0x8a2e, 0x0370, 0x7334];
const V6_DST_GROUPS = [0x2001, 0x0db8, 0x85a3, 0x4321, 0x8765, 0x8a2e, 0x0370, 0x7335];
const V6_SRC_FULL = '2001:0db8:85a3:1234:5678:8a2e:0370:7334';
const V6_DST_FULL = '2001:0db8:85a3:4321:8765:8a2e:0370:7335';
const V6_SRC = '2001:db8:85a3:1234:5678:8a2e:370:7334';
const V6_DST = '2001:db8:85a3:4321:8765:8a2e:370:7335';
const V6_SHORT = '2001:db8::1';

const UNIX_SRC = '/var/run/haproxy/frontend.sock';
const UNIX_DST = '/run/app/backend.sock';

// TLVs as HAProxy sends them behind a TLS frontend.
const ALPN = enc.encode('h2');
const AUTHORITY = enc.encode('api.example.com');
const UNIQUE_ID = enc.encode('4f2a9c1e-7b3d-4e8a-9f10-2c6b5d8e1a73');
const SSL = Uint8Array.from([
  0x07, // client: SSL | CERT_CONN | CERT_SESS
  0,
  0,
  0,
  0, // verify: 0 (ok)
  ...tlv(0x21, enc.encode('TLSv1.3')),
  ...tlv(0x22, enc.encode('client.example.com')),
]);

function tlvHeader() {
  const body = [
    ...V4_SRC_BYTES,
    ...V4_DST_BYTES,
    ...u16(SPORT),
    ...u16(DPORT),
    ...tlv(0x03, [0, 0, 0, 0]), // CRC32C first, as HAProxy writes it
    ...tlv(0x01, ALPN),
    ...tlv(0x02, AUTHORITY),
    ...tlv(0x05, UNIQUE_ID),
    ...tlv(0x20, SSL),
  ];
  const bytes = v2(0x21, 0x11, body);
  const crc = crc32cSlow(bytes);
  const at = 16 + 12 + 3;
  bytes[at] = crc >>> 24;
  bytes[at + 1] = (crc >>> 16) & 0xff;
  bytes[at + 2] = (crc >>> 8) & 0xff;
  bytes[at + 3] = crc & 0xff;
  return bytes;
}

/**
 * Each case: `id`, `label`, `bytes` (a Buffer, as sockets deliver), `init` (our encoder's input),
 * `expect` (what a correct decoder reports), `encodeOptions`.
 */
export const cases = [
  {
    id: 'v1-tcp4',
    label: 'v1 TCP4',
    version: 1,
    bytes: Buffer.from(`PROXY TCP4 ${V4_SRC} ${V4_DST} ${SPORT} ${DPORT}\r\n`, 'latin1'),
    init: { version: 1, source: { address: V4_SRC, port: SPORT }, destination: { address: V4_DST, port: DPORT } },
    expect: { command: 'proxy', family: 'ipv4', source: { address: V4_SRC, port: SPORT }, destination: { address: V4_DST, port: DPORT } },
  },
  {
    id: 'v1-tcp6',
    label: 'v1 TCP6 (full-length)',
    version: 1,
    bytes: Buffer.from(`PROXY TCP6 ${V6_SRC_FULL} ${V6_DST_FULL} ${SPORT} ${DPORT}\r\n`, 'latin1'),
    init: { version: 1, source: { address: V6_SRC_FULL, port: SPORT }, destination: { address: V6_DST_FULL, port: DPORT } },
    expect: { command: 'proxy', family: 'ipv6', source: { address: V6_SRC, port: SPORT }, destination: { address: V6_DST, port: DPORT } },
  },
  {
    // As real senders write it: canonical text (RFC 5952), one address compressed.
    id: 'v1-tcp6-canonical',
    label: 'v1 TCP6 (canonical)',
    version: 1,
    bytes: Buffer.from(`PROXY TCP6 ${V6_SRC} ${V6_SHORT} ${SPORT} ${DPORT}\r\n`, 'latin1'),
    init: { version: 1, source: { address: V6_SRC, port: SPORT }, destination: { address: V6_SHORT, port: DPORT } },
    expect: { command: 'proxy', family: 'ipv6', source: { address: V6_SRC, port: SPORT }, destination: { address: V6_SHORT, port: DPORT } },
  },
  {
    id: 'v2-tcp4',
    label: 'v2 TCP4',
    version: 2,
    bytes: v2(0x21, 0x11, [...V4_SRC_BYTES, ...V4_DST_BYTES, ...u16(SPORT), ...u16(DPORT)]),
    init: { source: { address: V4_SRC, port: SPORT }, destination: { address: V4_DST, port: DPORT } },
    expect: { command: 'proxy', family: 'ipv4', source: { address: V4_SRC, port: SPORT }, destination: { address: V4_DST, port: DPORT } },
  },
  {
    id: 'v2-tcp6',
    label: 'v2 TCP6',
    version: 2,
    bytes: v2(0x21, 0x21, [...ipv6Bytes(V6_SRC_GROUPS), ...ipv6Bytes(V6_DST_GROUPS), ...u16(SPORT), ...u16(DPORT)]),
    init: { source: { address: V6_SRC, port: SPORT }, destination: { address: V6_DST, port: DPORT } },
    expect: { command: 'proxy', family: 'ipv6', source: { address: V6_SRC, port: SPORT }, destination: { address: V6_DST, port: DPORT } },
  },
  {
    id: 'v2-tlv',
    label: 'v2 TCP4 + TLVs',
    version: 2,
    bytes: tlvHeader(),
    init: {
      source: { address: V4_SRC, port: SPORT },
      destination: { address: V4_DST, port: DPORT },
      tlvs: [
        { type: 0x01, value: ALPN },
        { type: 0x02, value: AUTHORITY },
        { type: 0x05, value: UNIQUE_ID },
        { type: 0x20, value: SSL },
      ],
    },
    encodeOptions: { crc32c: true },
    expect: {
      command: 'proxy',
      family: 'ipv4',
      source: { address: V4_SRC, port: SPORT },
      destination: { address: V4_DST, port: DPORT },
      tlvTypes: [0x03, 0x01, 0x02, 0x05, 0x20],
    },
    tlvs: { ALPN, AUTHORITY, UNIQUE_ID, SSL },
  },
  {
    id: 'v2-local',
    label: 'v2 LOCAL',
    version: 2,
    bytes: v2(0x20, 0x00, []),
    init: { command: 'local' },
    expect: { command: 'local', family: 'unspec', source: null, destination: null },
  },
  {
    id: 'v2-unix',
    label: 'v2 UNIX',
    version: 2,
    bytes: v2(0x21, 0x31, [...pathBytes(UNIX_SRC), ...pathBytes(UNIX_DST)]),
    init: { source: { path: UNIX_SRC }, destination: { path: UNIX_DST } },
    expect: { command: 'proxy', family: 'unix', source: { path: UNIX_SRC }, destination: { path: UNIX_DST } },
  },
];

export const fixtures = {
  V4_SRC,
  V4_DST,
  V4_SRC_BYTES,
  V4_DST_BYTES,
  SPORT,
  DPORT,
  V6_SRC,
  V6_DST,
  V6_SRC_FULL,
  V6_DST_FULL,
  V6_SRC_GROUPS,
  V6_DST_GROUPS,
  UNIX_SRC,
  UNIX_DST,
  ALPN,
  AUTHORITY,
  UNIQUE_ID,
  SSL,
};

/**
 * Checks a decoder's normalised output `{command, family, source, destination, tlvTypes?}`
 * against the case; returns '' when correct, else a short reason.
 */
export function checkDecoded(c, got, canonical = (a) => a, flags = {}) {
  const e = c.expect;
  if (got.command !== undefined && got.command !== e.command) return `command ${got.command}`;
  const ends = [
    ['source', e.source, got.source],
    ['destination', e.destination, got.destination],
  ];
  for (const [name, want, have] of ends) {
    if (want === null) continue;
    if (have == null) return `no ${name}`;
    if ('path' in want) {
      if (have.path !== want.path) return `${name} path ${JSON.stringify(have.path)}`;
    } else {
      if (have.address !== want.address) {
        if (typeof have.address !== 'string' || canonical(have.address) !== want.address) return `${name} ${JSON.stringify(have.address)}`;
        flags.notCanonical = true;
      }
      if (have.port !== want.port) return `${name} port ${have.port}`;
    }
  }
  if (e.tlvTypes && got.tlvTypes !== undefined && got.tlvTypes.join() !== e.tlvTypes.join()) return 'TLVs';
  return '';
}
