/**
 * Headers (valid, borderline and malformed) sent to HAProxy 2.6, nginx 1.22 and our decoder, with
 * the verdict each one gives. Based on the receiver oracle in docs/interop.md. Every case where
 * HAProxy and proxyproto disagree carries `why`.
 */
import { crc32c } from '../../src/index.js';

export type Verdict = 'accept' | 'reject';
/** Our decoder can also wait for more bytes (`incomplete`), where HAProxy and nginx give up at once. */
export type OurVerdict = Verdict | 'incomplete';

export interface BatteryCase {
  name: string;
  bytes: Buffer;
  haproxy: Verdict;
  nginx: Verdict;
  ours: OurVerdict;
  /** Addresses HAProxy reports when it accepts a header with addresses: `src:sport dst:dport`. */
  haproxySees?: string;
  /** AUTHORITY as HAProxy reports it (`fc_pp_authority`) and as `readTlvs` reports it, when they are checked. */
  authority?: { haproxy: string; ours: string };
  /** Why HAProxy and proxyproto differ (required when they do). */
  why?: string;
}

const v1 = (line: string) => Buffer.from(line, 'latin1');
const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const ADDR4 = Buffer.from('c0000201c6336402dc0401bb', 'hex'); // 192.0.2.1:56324 -> 198.51.100.2:443
const ADDR6 = Buffer.from('20010db800000000000000000000000120010db8000000000000000000000002dc0401bb', 'hex');
const UNIX = Buffer.concat([Buffer.from('/tmp/src.sock'), Buffer.alloc(108 - 13), Buffer.from('/tmp/dst.sock'), Buffer.alloc(108 - 13)]);

function tlv(type: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  return Buffer.concat([Buffer.from([type, v.length >> 8, v.length & 0xff]), v]);
}

function v2(verCmd: number, famTr: number, body: Buffer, length = body.length): Buffer {
  return Buffer.concat([SIG, Buffer.from([verCmd, famTr, length >> 8, length & 0xff]), body]);
}

/** A v2 PROXY TCP4 header whose TLVs end with a CRC32C TLV computed (or corrupted) over the whole. */
function withCrc(tlvs: Buffer, corrupt = false): Buffer {
  const body = Buffer.concat([ADDR4, tlvs, tlv(0x03, Buffer.alloc(4))]);
  const header = v2(0x21, 0x11, body);
  const sum = crc32c(header);
  header.writeUInt32BE((sum ^ (corrupt ? 1 : 0)) >>> 0, header.length - 4);
  return header;
}

const OK4 = '192.0.2.1:56324 198.51.100.2:443';
const OK6 = '2001:db8::1:56324 2001:db8::2:443';

const HAP_V1_NUMBERS = 'HAProxy parses v1 numbers leniently (no range or format check); the spec grammar and proxyproto do not';
const HAP_UNKNOWN_TAIL =
  'HAProxy 2.6 only accepts the exact line "PROXY UNKNOWN\\r\\n"; the spec says to ignore the rest of an UNKNOWN line, as proxyproto does';
const HAP_V2_TCP_ONLY =
  'HAProxy accepts v2 PROXY only for TCP over IPv4/IPv6; proxyproto decodes every family/transport the spec lists (UDP, UNIX, UNSPEC) and leaves the choice to the application';

