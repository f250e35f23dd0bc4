import { describe, expect, test } from 'vitest';
import { decode, decodeDatagram, encode, encodeDatagram, encodeInto, type ProxyHeaderInit, ProxyProtocolError } from '../src/index.js';
import { hex } from './support/bytes.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProxyProtocolError) return error.code;
    throw error;
  }
  return 'no error';
}

const tcp4: ProxyHeaderInit = { source: { address: '192.0.2.1', port: 56324 }, destination: { address: '198.51.100.2', port: 443 } };

describe('encode v1', () => {
  test('TCP4 line, byte exact', () => {
    expect(new TextDecoder().decode(encode({ ...tcp4, version: 1 }))).toBe('PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n');
  });
  test('TCP6 uses RFC 5952 text whatever the input form', () => {
    const line = encode({
      version: 1,
      source: { address: '2001:DB8:0:0:0:0:0:7', port: 1 },
      destination: { address: '::FFFF:127.0.0.1', port: 2 },
    });
    expect(new TextDecoder().decode(line)).toBe('PROXY TCP6 2001:db8::7 ::ffff:127.0.0.1 1 2\r\n');
  });
  test('LOCAL, UNSPEC, UNIX and datagrams become the short UNKNOWN form', () => {
    for (const init of [
      { version: 1, command: 'local' } as const,
      { version: 1 } as const,
      { version: 1, source: { path: '/a' }, destination: { path: '/b' } } as const,
      { version: 1, transport: 'dgram', ...tcp4 } as const,
    ]) {
      expect(new TextDecoder().decode(encode(init))).toBe('PROXY UNKNOWN\r\n');
    }
  });
  test.each([
    [
      'mixed families',
      { version: 1, source: { address: '1.2.3.4', port: 1 }, destination: { address: '::1', port: 2 } },
      'ERR_PROXY_INVALID_HEADER',
    ],
    [
      'IPv6 text under ipv4',
      { version: 1, family: 'ipv4', source: { address: '::1', port: 1 }, destination: { address: '::1', port: 2 } },
      'ERR_PROXY_INVALID_ADDRESS',
    ],
    [
      'leading zero',
      { version: 1, source: { address: '01.2.3.4', port: 1 }, destination: { address: '1.2.3.4', port: 2 } },
      'ERR_PROXY_INVALID_ADDRESS',
    ],
    [
      'port 65536',
      { version: 1, source: { address: '1.2.3.4', port: 65536 }, destination: { address: '1.2.3.4', port: 2 } },
      'ERR_PROXY_INVALID_PORT',
    ],
    [
      'port -1',
      { version: 1, source: { address: '1.2.3.4', port: -1 }, destination: { address: '1.2.3.4', port: 2 } },
      'ERR_PROXY_INVALID_PORT',
    ],
    [
      'fractional port',
      { version: 1, source: { address: '1.2.3.4', port: 1.5 }, destination: { address: '1.2.3.4', port: 2 } },
      'ERR_PROXY_INVALID_PORT',
    ],
    ['one endpoint only', { version: 1, source: { address: '1.2.3.4', port: 1 } }, 'ERR_PROXY_INVALID_HEADER'],
    ['TLVs', { version: 1, ...tcp4, tlvs: [{ type: 1, value: new Uint8Array(1) }] }, 'ERR_PROXY_INVALID_HEADER'],
    [
      'zone id',
      { version: 1, source: { address: 'fe80::1%eth0', port: 1 }, destination: { address: '::1', port: 2 } },
      'ERR_PROXY_INVALID_ADDRESS',
    ],
  ] as const)('rejects %s', (_, init, code) => {
    expect(codeOf(() => encode(init as ProxyHeaderInit))).toBe(code);
  });
});

