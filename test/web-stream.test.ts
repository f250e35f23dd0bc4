/**
 * ProxyProtocolDecoderStream and ProxyProtocolEncoderStream: every chunking, byte-exact payload,
 * no copies after the header, lenient pass-through, and every way the stream can fail before
 * (or after) its header. The same checks run in Deno, Bun and workerd (test/runtimes/).
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  decode,
  encode,
  type ProxyHeader,
  type ProxyHeaderInit,
  ProxyProtocolDecoderStream,
  type ProxyProtocolDecoderStreamOptions,
  ProxyProtocolEncoderStream,
  ProxyProtocolError,
  splitProxyHeader,
  V1_SIGNATURE,
  V2_SIGNATURE,
} from '../src/index.js';
import { header as headerArb, plain } from './support/arbitraries.js';
import { ascii, concat, cutAt } from './support/bytes.js';

const V4: ProxyHeaderInit = { source: { address: '192.0.2.1', port: 51000 }, destination: { address: '198.51.100.7', port: 443 } };
const V1: ProxyHeaderInit = { version: 1, source: { address: '2001:db8::1', port: 1 }, destination: { address: '::1', port: 80 } };

/** A readable that delivers `chunks`, then ends (or fails with `error`). */
function source(chunks: readonly Uint8Array[], error?: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      if (error === undefined) controller.close();
      else controller.error(error);
    },
  });
}

