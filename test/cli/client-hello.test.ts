/** The ClientHello reader that `listen` uses: real hellos from Node's TLS client, hand-built faults, and arbitrary bytes. */
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CLIENT_HELLO_MAX_LENGTH, parseClientHello } from '../../src/cli/client-hello.js';

/** The first record Node's TLS client sends, captured on a loopback server that never answers. */
async function capture(options: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      server.once('connection', (socket) => {
        let bytes = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          bytes = Buffer.concat([bytes, chunk]);
          if (bytes.length >= 5 && bytes.length >= 5 + bytes.readUInt16BE(3)) {
            socket.destroy();
            resolve(bytes);
          }
        });
      });
      const client = tls.connect({ host: '127.0.0.1', port, ...options });
      client.on('error', () => {});
      setTimeout(() => reject(new Error('no ClientHello')), 5000).unref();
    });
  } finally {
    server.close();
  }
}

/** A ClientHello built by hand, with `extensions` as [type, bytes] pairs. */
function build(extensions: [number, Uint8Array][], patch: { handshakeType?: number; recordExtra?: number } = {}): Buffer {
  const ext = Buffer.concat(extensions.map(([type, data]) => Buffer.concat([u16(type), u16(data.length), data])));
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32, 7),
    Buffer.from([0]), // session id
    u16(2),
    Buffer.from([0x13, 0x01]),
    Buffer.from([1, 0]), // compression: null
    u16(ext.length),
    ext,
  ]);
  const handshake = Buffer.concat([Buffer.from([patch.handshakeType ?? 1, 0, body.length >> 8, body.length & 0xff]), body]);
  const extra = Buffer.alloc(patch.recordExtra ?? 0);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(handshake.length + extra.length), handshake, extra]);
}

function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

function sni(name: string): Uint8Array {
  const host = Buffer.from(name, 'latin1');
  return Buffer.concat([u16(host.length + 3), Buffer.from([0]), u16(host.length), host]);
}

function alpn(...names: string[]): Uint8Array {
  const list = Buffer.concat(names.map((n) => Buffer.concat([Buffer.from([n.length]), Buffer.from(n)])));
  return Buffer.concat([u16(list.length), list]);
}

describe('parseClientHello', () => {
  test("Node's TLS client: SNI, ALPN in order, versions (TLS 1.3 offered through supported_versions)", async () => {
    const bytes = await capture({ servername: 'app.example.com', ALPNProtocols: ['h2', 'http/1.1'] });
    const result = parseClientHello(bytes);
    expect(result).toMatchObject({ status: 'complete', length: bytes.length });
    if (result.status !== 'complete') return;
    expect(result.hello.sni).toBe('app.example.com');
    expect(result.hello.alpn).toEqual(['h2', 'http/1.1']);
    expect(result.hello.versions).toContain('TLS 1.3');
  });

  test('no SNI (an IP address) and no ALPN', async () => {
    const bytes = await capture({});
    const result = parseClientHello(bytes);
    expect(result.status).toBe('complete');
    if (result.status !== 'complete') return;
    expect(result.hello.sni).toBeUndefined();
    expect(result.hello.alpn).toEqual([]);
  });

  test('every proper prefix is incomplete; bytes after the record are not read', async () => {
    const bytes = await capture({ servername: 'x.test' });
    for (let n = 0; n < bytes.length; n++) expect(parseClientHello(bytes.subarray(0, n)).status).toBe('incomplete');
    const more = Buffer.concat([bytes, Buffer.from('GET / HTTP/1.1\r\n')]);
    expect(parseClientHello(more)).toMatchObject({ status: 'complete', length: bytes.length });
  });

  test('not TLS: HTTP, a PROXY header, a TLS record of another type', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ status: 'none' });
    expect(parseClientHello(Buffer.from('0d0a0d0a000d0a515549540a', 'hex'))).toEqual({ status: 'none' });
    expect(parseClientHello(Buffer.from([0x17, 0x03, 0x03, 0, 1, 0]))).toEqual({ status: 'none' });
    expect(parseClientHello(Buffer.from([0x16, 0x02]))).toEqual({ status: 'none' });
  });

  test('hand-built hellos: the fields, and each rule broken', () => {
    const ok = parseClientHello(
      build([
        [0, sni('a.example')],
        [16, alpn('h2')],
      ]),
    );
    expect(ok).toMatchObject({ status: 'complete', hello: { sni: 'a.example', alpn: ['h2'], versions: ['TLS 1.2'] } });
    const invalid: [Buffer, RegExp][] = [
      [
        build([
          [0, sni('a.example')],
          [0, sni('b.example')],
        ]),
        /extension 0 appears twice/,
      ],
      [build([[0, sni('a.example\u0000')]]), /not printable ASCII/],
      [build([[0, sni('a..example')]]), /not a DNS name/],
      [build([[16, alpn('h2', '')]]), /ALPN protocol name: length 0/],
      [build([[16, Buffer.from([0, 0])]]), /ALPN list: length 0/],
      [build([[43, Buffer.from([3, 3, 4, 3])]]), /odd length/],
      [build([], { handshakeType: 2 }), /handshake type 2 is not ClientHello/],
      [build([], { recordExtra: 3 }), /record: 3 bytes left over/],
      [Buffer.from([0x16, 0x03, 0x01, 0x40, 0x01]), /record length 16385/],
    ];
    for (const [bytes, reason] of invalid) {
      const result = parseClientHello(bytes);
      expect(result.status).toBe('invalid');
      if (result.status === 'invalid') expect(result.reason).toMatch(reason);
    }
    // A hello longer than its record: the rest would be in the next record, which is not read.
    const split = build([[0, sni('a.example')]]);
    split.writeUInt16BE(split.readUInt16BE(3) - 4, 3);
    expect(parseClientHello(split.subarray(0, split.readUInt16BE(3) + 5))).toMatchObject({
      status: 'invalid',
      reason: expect.stringMatching(/split across records/),
    });
  });

  test('arbitrary bytes and corrupted hellos: a status, never an exception, never past one record', async () => {
    const real = await capture({ servername: 'fuzz.example', ALPNProtocols: ['h2'] });
    const statuses = new Set(['none', 'incomplete', 'invalid', 'complete']);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => statuses.has(parseClientHello(bytes).status)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (flips) => {
        const bytes = Buffer.from(real);
        for (const [at, value] of flips) bytes[at] = value;
        const result = parseClientHello(bytes);
        return statuses.has(result.status) && (result.status !== 'complete' || result.length <= CLIENT_HELLO_MAX_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });
});
