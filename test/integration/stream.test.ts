import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { decode, encode, type ProxyHeader, type ProxyHeaderInit } from '../../src/index.js';
import { ProxyProtocolDecoder, ProxyProtocolEncoder } from '../../src/node/index.js';
import { cutAt } from '../support/bytes.js';

const V4: ProxyHeaderInit = { source: { address: '192.0.2.1', port: 51000 }, destination: { address: '198.51.100.7', port: 443 } };
const V6: ProxyHeaderInit = { version: 1, source: { address: '2001:db8::1', port: 1 }, destination: { address: '::1', port: 80 } };

/** Runs `chunks` through a decoder and returns what came out. */
async function run(chunks: readonly Uint8Array[], options?: ConstructorParameters<typeof ProxyProtocolDecoder>[0]) {
  const decoder = new ProxyProtocolDecoder(options);
  const headers: (ProxyHeader | null)[] = [];
  decoder.on('header', (h) => headers.push(h));
  const out: Buffer[] = [];
  let error: unknown;
  try {
    await pipeline(
      Readable.from(
        chunks.map((c) => Buffer.from(c)),
        { objectMode: false },
      ),
      decoder,
      async (source) => {
        for await (const chunk of source) out.push(chunk as Buffer);
      },
    );
  } catch (e) {
    error = e;
  }
  return { headers, payload: Buffer.concat(out), error: error as { code?: string } | undefined, decoder };
}

