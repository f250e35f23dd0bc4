/** Typed TLV views and builders: real HAProxy captures, the shared vectors, and round trips. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decode, encode, type ProxyHeader, ProxyProtocolError, readTlvs, type TlvInit, TlvType } from '../src/index.js';
import { v2Header } from './support/arbitraries.js';
import { ascii, hex, unhex } from './support/bytes.js';

interface CaptureTlv {
  type: number;
  name: string;
  len: number;
  text?: string;
  value?: number;
  client?: number;
  verify?: number;
  sub?: CaptureTlv[];
}
interface Capture {
  file: string;
  hex: string;
  headerLength: number;
  v1Line?: string;
  v2?: { command: string; family: string; transport: string };
  src?: string;
  dst?: string;
  tlvs: CaptureTlv[];
  crcOk: boolean;
}

const captures: Capture[] = JSON.parse(readFileSync(new URL('./fixtures/captures.json', import.meta.url), 'utf8'));

function decoded(bytes: Uint8Array): { header: ProxyHeader; length: number } {
  const r = decode(bytes);
  if (r.status !== 'complete') throw new Error(`expected a header, got ${r.status}`);
  return r;
}

function endpoint(text: string): { address: string; port: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^(.*):(\d+)$/.exec(text);
  if (!m) throw new Error(text);
  return { address: m[1] as string, port: Number(m[2]) };
}

const SSL_FIELD: Record<string, string> = {
  SSL_VERSION: 'version',
  SSL_CN: 'cn',
  SSL_CIPHER: 'cipher',
  SSL_SIG_ALG: 'sigAlg',
  SSL_KEY_ALG: 'keyAlg',
};

describe('HAProxy 2.6, nginx 1.22 and curl captures', () => {
  test('the fixture holds every capture', () => {
    expect(captures.length).toBe(52);
  });
  test('nginx relaying a realip IPv6 source with its IPv4 local address sends an invalid mixed TCP6 line', () => {
    const bytes = unhex((captures.find((c) => c.file === 'nginx-stream-v1-relay-tcp6-src.bin') as Capture).hex);
    expect(() => decode(bytes)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_INVALID_ADDRESS' }));
    const r = decode(bytes, { allowIPv4InTcp6: true });
    expect(r.status === 'complete' && r.header.destination).toEqual({ address: '::ffff:127.0.0.1', port: 18703 });
  });
  test.each(captures.filter((c) => c.file !== 'nginx-stream-v1-relay-tcp6-src.bin').map((c) => [c.file, c] as const))(
    '%s',
    (_, capture) => {
      const bytes = unhex(capture.hex);
      const { header, length } = decoded(bytes);
      expect(length).toBe(capture.headerLength);
      if (capture.v2) {
        expect(header.version).toBe(2);
        expect(header.command).toBe(capture.v2.command.toLowerCase());
      } else {
        expect(header.version).toBe(1);
      }
      if (capture.src && capture.dst && header.command === 'proxy') {
        expect(header.source).toEqual(endpoint(capture.src));
        expect(header.destination).toEqual(endpoint(capture.dst));
      }
      const view = readTlvs(header);
      expect(header.tlvs.map((t) => t.type)).toEqual(capture.tlvs.map((t) => t.type));
      for (const t of capture.tlvs) {
        switch (t.type) {
          case TlvType.CRC32C:
            expect(view.crc32c).toBe(t.value);
            break;
          case TlvType.ALPN:
            expect(view.alpn).toBe(t.text);
            break;
          case TlvType.AUTHORITY:
            expect(view.authority).toBe(t.text);
            break;
          case TlvType.UNIQUE_ID:
            expect(new TextDecoder().decode(view.uniqueId)).toBe(t.text ?? '');
            expect(view.uniqueId?.length).toBe(t.len);
            break;
          case TlvType.SSL: {
            const ssl = view.ssl;
            expect(ssl?.client).toBe(t.client);
            expect(ssl?.verify).toBe(t.verify);
            expect(ssl?.clientSsl).toBe(((t.client ?? 0) & 1) === 1);
            expect(ssl?.certConnection).toBe(((t.client ?? 0) & 2) === 2);
            // HAProxy sends verify=0 with and without a certificate: only a certificate makes it meaningful.
            expect(ssl?.verified).toBe(((t.client ?? 0) & 6) !== 0);
            for (const sub of t.sub ?? [])
              expect((ssl as unknown as Record<string, unknown>)[SSL_FIELD[sub.name] as string]).toBe(sub.text);
            break;
          }
          default:
            throw new Error(`unexpected TLV ${t.name}`);
        }
      }
      // Bytes after the header are the client's, untouched.
      expect(hex(bytes.subarray(length))).toBe(capture.hex.slice(length * 2));
    },
  );
});

describe('typed extras of the shared vectors', () => {
  interface VectorTlv {
    type: number;
    value: string;
    text?: string;
    crc32c?: string;
    ssl?: Record<string, unknown> & { subTlvs: VectorTlv[] };
    aws?: { vpceId: string };
    azure?: { linkId: number };
    gcp?: { pscConnectionId: string };
  }
  const vectors: { name: string; hex: string; expect: { ok?: boolean; tlvs?: VectorTlv[] | null } }[] = JSON.parse(
    readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8'),
  );
  const typed = vectors.filter(
    (v) => v.expect.ok && Array.isArray(v.expect.tlvs) && v.expect.tlvs.some((t) => t.ssl || t.aws || t.azure || t.gcp || t.crc32c),
  );
  test('there are typed vectors', () => {
    expect(typed.length).toBeGreaterThanOrEqual(8);
  });
  test.each(typed.map((v) => [v.name, v] as const))('%s', (_, vector) => {
    const view = readTlvs(decoded(unhex(vector.hex)).header);
    for (const t of vector.expect.tlvs as VectorTlv[]) {
      if (t.crc32c === 'valid') expect(view.crc32c).toBe(Number.parseInt(t.value, 16));
      if (t.aws) expect(view.aws).toEqual({ vpceId: t.aws.vpceId });
      if (t.azure) expect(view.azure).toEqual({ linkId: t.azure.linkId });
      if (t.gcp) expect(view.gcp).toEqual({ pscConnectionId: BigInt(t.gcp.pscConnectionId) });
      if (t.ssl) {
        expect(view.ssl).toMatchObject({
          client: t.ssl.client,
          clientSsl: t.ssl.clientSSL,
          certConnection: t.ssl.certConn,
          certSession: t.ssl.certSess,
          verify: t.ssl.verify,
        });
        expect(view.ssl?.subTlvs.map((s) => [s.type, hex(s.value)])).toEqual(t.ssl.subTlvs.map((s) => [s.type, s.value]));
      }
    }
  });
  test('a custom-range TLV of another shape is left raw, not misread', () => {
    // haproxy tlvs.vtc: 0xEE carrying "LINKID" text, not the 5-byte Azure layout.
    const vector = vectors.find((v) => v.name.startsWith('v2 AWS + Azure + custom'));
    const view = readTlvs(decoded(unhex(vector?.hex as string)).header);
    expect(view.aws).toEqual({ vpceId: 'aws-vpc-id' });
    expect(view.azure).toBeUndefined();
    expect(view.others.map((t) => t.type)).toEqual([0xee, 0xeb, 0xec]);
  });
});

const tcp4 = { source: { address: '10.0.0.1', port: 1000 }, destination: { address: '10.0.0.2', port: 443 } };

describe('builders', () => {
  test('every TLV family round-trips: builder → encode → decode → typed view', () => {
    const init: TlvInit = {
      alpn: 'h2',
      authority: 'bücher.example',
      uniqueId: 'conn-42',
      ssl: {
        certConnection: true,
        verify: 0,
        version: 'TLSv1.3',
        cn: 'Jürgen',
        cipher: 'TLS_AES_128_GCM_SHA256',
        sigAlg: 'RSA-SHA256',
        keyAlg: 'RSA2048',
        group: 'x25519',
        sigScheme: 'rsa_pss_rsae_sha256',
        clientCert: Uint8Array.of(0x30, 0x82, 1, 2),
      },
      netns: 'blue',
      aws: { vpceId: 'vpce-08d2bf15fac5001c9' },
      azure: { linkId: 553665985 },
      gcp: { pscConnectionId: 0xfedcba9876543210n },
      raw: [{ type: 0xf0, value: ascii('experiment') }],
    };
    const { header } = decoded(encode({ ...tcp4, tlvs: init }, { crc32c: true, padTo: 400 }));
    const view = readTlvs(header);
    expect(view).toMatchObject({
      alpn: 'h2',
      authority: 'bücher.example',
      netns: 'blue',
      noop: 1,
      aws: init.aws,
      azure: init.azure,
      gcp: init.gcp,
    });
    expect(new TextDecoder().decode(view.uniqueId)).toBe('conn-42');
    expect(view.ssl).toMatchObject({
      client: 3,
      clientSsl: true,
      certConnection: true,
      certSession: false,
      verify: 0,
      verified: true,
      version: 'TLSv1.3',
      cn: 'Jürgen',
      cipher: 'TLS_AES_128_GCM_SHA256',
      sigAlg: 'RSA-SHA256',
      keyAlg: 'RSA2048',
      group: 'x25519',
      sigScheme: 'rsa_pss_rsae_sha256',
    });
    expect(Array.from(view.ssl?.clientCert ?? [])).toEqual([0x30, 0x82, 1, 2]);
    expect(typeof view.crc32c).toBe('number');
    expect(view.others.map((t) => t.type)).toEqual([0xf0]);
    expect(header.tlvs.map((t) => t.type)).toEqual([0x03, 0x01, 0x02, 0x05, 0x20, 0x30, 0xea, 0xee, 0xe0, 0xf0, 0x04]);
  });

  test('generated typed values round-trip', () => {
    const printable = fc.string({
      minLength: 1,
      maxLength: 30,
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    });
    const init = fc.record(
      {
        alpn: fc.string({ minLength: 1, maxLength: 20, unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) }),
        authority: fc.string({ maxLength: 40, unit: 'grapheme' }),
        uniqueId: fc.uint8Array({ maxLength: 128 }),
        netns: printable,
        ssl: fc.record(
          {
            clientSsl: fc.boolean(),
            certConnection: fc.boolean(),
            certSession: fc.boolean(),
            verify: fc.nat({ max: 0xffffffff }),
            version: printable,
            cn: fc.string({ maxLength: 20, unit: 'grapheme' }),
          },
          { requiredKeys: [] },
        ),
        aws: fc.record({ vpceId: printable }),
        azure: fc.record({ linkId: fc.nat({ max: 0xffffffff }) }),
        gcp: fc.record({ pscConnectionId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(init, (tlvInit) => {
        const view = readTlvs(decoded(encode({ ...tcp4, tlvs: tlvInit })).header);
        for (const key of ['alpn', 'authority', 'netns', 'aws', 'azure', 'gcp'] as const) expect(view[key]).toEqual(tlvInit[key]);
        if (tlvInit.uniqueId) expect(Array.from(view.uniqueId ?? [])).toEqual(Array.from(tlvInit.uniqueId));
        if (tlvInit.ssl) expect(view.ssl).toMatchObject(tlvInit.ssl);
        expect(view.others).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test.each([
    ['empty alpn', { alpn: '' }],
    ['alpn beyond a byte', { alpn: 'h2✓' }],
    ['non-ASCII SSL version', { ssl: { version: 'TLSv1.3✓' } }],
    ['uniqueId over 128 bytes', { uniqueId: 'x'.repeat(129) }],
    ['azure linkId over 32 bits', { azure: { linkId: 2 ** 32 } }],
    ['gcp id over 64 bits', { gcp: { pscConnectionId: 1n << 64n } }],
    ['gcp id unsafe number', { gcp: { pscConnectionId: 2 ** 60 } }],
    ['lone surrogate authority', { authority: '\ud800' }],
    ['empty vpce id', { aws: { vpceId: '' } }],
  ] as const)('rejects %s with ERR_PROXY_INVALID_HEADER', (_, init) => {
    expect(() => encode({ ...tcp4, tlvs: init as TlvInit })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_INVALID_HEADER' }));
  });
});

describe('malformed typed TLVs are errors, never garbage', () => {
  const withTlv = (type: number, value: Uint8Array) => encode({ ...tcp4, tlvs: [{ type, value }] });
  test('AUTHORITY that is not UTF-8', () => {
    expect(() => readTlvs(decoded(withTlv(2, Uint8Array.of(0xc3, 0x28))).header)).toThrow(
      expect.objectContaining({ code: 'ERR_PROXY_TLV_INVALID' }),
    );
  });
  test('SSL sub-TLV text that is not US-ASCII', () => {
    const value = Uint8Array.of(1, 0, 0, 0, 0, 0x21, 0, 2, 0x54, 0xff);
    expect(() => readTlvs(decoded(withTlv(0x20, value)).header)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_TLV_INVALID' }));
  });
  test('SSL TLV shorter than 5 bytes, or sub-TLVs that do not tile it, are rejected by decode itself', () => {
    const short = unhex('0d0a0d0a000d0a515549540a21110012c0000201c6336402dc0401bb200003000000');
    expect(() => decode(short)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_TLV_INVALID' }));
  });
  test('duplicates: the view reports the first, the rest stay reachable', () => {
    const view = readTlvs([
      { type: 2, value: ascii('first.test') },
      { type: 2, value: ascii('second.test') },
    ]);
    expect(view.authority).toBe('first.test');
    expect(view.others.map((t) => new TextDecoder().decode(t.value))).toEqual(['second.test']);
  });
});

describe('CRC32C in headers', () => {
  test('a single flipped bit anywhere in a checksummed header is detected (with crc32c: require)', () => {
    fc.assert(
      fc.property(v2Header, fc.nat(), fc.nat({ max: 7 }), (h, at, bit) => {
        const bytes = encode(h, { crc32c: true });
        expect(decode(bytes, { crc32c: 'require' }).status).toBe('complete');
        const index = at % bytes.length;
        bytes[index] = (bytes[index] as number) ^ (1 << bit);
        let status: string;
        try {
          status = decode(bytes, { crc32c: 'require' }).status;
        } catch (error) {
          if (!(error instanceof ProxyProtocolError)) throw error;
          status = error.code;
        }
        expect(status).not.toBe('complete');
      }),
      { numRuns: 1000 },
    );
  });
  test("crc32c: 'require' rejects headers without one, v1 included", () => {
    expect(() => decode(encode(tcp4), { crc32c: 'require' })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_CRC32C_MISSING' }));
    expect(() => decode(encode({ ...tcp4, version: 1 }), { crc32c: 'require' })).toThrow(
      expect.objectContaining({ code: 'ERR_PROXY_CRC32C_MISSING' }),
    );
  });
  test('with crc32c: verify, a flipped bit is detected unless it removes the checksum itself', () => {
    fc.assert(
      fc.property(v2Header, fc.nat(), fc.nat({ max: 7 }), (h, at, bit) => {
        const bytes = encode(h, { crc32c: true });
        const index = at % bytes.length;
        bytes[index] = (bytes[index] as number) ^ (1 << bit);
        let result: ReturnType<typeof decode>;
        try {
          result = decode(bytes);
        } catch (error) {
          if (!(error instanceof ProxyProtocolError)) throw error;
          return; // caught by framing or by the CRC
        }
        if (result.status !== 'complete') return; // a flipped signature byte: no header at all
        // The only ways through remove the checksum: a flip in the CRC32C TLV's type byte, or in the
        // length of an UNSPEC/LOCAL header whose TLV area then no longer parses (and is left
        // uninterpreted, yielding no addresses and no TLVs). Either way no CRC32C TLV remains.
        let crc: number | undefined;
        try {
          crc = readTlvs(result.header).crc32c;
        } catch (error) {
          if (!(error instanceof ProxyProtocolError)) throw error;
          return; // e.g. CRC32C turned AUTHORITY whose bytes are not UTF-8: still an error
        }
        expect(crc).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});