async function collect(readable: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const reader = readable.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

/** Pipes `chunks` through a decoder, awaiting the header before reading the body (the order that deadlocks a naive TransformStream). */
async function run(chunks: readonly Uint8Array[], options?: ProxyProtocolDecoderStreamOptions) {
  const decoder = new ProxyProtocolDecoderStream(options);
  const body = source(chunks).pipeThrough(decoder);
  const header = await decoder.header;
  const out = await collect(body);
  return { header, out, payload: concat(...out) };
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; name?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ProxyProtocolDecoderStream', () => {
  fcTest.prop([headerArb, fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 })])(
    'every chunking: the header as decode() reads it, the payload byte for byte',
    async (h, payload, offsets) => {
      const bytes = encode(h as ProxyHeaderInit);
      const expected = decode(bytes);
      if (expected.status !== 'complete') throw new Error('arbitrary header did not decode');
      const result = await run(cutAt(concat(bytes, payload), offsets));
      expect(plain(result.header as ProxyHeader)).toEqual(plain(expected.header));
      expect(result.payload).toEqual(payload);
    },
  );

  test('awaiting the header before reading the body, with more payload than any queue holds', async () => {
    const payload = Array.from({ length: 50 }, (_, i) => new Uint8Array(1000).fill(i));
    const result = await run([encode(V4), ...payload]);
    expect(result.header?.source).toEqual({ address: '192.0.2.1', port: 51000 });
    expect(result.out).toHaveLength(50);
  });

  test('after the header, the chunks read are the chunks written: no copies', async () => {
    const first = concat(encode(V4), ascii('hello'));
    const second = ascii(' world');
    const third = ascii('!');
    const { out } = await run([first, second, third]);
    expect(out).toHaveLength(3);
    // The rest of the first chunk is a view of it.
    expect(out[0]?.buffer).toBe(first.buffer);
    expect(out[0]?.byteOffset).toBe(first.byteOffset + first.length - 5);
    expect(out[1]).toBe(second);
    expect(out[2]).toBe(third);
  });

  test('a header split over chunks: the rest of its last chunk is a view of that chunk', async () => {
    const bytes = encode(V1);
    const last = concat(bytes.subarray(10), ascii('data'));
    const { header, out } = await run([bytes.subarray(0, 10), last]);
    expect(header?.version).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]?.buffer).toBe(last.buffer);
    expect(Array.from(out[0] as Uint8Array)).toEqual(Array.from(ascii('data')));
  });

  test('a header alone, then the end: an empty body', async () => {
    const result = await run([encode(V4)]);
    expect(result.header?.version).toBe(2);
    expect(result.out).toEqual([]);
  });

  test('backpressure after the header: once the queue is full, a write waits for the reader', async () => {
    const decoder = new ProxyProtocolDecoderStream();
    const writer = decoder.writable.getWriter();
    await writer.write(encode(V4));
    await decoder.header;
    // The first chunk fills the reader's queue (as in a TransformStream); the second waits.
    await writer.write(ascii('x'));
    let written = false;
    const pending = writer.write(ascii('y')).then(() => {
      written = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(written).toBe(false);
    const reader = decoder.readable.getReader();
    expect((await reader.read()).value).toEqual(ascii('x'));
    const next = reader.read();
    await pending;
    expect(written).toBe(true);
    expect((await next).value).toEqual(ascii('y'));
  });

  describe('strict mode (the default)', () => {
    test('no header: header and body both fail with ERR_PROXY_HEADER_MISSING', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      const body = source([ascii('GET / HTTP/1.1\r\n\r\n')]).pipeThrough(decoder);
      expect((await failure(decoder.header)).code).toBe('ERR_PROXY_HEADER_MISSING');
      expect((await failure(collect(body))).code).toBe('ERR_PROXY_HEADER_MISSING');
    });

    test('an empty stream: ERR_PROXY_HEADER_MISSING', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      const body = source([]).pipeThrough(decoder);
      expect((await failure(decoder.header)).code).toBe('ERR_PROXY_HEADER_MISSING');
      expect((await failure(collect(body))).code).toBe('ERR_PROXY_HEADER_MISSING');
    });

    test('a signature prefix, then the end: ERR_PROXY_HEADER_MISSING', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      const body = source([V2_SIGNATURE.subarray(0, 4)]).pipeThrough(decoder);
      expect((await failure(decoder.header)).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
      expect((await failure(collect(body))).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
    });
  });

  describe('lenient mode', () => {
    fcTest.prop([fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 })])(
      'bytes that cannot start a header pass through byte for byte, header null',
      async (bytes, offsets) => {
        fc.pre(decodeStatus(bytes) === 'none');
        const result = await run(cutAt(bytes, offsets), { mode: 'lenient' });
        expect(result.header).toBeNull();
        expect(result.payload).toEqual(bytes);
      },
    );

    fcTest.prop([fc.constantFrom(V1_SIGNATURE, V2_SIGNATURE), fc.nat(), fc.array(fc.nat(), { maxLength: 4 })])(
      'a prefix shorter than a signature, then the end of the stream, passes through',
      async (signature, n, offsets) => {
        const prefix = signature.subarray(0, 1 + (n % (signature.length - 1)));
        const result = await run(cutAt(prefix, offsets), { mode: 'lenient' });
        expect(result.header).toBeNull();
        expect(result.payload).toEqual(prefix);
      },
    );

    test('a signature prefix then other bytes passes through', async () => {
      const bytes = concat(V2_SIGNATURE.subarray(0, 7), ascii('xyz'));
      const result = await run([bytes.subarray(0, 3), bytes.subarray(3)], { mode: 'lenient' });
      expect(result.header).toBeNull();
      expect(result.payload).toEqual(bytes);
    });

    test('without a header the first chunk is passed on as is', async () => {
      const first = ascii('hello');
      const { out } = await run([first, ascii('!')], { mode: 'lenient' });
      expect(out[0]).toBe(first);
    });

    test('an empty stream: header null, empty body', async () => {
      const result = await run([], { mode: 'lenient' });
      expect(result.header).toBeNull();
      expect(result.out).toEqual([]);
    });

    test('a header is still read and stripped', async () => {
      const result = await run([encode(V4), ascii('x')], { mode: 'lenient' });
      expect(result.header?.version).toBe(2);
      expect(result.payload).toEqual(ascii('x'));
    });

    test('a full signature, then the end: ERR_PROXY_HEADER_INCOMPLETE', async () => {
      const decoder = new ProxyProtocolDecoderStream({ mode: 'lenient' });
      const body = source([V2_SIGNATURE]).pipeThrough(decoder);
      expect((await failure(decoder.header)).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
      expect((await failure(collect(body))).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
    });
  });

  describe('failures before the header reject `header` and fail the body', () => {
    test('a malformed header: its decoding error', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      const body = source([ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n')]).pipeThrough(decoder);
      const error = await failure(decoder.header);
      expect(error).toBeInstanceOf(ProxyProtocolError);
      expect(error.code).toBe('ERR_PROXY_V1_LINE_ENDING');
      expect(await failure(collect(body))).toBe(error);
    });

    test('the end of the stream inside the header: ERR_PROXY_HEADER_INCOMPLETE', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      const body = source([encode(V4).subarray(0, 20)]).pipeThrough(decoder);
      expect((await failure(decoder.header)).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
      expect((await failure(collect(body))).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
    });

    test('the source fails mid-header: the reason', async () => {
      const reason = new Error('connection reset');
      const decoder = new ProxyProtocolDecoderStream();
      const body = source([encode(V4).subarray(0, 10)], reason).pipeThrough(decoder);
      expect(await failure(decoder.header)).toBe(reason);
      expect(await failure(collect(body))).toBe(reason);
    });

    test('the writer aborts: the reason', async () => {
      const reason = new Error('gone');
      const decoder = new ProxyProtocolDecoderStream();
      const writer = decoder.writable.getWriter();
      await writer.write(encode(V4).subarray(0, 3));
      await writer.abort(reason);
      expect(await failure(decoder.header)).toBe(reason);
      expect(await failure(decoder.readable.getReader().read())).toBe(reason);
    });

    test('the reader cancels: the reason, and the writer fails', async () => {
      const reason = new Error('not interested');
      const decoder = new ProxyProtocolDecoderStream();
      await decoder.readable.cancel(reason);
      expect(await failure(decoder.header)).toBe(reason);
      expect(await failure(decoder.writable.getWriter().write(ascii('x')))).toBe(reason);
    });

    test('a cancel or an abort without a reason still rejects with an Error', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      await decoder.readable.cancel();
      expect(await failure(decoder.header)).toBeInstanceOf(Error);
      const aborted = new ProxyProtocolDecoderStream();
      await aborted.writable.abort();
      expect(await failure(aborted.header)).toBeInstanceOf(Error);
    });

    test('the signal aborts: signal.reason, on both sides', async () => {
      const controller = new AbortController();
      const decoder = new ProxyProtocolDecoderStream({ signal: controller.signal });
      const writer = decoder.writable.getWriter();
      await writer.write(encode(V4).subarray(0, 3));
      controller.abort();
      const error = await failure(decoder.header);
      expect(error.name).toBe('AbortError');
      expect(error).toBe(controller.signal.reason);
      expect(await failure(decoder.readable.getReader().read())).toBe(error);
      expect(await failure(writer.write(ascii('x')))).toBe(error);
    });

    test('a signal already aborted', async () => {
      const reason = new Error('too late');
      const decoder = new ProxyProtocolDecoderStream({ signal: AbortSignal.abort(reason) });
      expect(await failure(decoder.header)).toBe(reason);
    });

    test('headerTimeout: ERR_PROXY_HEADER_TIMEOUT with the bytes buffered as offset', async () => {
      const decoder = new ProxyProtocolDecoderStream({ headerTimeout: 5 });
      const writer = decoder.writable.getWriter();
      await writer.write(encode(V4).subarray(0, 7));
      const error = (await failure(decoder.header)) as ProxyProtocolError;
      expect(error.code).toBe('ERR_PROXY_HEADER_TIMEOUT');
      expect(error.offset).toBe(7);
      expect(await failure(decoder.readable.getReader().read())).toBe(error);
    });

    test('headerTimeout defaults to 10 s, and 0 disables it', async () => {
      vi.useFakeTimers();
      const defaulted = new ProxyProtocolDecoderStream();
      const disabled = new ProxyProtocolDecoderStream({ headerTimeout: 0 });
      let disabledSettled = false;
      disabled.header.then(
        () => (disabledSettled = true),
        () => (disabledSettled = true),
      );
      vi.advanceTimersByTime(9_999);
      let defaultedError: unknown;
      defaulted.header.catch((error) => (defaultedError = error));
      await Promise.resolve();
      expect(defaultedError).toBeUndefined();
      vi.advanceTimersByTime(1);
      await vi.runAllTimersAsync();
      expect((defaultedError as ProxyProtocolError).code).toBe('ERR_PROXY_HEADER_TIMEOUT');
      vi.advanceTimersByTime(1_000_000);
      await Promise.resolve();
      expect(disabledSettled).toBe(false);
    });

    test('a chunk that is not a Uint8Array: TypeError', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      const writer = decoder.writable.getWriter() as WritableStreamDefaultWriter<unknown>;
      expect(await failure(writer.write('PROXY'))).toBeInstanceOf(TypeError);
      expect(await failure(decoder.header)).toBeInstanceOf(TypeError);
    });

    test('nobody awaits `header`: no unhandled rejection', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const decoder = new ProxyProtocolDecoderStream();
        await failure(source([ascii('nope')]).pipeTo(decoder.writable));
        await new Promise((resolve) => setTimeout(resolve, 10));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).toEqual([]);
    });
  });

  describe('after the header', () => {
    test('the signal still aborts the body; header stays resolved', async () => {
      const controller = new AbortController();
      const decoder = new ProxyProtocolDecoderStream({ signal: controller.signal });
      const writer = decoder.writable.getWriter();
      await writer.write(encode(V4));
      expect((await decoder.header)?.version).toBe(2);
      await writer.write(ascii('queued'));
      const held = writer.write(ascii('held'));
      controller.abort();
      expect(await failure(held)).toBe(controller.signal.reason);
      expect(await failure(decoder.readable.getReader().read())).toBe(controller.signal.reason);
    });

    test('a cancel of the body fails the writer', async () => {
      const decoder = new ProxyProtocolDecoderStream();
      const writer = decoder.writable.getWriter();
      await writer.write(encode(V4));
      await decoder.header;
      const reason = new Error('done reading');
      await decoder.readable.cancel(reason);
      expect(await failure(writer.write(ascii('x')))).toBe(reason);
    });
  });

  describe('options', () => {
    test('decoding options pass through to the decoder', async () => {
      const decoder = new ProxyProtocolDecoderStream({ versions: [2] });
      source([encode(V1)])
        .pipeTo(decoder.writable)
        .catch(() => {});
      expect((await failure(decoder.header)).code).toBe('ERR_PROXY_VERSION_NOT_ALLOWED');
      const small = new ProxyProtocolDecoderStream({ maxHeaderLength: 20 });
      source([encode(V4)])
        .pipeTo(small.writable)
        .catch(() => {});
      expect((await failure(small.header)).code).toBe('ERR_PROXY_HEADER_TOO_LONG');
    });

    // The core validates the keys of the decoding options it is passed; this module, its own three.
    test('an unknown key is a TypeError', () => {
      expect(() => new ProxyProtocolDecoderStream({ unknownKey: true } as never)).toThrow(TypeError);
    });

    test('the old name `timeout` is a TypeError that names headerTimeout', () => {
      expect(() => new ProxyProtocolDecoderStream({ timeout: 5 } as never)).toThrow(/headerTimeout/);
      expect(() => new ProxyProtocolDecoderStream({ timeout: 5 } as never)).toThrow(TypeError);
    });

    test('wrong types are TypeErrors, impossible values RangeErrors', () => {
      expect(() => new ProxyProtocolDecoderStream({ mode: 'loose' as never })).toThrow(TypeError);
      expect(() => new ProxyProtocolDecoderStream({ headerTimeout: '5' as never })).toThrow(TypeError);
      expect(() => new ProxyProtocolDecoderStream({ headerTimeout: -1 })).toThrow(RangeError);
      expect(() => new ProxyProtocolDecoderStream({ headerTimeout: Number.NaN })).toThrow(RangeError);
      expect(() => new ProxyProtocolDecoderStream({ signal: {} as never })).toThrow(TypeError);
      expect(() => new ProxyProtocolDecoderStream(5 as never)).toThrow(TypeError);
      expect(() => new ProxyProtocolDecoderStream({ maxHeaderLength: -1 })).toThrow(RangeError);
    });
  });
});