describe('encode v2', () => {
  test('TCP4 header, byte exact', () => {
    expect(hex(encode(tcp4))).toBe('0d0a0d0a000d0a515549540a2111000cc0000201c6336402dc0401bb');
  });
  test('LOCAL has no address block and family 0x00 by default', () => {
    expect(hex(encode({ command: 'local' }))).toBe('0d0a0d0a000d0a515549540a20000000');
  });
  test('LOCAL keeps the family and transport it is given, with a zeroed address block', () => {
    expect(hex(encode({ command: 'local', family: 'ipv4' }))).toBe(`0d0a0d0a000d0a515549540a2010000c${'00'.repeat(12)}`);
    const h = { version: 2, command: 'local', family: 'ipv6', transport: 'stream', source: null, destination: null, tlvs: [] } as const;
    const r = decode(encode(h));
    expect(r.status === 'complete' && r.header).toEqual(h);
  });
  test('LOCAL with TLVs: length covers exactly the TLVs', () => {
    const bytes = encode({ command: 'local', tlvs: [{ type: 0x05, value: new Uint8Array(0) }] }, { crc32c: true });
    expect(bytes.length).toBe(16 + 7 + 3);
    expect(bytes[15]).toBe(10);
    const r = decode(bytes);
    expect(r.status === 'complete' && r.header.command).toBe('local');
  });
  test('a CRC32C TLV given in tlvs is recomputed over the final header', () => {
    const bytes = encode({ ...tcp4, tlvs: [{ type: 0x03, value: Uint8Array.of(1, 2, 3, 4) }] });
    expect(decode(bytes).status).toBe('complete');
    bytes[20] = (bytes[20] as number) ^ 1;
    expect(codeOf(() => decode(bytes))).toBe('ERR_PROXY_CRC32C_MISMATCH');
  });
  test('padTo appends a NOOP TLV to the exact length', () => {
    const bytes = encode(tcp4, { padTo: 100 });
    expect(bytes.length).toBe(100);
    const r = decode(bytes);
    expect(r.status === 'complete' && r.header.tlvs.map((t) => [t.type, t.value.length])).toEqual([[0x04, 69]]);
  });
  test.each([
    ['length over 65535', { ...tcp4, tlvs: [{ type: 0xe1, value: new Uint8Array(65535 - 12) }] }, {}, 'ERR_PROXY_HEADER_TOO_LONG'],
    [
      'two CRC32C TLVs',
      {
        ...tcp4,
        tlvs: [
          { type: 3, value: new Uint8Array(4) },
          { type: 3, value: new Uint8Array(4) },
        ],
      },
      {},
      'ERR_PROXY_TLV_INVALID',
    ],
    ['CRC32C of 3 bytes', { ...tcp4, tlvs: [{ type: 3, value: new Uint8Array(3) }] }, {}, 'ERR_PROXY_TLV_INVALID'],
    ['UNIQUE_ID of 129 bytes', { ...tcp4, tlvs: [{ type: 5, value: new Uint8Array(129) }] }, {}, 'ERR_PROXY_TLV_INVALID'],
    ['SSL TLV of 4 bytes', { ...tcp4, tlvs: [{ type: 0x20, value: new Uint8Array(4) }] }, {}, 'ERR_PROXY_TLV_INVALID'],
    ['TLV type 256', { ...tcp4, tlvs: [{ type: 256, value: new Uint8Array(0) }] }, {}, 'ERR_PROXY_INVALID_HEADER'],
    ['TLV value not bytes', { ...tcp4, tlvs: [{ type: 1, value: 'h2' }] }, {}, 'ERR_PROXY_INVALID_HEADER'],
    ['padding gap of 2', tcp4, { padTo: 30 }, 'ERR_PROXY_INVALID_HEADER'],
    ['padding smaller than the header', tcp4, { padTo: 20 }, 'ERR_PROXY_INVALID_HEADER'],
    ['PROXY ipv4 without addresses', { family: 'ipv4' }, {}, 'ERR_PROXY_INVALID_HEADER'],
    ['unix family with IP endpoints', { ...tcp4, family: 'unix' }, {}, 'ERR_PROXY_INVALID_HEADER'],
    ['UNIX path over 108 bytes', { source: { path: 'x'.repeat(109) }, destination: { path: '/b' } }, {}, 'ERR_PROXY_INVALID_ADDRESS'],
    ['UNIX path with NUL', { source: { path: 'a\0b' }, destination: { path: '/b' } }, {}, 'ERR_PROXY_INVALID_ADDRESS'],
    ['unknown command', { ...tcp4, command: 'health' }, {}, 'ERR_PROXY_INVALID_HEADER'],
    ['transport unspec with addresses', { ...tcp4, transport: 'unspec' }, {}, 'ERR_PROXY_INVALID_HEADER'],
    [
      'non-string address',
      { source: { address: 16909060, port: 1 }, destination: { address: '1.2.3.4', port: 2 } },
      {},
      'ERR_PROXY_INVALID_ADDRESS',
    ],
  ] as const)('rejects %s', (_, init, options, code) => {
    expect(codeOf(() => encode(init as unknown as ProxyHeaderInit, options))).toBe(code);
  });
  test('encodeInto reports a too-small buffer without writing', () => {
    const target = new Uint8Array(27).fill(7);
    expect(codeOf(() => encodeInto(tcp4, target))).toBe('ERR_PROXY_BUFFER_TOO_SMALL');
    expect(target.every((b) => b === 7)).toBe(true);
    expect(codeOf(() => encodeInto({ ...tcp4, version: 1 }, new Uint8Array(10)))).toBe('ERR_PROXY_BUFFER_TOO_SMALL');
  });
  test('the maximum size header (65551 bytes) encodes and decodes', () => {
    const bytes = encode({ ...tcp4, tlvs: [{ type: 0xe1, value: new Uint8Array(65535 - 12 - 3) }] });
    expect(bytes.length).toBe(65551);
    expect(decode(bytes).status).toBe('complete');
  });
});