describe('ProxyProtocolDecoder', () => {
  test('strips a v2 header, emits it once before the payload, exposes decoder.header', async () => {
    const header = encode(V4);
    const decoder = new ProxyProtocolDecoder();
    const events: string[] = [];
    decoder.on('header', (h) => events.push(`header ${h?.source && 'address' in h.source ? h.source.address : 'null'}`));
    decoder.on('data', (d: Buffer) => events.push(`data ${d.toString()}`));
    decoder.write(Buffer.concat([header, Buffer.from('hello')]));
    decoder.end(Buffer.from(' world'));
    await once(decoder, 'end');
    expect(events).toEqual(['header 192.0.2.1', 'data hello', 'data  world']);
    expect(decoder.header?.destination).toEqual({ address: '198.51.100.7', port: 443 });
  });

  fcTest.prop([fc.constantFrom(V4, V6), fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(400), { maxLength: 12 })], { numRuns: 150 })(
    'every chunk split of header + payload gives the same header and the exact payload',
    async (init, payload, offsets) => {
      const header = encode(init);
      const expected = decode(header);
      const bytes = Buffer.concat([header, payload]);
      const { headers, payload: out, error } = await run(cutAt(bytes, offsets));
      expect(error).toBeUndefined();
      expect(headers).toHaveLength(1);
      expect(headers[0]).toEqual(expected.status === 'complete' ? expected.header : undefined);
      expect(out.equals(Buffer.from(payload))).toBe(true);
    },
  );

  fcTest.prop(
    [
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        // Prefixes of both signatures followed by a byte that breaks them.
        fc
          .tuple(
            fc.constantFrom('PROXY', '\r\n\r\n\0\r\nQUIT\n'),
            fc.nat(11),
            fc.integer({ min: 0, max: 255 }),
            fc.uint8Array({ maxLength: 50 }),
          )
          .map(([sig, n, b, tail]) => {
            const prefix = Buffer.from(sig, 'latin1').subarray(0, Math.min(n, sig.length - 1));
            const breaker = b === sig.charCodeAt(prefix.length) ? (b + 1) & 0xff : b;
            return Buffer.concat([prefix, Buffer.from([breaker]), tail]);
          }),
      ),
      fc.array(fc.nat(300), { maxLength: 8 }),
    ],
    { numRuns: 200 },
  )('lenient mode passes bytes that cannot be a header through byte-exact', async (bytes, offsets) => {
    let status: string;
    try {
      status = decode(bytes).status;
    } catch {
      status = 'error';
    }
    fc.pre(status === 'none' || (status === 'incomplete' && bytes.length < 12));
    const { headers, payload, error } = await run(cutAt(bytes, offsets), { mode: 'lenient' });
    expect(error).toBeUndefined();
    expect(headers).toEqual([null]);
    expect(payload.equals(Buffer.from(bytes))).toBe(true);
  });

  test('lenient mode still decodes a header when there is one', async () => {
    const { headers, payload } = await run([encode(V6), Buffer.from('x')], { mode: 'lenient' });
    expect(headers[0]?.version).toBe(1);
    expect(payload.toString()).toBe('x');
  });

  test('strict mode: a missing header is ERR_PROXY_HEADER_MISSING, nothing passes through', async () => {
    const { headers, payload, error } = await run([Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
    expect(error?.code).toBe('ERR_PROXY_HEADER_MISSING');
    expect(headers).toEqual([]);
    expect(payload.length).toBe(0);
  });

  test('strict mode: an empty stream has no header', async () => {
    expect((await run([])).error?.code).toBe('ERR_PROXY_HEADER_MISSING');
    const lenient = await run([], { mode: 'lenient' });
    expect(lenient.error).toBeUndefined();
    expect(lenient.headers).toEqual([null]);
  });

  test('ending mid-header is ERR_PROXY_HEADER_INCOMPLETE, in both modes', async () => {
    const partial = encode(V4).subarray(0, 20);
    expect((await run([partial])).error?.code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
    expect((await run([partial], { mode: 'lenient' })).error?.code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
  });

  test('malformed, oversized and version-pinned headers fail with their codes', async () => {
    expect((await run([Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n')])).error?.code).toBe('ERR_PROXY_V1_LINE_ENDING');
    const big = encode({ ...V4, tlvs: [{ type: 0xe0, value: new Uint8Array(500) }] });
    expect((await run([big], { maxHeaderLength: 200 })).error?.code).toBe('ERR_PROXY_HEADER_TOO_LONG');
    expect(
      (
        await run(
          Array.from(big, (b) => Uint8Array.of(b)),
          { maxHeaderLength: 200 },
        )
      ).error?.code,
    ).toBe('ERR_PROXY_HEADER_TOO_LONG');
    expect((await run([encode(V6)], { versions: [2] })).error?.code).toBe('ERR_PROXY_VERSION_NOT_ALLOWED');
  });

  test('honours backpressure: a slow consumer receives every byte', async () => {
    const payload = Buffer.alloc(1 << 20, 7);
    const decoder = new ProxyProtocolDecoder({ highWaterMark: 1024 });
    const source = new PassThrough({ highWaterMark: 1024 });
    let received = 0;
    const done = pipeline(source, decoder, async (stream) => {
      for await (const chunk of stream) {
        received += (chunk as Buffer).length;
        if (received % 65536 < 1024) await new Promise((r) => setImmediate(r));
      }
    });
    let wrote = source.write(encode(V4));
    let pauses = 0;
    for (let i = 0; i < payload.length; i += 16384) {
      wrote = source.write(payload.subarray(i, i + 16384));
      if (!wrote) {
        pauses++;
        await once(source, 'drain');
      }
    }
    source.end();
    await done;
    expect(received).toBe(payload.length);
    expect(pauses).toBeGreaterThan(0);
  });

  test('an AbortSignal destroys the decoder', async () => {
    const controller = new AbortController();
    const decoder = new ProxyProtocolDecoder({ signal: controller.signal });
    const failed = once(decoder, 'error');
    controller.abort();
    const [error] = (await failed) as [Error];
    expect(error.name).toBe('AbortError');
    expect(decoder.destroyed).toBe(true);
  });
});

describe('ProxyProtocolEncoder', () => {
  test('prepends one header to the first chunk and passes the rest through', async () => {
    const encoder = new ProxyProtocolEncoder(V4, { crc32c: true });
    const chunks: Buffer[] = [];
    encoder.on('data', (c: Buffer) => chunks.push(c));
    encoder.write('abc');
    encoder.end('def');
    await once(encoder, 'end');
    expect(chunks).toHaveLength(2);
    const result = decode(chunks[0] as Buffer);
    expect(result.status).toBe('complete');
    if (result.status !== 'complete') return;
    expect(result.header.source).toEqual(V4.source);
    expect((chunks[0] as Buffer).subarray(result.length).toString()).toBe('abc');
    expect((chunks[1] as Buffer).toString()).toBe('def');
  });

  test('writes the header alone when the stream ends without data; v1 per header.version', async () => {
    const encoder = new ProxyProtocolEncoder(V6);
    const chunks: Buffer[] = [];
    encoder.on('data', (c: Buffer) => chunks.push(c));
    encoder.end();
    await once(encoder, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('PROXY TCP6 2001:db8::1 ::1 1 80\r\n');
  });

  test('an invalid header throws from the constructor', () => {
    expect(() => new ProxyProtocolEncoder({ source: { address: '1.2.3.4', port: 1 }, destination: { address: '::1', port: 2 } })).toThrow(
      expect.objectContaining({ code: 'ERR_PROXY_INVALID_HEADER' }),
    );
  });

  test('encoder piped into decoder round-trips header and payload', async () => {
    const payload = Buffer.from('round trip');
    const encoder = new ProxyProtocolEncoder(V4);
    const decoder = new ProxyProtocolDecoder();
    const headerSeen = once(decoder, 'header');
    const out: Buffer[] = [];
    await pipeline(Readable.from([payload]), encoder, decoder, async (s) => {
      for await (const c of s) out.push(c as Buffer);
    });
    const [header] = (await headerSeen) as [ProxyHeader];
    expect(header.source).toEqual(V4.source);
    expect(Buffer.concat(out).equals(payload)).toBe(true);
  });
});