describe('ProxyProtocolEncoderStream', () => {
  fcTest.prop([headerArb, fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 })])(
    'round trip through the decoder stream, every chunking',
    async (h, payload, offsets) => {
      const init = h as ProxyHeaderInit;
      const decoder = new ProxyProtocolDecoderStream();
      const body = source(cutAt(payload, offsets)).pipeThrough(new ProxyProtocolEncoderStream(init)).pipeThrough(decoder);
      const header = await decoder.header;
      const expected = decode(encode(init));
      if (expected.status !== 'complete') throw new Error('arbitrary header did not decode');
      expect(plain(header as ProxyHeader)).toEqual(plain(expected.header));
      expect(concat(...(await collect(body)))).toEqual(payload);
    },
  );

  test('the header is the first chunk, queued before anything is written (server-speaks-first protocols)', async () => {
    const encoder = new ProxyProtocolEncoderStream(V4, { crc32c: true });
    const reader = encoder.readable.getReader();
    expect((await reader.read()).value).toEqual(encode(V4, { crc32c: true }));
    const chunk = ascii('220 ready');
    const writer = encoder.writable.getWriter();
    writer.write(chunk);
    expect((await reader.read()).value).toBe(chunk);
  });

  test('an invalid header throws in the constructor; a chunk of the wrong type is a TypeError', async () => {
    expect(() => new ProxyProtocolEncoderStream({ source: { address: '1.2.3', port: 1 } } as never)).toThrow(ProxyProtocolError);
    const encoder = new ProxyProtocolEncoderStream(V4);
    const writer = encoder.writable.getWriter() as WritableStreamDefaultWriter<unknown>;
    const reader = encoder.readable.getReader();
    await reader.read();
    const next = reader.read();
    expect(await failure(writer.write('text'))).toBeInstanceOf(TypeError);
    expect(await failure(next)).toBeInstanceOf(TypeError);
  });
});