describe('encodeInto over bytes already in use', () => {
  // encode writes into a fresh (zeroed) array and skips the zero padding; encodeInto must write it.
  test.each<[string, ProxyHeaderInit, { padTo?: number } | undefined]>([
    ['LOCAL with a family', { command: 'local', family: 'ipv6', transport: 'stream' }, undefined],
    ['UNIX paths', { source: { path: '/a' }, destination: { path: '/tmp/b.sock' } }, undefined],
    ['NOOP padding', { source: { address: '10.0.0.1', port: 1 }, destination: { address: '10.0.0.2', port: 2 } }, { padTo: 64 }],
  ])('%s: the same bytes as encode', (_, header, options) => {
    const expected = encode(header, options);
    const target = new Uint8Array(expected.length + 4).fill(0xff);
    expect(encodeInto(header, target, 2, options)).toBe(expected.length);
    expect(hex(target.subarray(2, 2 + expected.length))).toBe(hex(expected));
  });
});

describe('datagrams', () => {
  test('header and payload travel in one datagram', () => {
    const payload = Uint8Array.of(1, 2, 3);
    const message = encodeDatagram({ ...tcp4, transport: 'dgram' }, payload);
    const { header, payload: got } = decodeDatagram(message);
    expect(header.transport).toBe('dgram');
    expect(Array.from(got)).toEqual([1, 2, 3]);
  });
  test('an incomplete header is an error, not a wait', () => {
    const message = encodeDatagram({ ...tcp4, transport: 'dgram' }, new Uint8Array(0)).subarray(0, 20);
    expect(codeOf(() => decodeDatagram(message))).toBe('ERR_PROXY_HEADER_INCOMPLETE');
    expect(codeOf(() => decodeDatagram(Uint8Array.of(1, 2, 3)))).toBe('ERR_PROXY_HEADER_MISSING');
    expect(codeOf(() => encodeDatagram({ ...tcp4, version: 1 }, new Uint8Array(0)))).toBe('ERR_PROXY_INVALID_HEADER');
  });
});

describe('a getter that encodes another header cannot change this one', () => {
  // Each property is read once, and all of them before the addresses are parsed: a nested
  // encode from inside a getter has finished by the time this header's bytes are planned.
  const nested = (): void => {
    encode({ source: { address: '203.0.113.9', port: 1 }, destination: { address: '203.0.113.10', port: 2 } });
    encode({ source: { address: '2001:0db8::1', port: 1 }, destination: { address: 'fe80::1', port: 2 }, version: 1 });
  };
  function reentrant(address: string, port: number): { address: string; port: number } {
    return {
      get address() {
        nested();
        return address;
      },
      get port() {
        nested();
        return port;
      },
    };
  }
  test.each<[string, ProxyHeaderInit]>([
    ['v2 TCP4', tcp4],
    ['v2 TCP6', { source: { address: '2001:db8::1', port: 1 }, destination: { address: '2001:db8::2', port: 2 } }],
    ['v1 TCP4', { ...tcp4, version: 1 }],
    ['v1 TCP6', { version: 1, source: { address: '2001:0db8:0::1', port: 1 }, destination: { address: '::FFFF:1.2.3.4', port: 2 } }],
  ])('%s', (_, init) => {
    const plain = encode(init);
    const source = init.source as { address: string; port: number };
    const destination = init.destination as { address: string; port: number };
    const withGetters: ProxyHeaderInit = {
      ...init,
      source: reentrant(source.address, source.port),
      destination: reentrant(destination.address, destination.port),
      get tlvs() {
        nested();
        return init.version === 1 ? [] : [{ type: 0xe0, value: new Uint8Array(0) }];
      },
    };
    const expected = init.version === 1 ? plain : encode({ ...init, tlvs: [{ type: 0xe0, value: new Uint8Array(0) }] });
    expect(hex(encode(withGetters))).toBe(hex(expected));
    const target = new Uint8Array(128);
    const n = encodeInto(withGetters, target, 3);
    expect(hex(target.subarray(3, 3 + n))).toBe(hex(expected));
  });
});