export const BATTERY: BatteryCase[] = [
  // ---- v1, valid
  {
    name: 'v1-tcp4',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK4,
  },
  {
    name: 'v1-tcp6',
    bytes: v1('PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK6,
  },
  {
    name: 'v1-tcp6-full',
    bytes: v1('PROXY TCP6 2001:0db8:0000:0000:0000:0000:0000:0001 2001:0db8:0000:0000:0000:0000:0000:0002 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK6,
  },
  {
    name: 'v1-tcp6-mapped',
    bytes: v1('PROXY TCP6 ::ffff:192.0.2.1 ::ffff:198.51.100.2 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: '::ffff:192.0.2.1:56324 ::ffff:198.51.100.2:443',
  },
  { name: 'v1-unknown', bytes: v1('PROXY UNKNOWN\r\n'), haproxy: 'accept', nginx: 'accept', ours: 'accept' },
  {
    name: 'v1-tcp6-max',
    bytes: v1('PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
  },
  {
    name: 'v1-port-65535',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 65535 65535\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: '192.0.2.1:65535 198.51.100.2:65535',
  },
  {
    name: 'v1-sport-0',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 0 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: '192.0.2.1:0 198.51.100.2:443',
  },
  {
    name: 'v1-dport-0',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 56324 0\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: '192.0.2.1:56324 198.51.100.2:0',
  },

  // ---- v1, UNKNOWN with a tail
  {
    name: 'v1-unknown-addrs',
    bytes: v1('PROXY UNKNOWN 192.0.2.1 198.51.100.2 56324 443\r\n'),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'accept',
    why: HAP_UNKNOWN_TAIL,
  },
  {
    name: 'v1-unknown-107',
    bytes: v1('PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n'),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'accept',
    why: HAP_UNKNOWN_TAIL,
  },
  { name: 'v1-unknown-108', bytes: v1(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`), haproxy: 'reject', nginx: 'accept', ours: 'reject' },

  // ---- v1, malformed text: everyone rejects
  ...(
    [
      ['v1-tcp4-108', `PROXY TCP4 192.0.2.1 198.51.100.2 56324 443${' '.repeat(63)}\r\n`],
      ['v1-dspace-proto', 'PROXY  TCP4 192.0.2.1 198.51.100.2 56324 443\r\n'],
      ['v1-dspace-addr', 'PROXY TCP4 192.0.2.1  198.51.100.2 56324 443\r\n'],
      ['v1-dspace-port', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324  443\r\n'],
      ['v1-trailing-space', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 \r\n'],
      ['v1-tab', 'PROXY TCP4 192.0.2.1\t198.51.100.2 56324 443\r\n'],
      ['v1-lower-all', 'proxy tcp4 192.0.2.1 198.51.100.2 56324 443\r\n'],
      ['v1-lower-proto', 'PROXY tcp4 192.0.2.1 198.51.100.2 56324 443\r\n'],
      ['v1-lower-unknown', 'PROXY unknown\r\n'],
      ['v1-lf-only', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\n'],
      ['v1-cr-only', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r'],
      ['v1-empty', 'PROXY \r\n'],
      ['v1-proto-udp4', 'PROXY UDP4 192.0.2.1 198.51.100.2 56324 443\r\n'],
      ['v1-missing-dport', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n'],
      ['v1-extra-field', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 extra\r\n'],
      ['v1-ip6-zone', 'PROXY TCP6 fe80::1%eth0 fe80::2 56324 443\r\n'],
      ['v1-ip6-brackets', 'PROXY TCP6 [2001:db8::1] [2001:db8::2] 56324 443\r\n'],
      ['v1-port-plus', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 +443\r\n'],
      ['v1-port-negative', 'PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n'],
      ['v1-port-hex', 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 0x1bb\r\n'],
    ] as const
  ).map(([name, line]): BatteryCase => ({ name, bytes: v1(line), haproxy: 'reject', nginx: 'reject', ours: 'reject' })),

  // ---- v1, numbers HAProxy parses leniently
  {
    name: 'v1-tcp4-zeropad-120',
    bytes: v1(`PROXY TCP4 192.0.2.1 198.51.100.2 56324 ${'0'.repeat(72)}443\r\n`),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'reject',
    haproxySees: OK4,
    why: 'longer than the 107 bytes the spec allows for a v1 line; HAProxy has no cap below its buffer size',
  },
  {
    name: 'v1-port-leading-zero',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 56324 0443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'reject',
    haproxySees: OK4,
    why: HAP_V1_NUMBERS,
  },
  {
    name: 'v1-ip4-leading-zero',
    bytes: v1('PROXY TCP4 192.000.002.001 198.051.100.002 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'reject',
    haproxySees: OK4,
    why: HAP_V1_NUMBERS,
  },
  {
    name: 'v1-ip4-octal-like',
    bytes: v1('PROXY TCP4 010.0.0.1 198.51.100.2 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'reject',
    haproxySees: '10.0.0.1:56324 198.51.100.2:443',
    why: HAP_V1_NUMBERS,
  },
  {
    name: 'v1-ip4-short',
    bytes: v1('PROXY TCP4 127.1 198.51.100.2 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'reject',
    haproxySees: '127.1.0.0:56324 198.51.100.2:443',
    why: HAP_V1_NUMBERS,
  },
  {
    name: 'v1-ip4-256',
    bytes: v1('PROXY TCP4 192.0.2.256 198.51.100.2 56324 443\r\n'),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'reject',
    haproxySees: '192.0.3.0:56324 198.51.100.2:443',
    why: HAP_V1_NUMBERS,
  },
  {
    name: 'v1-port-65536',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n'),
    haproxy: 'accept',
    nginx: 'reject',
    ours: 'reject',
    haproxySees: '192.0.2.1:0 198.51.100.2:443',
    why: HAP_V1_NUMBERS,
  },
  {
    name: 'v1-port-99999',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 99999 443\r\n'),
    haproxy: 'accept',
    nginx: 'reject',
    ours: 'reject',
    haproxySees: '192.0.2.1:34463 198.51.100.2:443',
    why: HAP_V1_NUMBERS,
  },
  {
    name: 'v1-port-empty',
    bytes: v1('PROXY TCP4 192.0.2.1 198.51.100.2 56324 \r\n'),
    haproxy: 'accept',
    nginx: 'reject',
    ours: 'reject',
    haproxySees: '192.0.2.1:56324 198.51.100.2:0',
    why: HAP_V1_NUMBERS,
  },

  // ---- v1, family/address mismatch (nginx does not check)
  {
    name: 'v1-tcp4-with-ip6',
    bytes: v1('PROXY TCP4 2001:db8::1 2001:db8::2 56324 443\r\n'),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'reject',
  },
  {
    name: 'v1-tcp6-with-ip4',
    bytes: v1('PROXY TCP6 192.0.2.1 198.51.100.2 56324 443\r\n'),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'reject',
  },
  {
    name: 'v1-tcp6-mixed',
    bytes: v1('PROXY TCP6 2001:db8::1 127.0.0.1 56324 443\r\n'),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'reject',
  },

  // ---- v2, valid
  { name: 'v2-tcp4', bytes: v2(0x21, 0x11, ADDR4), haproxy: 'accept', nginx: 'accept', ours: 'accept', haproxySees: OK4 },
  { name: 'v2-tcp6', bytes: v2(0x21, 0x21, ADDR6), haproxy: 'accept', nginx: 'accept', ours: 'accept', haproxySees: OK6 },
  { name: 'v2-local', bytes: v2(0x20, 0x00, Buffer.alloc(0)), haproxy: 'accept', nginx: 'accept', ours: 'accept' },
  { name: 'v2-local-addrs', bytes: v2(0x20, 0x11, ADDR4), haproxy: 'accept', nginx: 'accept', ours: 'accept' },
  { name: 'v2-local-tlv', bytes: v2(0x20, 0x00, tlv(0x04, 'x')), haproxy: 'accept', nginx: 'accept', ours: 'accept' },
  {
    name: 'v2-tcp4-tlvs',
    bytes: v2(
      0x21,
      0x11,
      Buffer.concat([
        ADDR4,
        tlv(0x01, 'h2'),
        tlv(0x02, 'example.test'),
        tlv(0x05, 'uid-123'),
        tlv(0x20, Buffer.concat([Buffer.from([7, 0, 0, 0, 0]), tlv(0x21, 'TLSv1.3'), tlv(0x22, 'client-cn')])),
        tlv(0x04, Buffer.alloc(3)),
        tlv(0xe0, 'custom'),
      ]),
    ),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK4,
  },
  { name: 'v2-crc-ok', bytes: withCrc(tlv(0x02, 'example.test')), haproxy: 'accept', nginx: 'accept', ours: 'accept', haproxySees: OK4 },
  {
    name: 'v2-big-2000',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x04, Buffer.alloc(2000))])),
    haproxy: 'accept',
    nginx: 'reject',
    ours: 'accept',
    haproxySees: OK4,
  },
  {
    name: 'v2-uid-128',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x05, 'u'.repeat(128))])),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK4,
  },
  {
    name: 'v2-authority-empty',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x02, '')])),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK4,
  },
  {
    name: 'v2-authority-255',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x02, 'a'.repeat(255))])),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK4,
  },
  {
    name: 'v2-authority-dup',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x02, 'first.test'), tlv(0x02, 'second.test')])),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK4,
    // Both accept, but HAProxy uses the last AUTHORITY and readTlvs the first (docs/interop.md).
    authority: { haproxy: 'second.test', ours: 'first.test' },
  },
  {
    name: 'v2-netns',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x30, 'nosuchns')])),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'accept',
    haproxySees: OK4,
  },

  // ---- v2, families HAProxy refuses under PROXY
  { name: 'v2-udp4', bytes: v2(0x21, 0x12, ADDR4), haproxy: 'reject', nginx: 'accept', ours: 'accept', why: HAP_V2_TCP_ONLY },
  { name: 'v2-udp6', bytes: v2(0x21, 0x22, ADDR6), haproxy: 'reject', nginx: 'accept', ours: 'accept', why: HAP_V2_TCP_ONLY },
  { name: 'v2-unix-stream', bytes: v2(0x21, 0x31, UNIX), haproxy: 'reject', nginx: 'accept', ours: 'accept', why: HAP_V2_TCP_ONLY },
  { name: 'v2-unix-dgram', bytes: v2(0x21, 0x32, UNIX), haproxy: 'reject', nginx: 'accept', ours: 'accept', why: HAP_V2_TCP_ONLY },
  { name: 'v2-unspec', bytes: v2(0x21, 0x00, Buffer.alloc(0)), haproxy: 'reject', nginx: 'accept', ours: 'accept', why: HAP_V2_TCP_ONLY },
  {
    name: 'v2-unspec-junk',
    bytes: v2(0x21, 0x00, ADDR4),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'accept',
    why: `${HAP_V2_TCP_ONLY}; the 12 bytes are kept as header.unparsed`,
  },

  // ---- v2, malformed
  { name: 'v2-crc-bad', bytes: withCrc(tlv(0x02, 'example.test'), true), haproxy: 'reject', nginx: 'accept', ours: 'reject' },
  {
    name: 'v2-crc-len3',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x03, Buffer.alloc(3))])),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'reject',
  },
  {
    name: 'v2-uid-129',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x05, 'u'.repeat(129))])),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'reject',
  },
  {
    name: 'v2-authority-256',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x02, 'a'.repeat(256))])),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'accept',
    why: 'HAProxy caps AUTHORITY at 255 bytes (a host name); the spec sets no limit and neither does proxyproto',
  },
  {
    name: 'v2-ssl-short',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, tlv(0x20, Buffer.alloc(3))])),
    haproxy: 'accept',
    nginx: 'accept',
    ours: 'reject',
    haproxySees: OK4,
    why: 'HAProxy does not parse a received SSL TLV; proxyproto validates it (client + verify = at least 5 bytes)',
  },
  {
    name: 'v2-bad-sig',
    bytes: Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540b', 'hex'), Buffer.from([0x21, 0x11, 0, 12]), ADDR4]),
    haproxy: 'reject',
    nginx: 'reject',
    ours: 'reject',
  },
  { name: 'v2-ver-1', bytes: v2(0x11, 0x11, ADDR4), haproxy: 'reject', nginx: 'reject', ours: 'reject' },
  { name: 'v2-ver-3', bytes: v2(0x31, 0x11, ADDR4), haproxy: 'reject', nginx: 'reject', ours: 'reject' },
  { name: 'v2-ver-0', bytes: v2(0x01, 0x11, ADDR4), haproxy: 'reject', nginx: 'reject', ours: 'reject' },
  { name: 'v2-cmd-2', bytes: v2(0x22, 0x11, ADDR4), haproxy: 'reject', nginx: 'accept', ours: 'reject' },
  { name: 'v2-cmd-f', bytes: v2(0x2f, 0x11, ADDR4), haproxy: 'reject', nginx: 'accept', ours: 'reject' },
  { name: 'v2-fam-4', bytes: v2(0x21, 0x41, ADDR4), haproxy: 'reject', nginx: 'accept', ours: 'reject' },
  { name: 'v2-transport-3', bytes: v2(0x21, 0x13, ADDR4), haproxy: 'reject', nginx: 'accept', ours: 'reject' },
  { name: 'v2-tcp4-len8', bytes: v2(0x21, 0x11, ADDR4.subarray(0, 8)), haproxy: 'reject', nginx: 'reject', ours: 'reject' },
  { name: 'v2-tcp6-len12', bytes: v2(0x21, 0x21, ADDR4), haproxy: 'reject', nginx: 'reject', ours: 'reject' },
  { name: 'v2-unix-len12', bytes: v2(0x21, 0x31, ADDR4), haproxy: 'reject', nginx: 'accept', ours: 'reject' },
  {
    name: 'v2-tlv-overrun',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, Buffer.from([0x02, 0x00, 0x20]), Buffer.from('short')])),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'reject',
  },
  {
    name: 'v2-tlv-trailing2',
    bytes: v2(0x21, 0x11, Buffer.concat([ADDR4, Buffer.from([0x04, 0x00])])),
    haproxy: 'reject',
    nginx: 'accept',
    ours: 'reject',
  },
  {
    name: 'v2-len-65535',
    bytes: v2(0x21, 0x11, ADDR4, 0xffff),
    haproxy: 'reject',
    nginx: 'reject',
    ours: 'incomplete',
    why: 'HAProxy and nginx need the whole header in the first read; proxyproto waits for the rest (up to headerTimeout / maxHeaderLength)',
  },
];