/** A byte stream (type 'bytes') that delivers copies of `chunks`, as a socket's readable does. */
function byteSource(chunks: readonly Uint8Array[], onCancel?: (reason: unknown) => void): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: 'bytes',
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk.slice());
      // A source that is cancelled stays open, as a connection that is dropped.
      if (onCancel === undefined) controller.close();
    },
    cancel(reason) {
      onCancel?.(reason);
    },
  });
}

/** Reads `readable` with a BYOB reader into buffers of `size` bytes. */
async function readByob(readable: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const reader = readable.getReader({ mode: 'byob' });
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(size));
    if (value !== undefined && value.length > 0) parts.push(value);
    if (done) return concat(...parts);
  }
}

describe('splitProxyHeader', () => {
  fcTest.prop([
    headerArb,
    fc.uint8Array({ maxLength: 300 }),
    fc.array(fc.nat(), { maxLength: 8 }),
    fc.boolean(),
    fc.integer({ min: 1, max: 64 }),
  ])(
    'every chunking, default or byte source (read with a BYOB reader): the header, the payload byte for byte',
    async (h, payload, offsets, bytes, size) => {
      const encoded = encode(h as ProxyHeaderInit);
      const expected = decode(encoded);
      if (expected.status !== 'complete') throw new Error('arbitrary header did not decode');
      const parts = cutAt(concat(encoded, payload), offsets);
      const split = await splitProxyHeader(bytes ? byteSource(parts) : source(parts));
      expect(plain(split.header as ProxyHeader)).toEqual(plain(expected.header));
      expect(bytes ? await readByob(split.readable, size) : concat(...(await collect(split.readable)))).toEqual(payload);
    },
  );

  test('a default source: the chunks after the header are the chunks read', async () => {
    const first = concat(encode(V4), ascii('a'));
    const second = ascii('b');
    const split = await splitProxyHeader(source([first, second]));
    const out = await collect(split.readable);
    expect(out[0]?.buffer).toBe(first.buffer);
    expect(out[1]).toBe(second);
  });

  test('a byte source stays a byte stream; a default reader works on it too', async () => {
    const split = await splitProxyHeader(byteSource([encode(V1), ascii('hello'), ascii(' world')]));
    expect(concat(...(await collect(split.readable)))).toEqual(ascii('hello world'));
  });

  test('strict without a header: rejects with ERR_PROXY_HEADER_MISSING and cancels the source with it', async () => {
    let cancelled: unknown;
    const promise = splitProxyHeader(byteSource([ascii('GET /')], (reason) => (cancelled = reason)));
    const error = await failure(promise);
    expect(error.code).toBe('ERR_PROXY_HEADER_MISSING');
    expect(cancelled).toBe(error);
  });

  test('lenient: other bytes, and a signature prefix before the end, pass through', async () => {
    for (const bytes of [ascii('GET / HTTP/1.1\r\n'), V2_SIGNATURE.subarray(0, 5)]) {
      const split = await splitProxyHeader(source(cutAt(bytes, [2])), { mode: 'lenient' });
      expect(split.header).toBeNull();
      expect(concat(...(await collect(split.readable)))).toEqual(bytes);
    }
    const prefix = await splitProxyHeader(byteSource([V1_SIGNATURE.subarray(0, 3)]), { mode: 'lenient' });
    expect(await readByob(prefix.readable, 2)).toEqual(V1_SIGNATURE.subarray(0, 3));
    const empty = await splitProxyHeader(source([]), { mode: 'lenient' });
    expect(empty.header).toBeNull();
    expect(await collect(empty.readable)).toEqual([]);
  });

  test('the end inside a header, a malformed header, a source error, a wrong chunk type', async () => {
    expect((await failure(splitProxyHeader(source([encode(V4).subarray(0, 20)])))).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
    expect((await failure(splitProxyHeader(source([V2_SIGNATURE]), { mode: 'lenient' }))).code).toBe('ERR_PROXY_HEADER_INCOMPLETE');
    expect((await failure(splitProxyHeader(source([ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n')])))).code).toBe('ERR_PROXY_V1_LINE_ENDING');
    const reason = new Error('reset');
    expect(await failure(splitProxyHeader(source([encode(V4).subarray(0, 5)], reason)))).toBe(reason);
    expect(await failure(splitProxyHeader(source(['PROXY' as never])))).toBeInstanceOf(TypeError);
  });

  test('headerTimeout and signal apply until the header; both cancel the source', async () => {
    let cancelled: unknown;
    const stalled = (): ReadableStream<Uint8Array> =>
      new ReadableStream({
        start(controller) {
          controller.enqueue(encode(V4).subarray(0, 4));
        },
        cancel(reason) {
          cancelled = reason;
        },
      });
    const late = await failure(splitProxyHeader(stalled(), { headerTimeout: 5 }));
    expect(late.code).toBe('ERR_PROXY_HEADER_TIMEOUT');
    expect(cancelled).toBe(late);
    const controller = new AbortController();
    const pending = splitProxyHeader(stalled(), { signal: controller.signal });
    controller.abort();
    expect(await failure(pending)).toBe(controller.signal.reason);
    expect(await failure(splitProxyHeader(stalled(), { signal: AbortSignal.abort() }))).toHaveProperty('name', 'AbortError');
    await expect(splitProxyHeader(source([]), { timeout: 1 } as never)).rejects.toThrow(TypeError);
  });

  test('a cancel of the rest reaches the source, byte source or not', async () => {
    let cancelled: unknown;
    const split = await splitProxyHeader(byteSource([encode(V4), ascii('x')], (reason) => (cancelled = reason)));
    await split.readable.cancel('done');
    expect(cancelled).toBe('done');
    const open = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encode(V4));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    await (await splitProxyHeader(open)).readable.cancel('again');
    expect(cancelled).toBe('again');
  });
});

function decodeStatus(bytes: Uint8Array): string {
  try {
    return decode(bytes).status;
  } catch {
    return 'error';
  }
}
