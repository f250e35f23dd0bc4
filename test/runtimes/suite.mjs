// The checks every runtime runs against the built core (dist/index.js): plain JavaScript with
// web platform globals only, so that Deno, Bun, workerd and Node load it unchanged.
//
// `report(core, vectors)` returns { summary, failures }:
// - `summary`: what the core made of every shared vector (whole, and streamed through the decoder
//   stream in both modes) and of a fixed set of generated headers (their encodings and decodings).
//   The Node side computes the same summary and requires equality: byte for byte as in Node.
// - `failures`: the Web Streams checks that failed in this runtime (the behaviour test/web-stream.test.ts
//   proves in Node with properties, here over fixed inputs and every split point).

/** @param {Uint8Array} bytes */
function hex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** @param {string} text */
function unhex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const ascii = (text) => new TextEncoder().encode(text);

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A header as comparable text: byte arrays as hex. */
function show(header) {
  return JSON.stringify(header, (_key, value) => (value instanceof Uint8Array ? `hex:${hex(value)}` : value));
}

function outcome(fn) {
  try {
    const result = fn();
    if (result.status !== 'complete') return result.status;
    return `complete ${result.length} ${show(result.header)}`;
  } catch (error) {
    return `error ${error?.code ?? error?.name}`;
  }
}

/** mulberry32: the same pseudo-random sequence everywhere. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` valid header inits of every version, family, command and a mix of TLVs. */
function headers(count) {
  const next = random(14);
  const int = (n) => Math.floor(next() * n);
  const ipv4 = () => [int(256), int(256), int(256), int(256)].join('.');
  const ipv6 = () =>
    int(3) === 0 ? `::ffff:${ipv4()}` : Array.from({ length: 8 }, () => (int(2) ? int(0x10000) : 0).toString(16)).join(':');
  const out = [];
  for (let i = 0; i < count; i++) {
    const version = int(2) ? 2 : 1;
    const family = version === 1 ? ['ipv4', 'ipv6'][int(2)] : ['ipv4', 'ipv6', 'unix'][int(3)];
    const init = { version };
    if (family === 'unix') {
      init.source = { path: `/run/s${int(1000)}` };
      init.destination = { path: `/run/d${int(1000)}` };
    } else {
      const address = family === 'ipv4' ? ipv4 : ipv6;
      init.source = { address: address(), port: int(65536) };
      init.destination = { address: address(), port: int(65536) };
    }
    if (version === 2) {
      if (int(4) === 0) init.transport = 'dgram';
      const tlvs = [];
      for (let t = int(4); t > 0; t--) tlvs.push({ type: 0xe0 + int(16), value: Uint8Array.from({ length: int(40) }, () => int(256)) });
      if (int(2)) tlvs.push({ type: 0x01, value: ascii(['h2', 'http/1.1'][int(2)]) });
      init.tlvs = tlvs;
    }
    out.push(init);
  }
  return out;
}

/** Every chunk of `bytes` cut every `size` bytes. */
function chunks(bytes, size) {
  const out = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

function source(parts, error) {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      if (error === undefined) controller.close();
      else controller.error(error);
    },
  });
}

async function collect(readable) {
  const reader = readable.getReader();
  const out = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

/** The decoder stream over `parts`, header awaited first: "header <json> payload <hex>" or the error code. */
async function streamed(core, parts, options) {
  const decoder = new core.ProxyProtocolDecoderStream(options);
  const body = source(parts).pipeThrough(decoder);
  try {
    const header = await decoder.header;
    const payload = concat(...(await collect(body)));
    return `header ${header === null ? 'null' : show(header)} payload ${hex(payload)}`;
  } catch (error) {
    return `error ${error?.code ?? error?.name}`;
  }
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The Web Streams checks: name → async function that throws on failure. */
function streamChecks(core) {
  const V4 = { source: { address: '192.0.2.1', port: 51000 }, destination: { address: '198.51.100.7', port: 443 } };
  const V1 = { version: 1, source: { address: '2001:db8::1', port: 1 }, destination: { address: '::1', port: 80 } };
  const WITH_TLVS = {
    ...V4,
    tlvs: [
      { type: 0x01, value: ascii('h2') },
      { type: 0xe0, value: new Uint8Array(300).fill(7) },
    ],
  };
  const code = (error) => error?.code ?? error?.name;
  const expect = (ok, what) => {
    if (!ok) throw new Error(what);
  };
  return {
    'every split point (one and two cuts), header awaited first, payload byte for byte': async () => {
      for (const init of [V4, V1, WITH_TLVS]) {
        const header = core.encode(init, init.version === 1 ? undefined : { crc32c: true });
        const payload = ascii('GET / HTTP/1.1\r\n\r\n');
        const bytes = concat(header, payload);
        const want = `header ${show(core.decode(header).header)} payload ${hex(payload)}`;
        const step = bytes.length > 100 ? 13 : 1;
        for (let i = 0; i <= bytes.length; i += step) {
          for (let j = i; j <= bytes.length; j += step * 5) {
            const parts = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)].filter((p) => p.length > 0);
            const got = await streamed(core, parts);
            expect(got === want, `cut at ${i}, ${j}: ${got}`);
          }
        }
      }
    },
    'no copies after the header: the same chunks, the first a view': async () => {
      const first = concat(core.encode(V4), ascii('hello'));
      const second = ascii(' world');
      const decoder = new core.ProxyProtocolDecoderStream();
      const out = await collect(source([first, second]).pipeThrough(decoder));
      expect(out.length === 2 && out[0].buffer === first.buffer && out[1] === second, 'chunks were copied');
    },
    'more payload than any queue holds, header awaited first (no deadlock)': async () => {
      const parts = [core.encode(V4), ...Array.from({ length: 40 }, () => new Uint8Array(1000))];
      const got = await streamed(core, parts);
      expect(got.startsWith('header {') && got.length > 80_000, got.slice(0, 80));
    },
    'strict without a header: ERR_PROXY_HEADER_MISSING on header and body': async () => {
      const decoder = new core.ProxyProtocolDecoderStream();
      const body = source([ascii('GET / HTTP/1.1\r\n\r\n')]).pipeThrough(decoder);
      expect(code(await rejection(decoder.header)) === 'ERR_PROXY_HEADER_MISSING', 'header');
      expect(code(await rejection(collect(body))) === 'ERR_PROXY_HEADER_MISSING', 'body');
    },
    'lenient: other bytes and signature prefixes pass through, byte for byte': async () => {
      for (const bytes of [ascii('GET /'), core.V1_SIGNATURE.subarray(0, 4), core.V2_SIGNATURE.subarray(0, 11), ascii('\r\n\r\nX')]) {
        for (let i = 1; i <= bytes.length; i++) {
          const got = await streamed(
            core,
            [bytes.subarray(0, i), bytes.subarray(i)].filter((p) => p.length > 0),
            { mode: 'lenient' },
          );
          expect(got === `header null payload ${hex(bytes)}`, `${hex(bytes)} cut at ${i}: ${got}`);
        }
      }
    },
    'the source fails mid-header: header and body reject with its reason': async () => {
      const reason = new Error('reset');
      const decoder = new core.ProxyProtocolDecoderStream();
      const body = source([core.encode(V4).subarray(0, 9)], reason).pipeThrough(decoder);
      expect((await rejection(decoder.header)) === reason, 'header');
      expect((await rejection(collect(body))) === reason, 'body');
    },
    'a cancel before the header rejects it and fails the writer': async () => {
      const reason = new Error('cancelled');
      const decoder = new core.ProxyProtocolDecoderStream();
      await decoder.readable.cancel(reason);
      expect((await rejection(decoder.header)) === reason, 'header');
      expect((await rejection(decoder.writable.getWriter().write(ascii('x')))) === reason, 'writer');
    },
    'an abort signal fails both sides with its reason': async () => {
      const controller = new AbortController();
      const decoder = new core.ProxyProtocolDecoderStream({ signal: controller.signal });
      controller.abort();
      expect((await rejection(decoder.header)) === controller.signal.reason, 'header');
      expect((await rejection(decoder.readable.getReader().read())) === controller.signal.reason, 'body');
    },
    'headerTimeout: ERR_PROXY_HEADER_TIMEOUT': async () => {
      const decoder = new core.ProxyProtocolDecoderStream({ headerTimeout: 5 });
      const writer = decoder.writable.getWriter();
      await writer.write(core.encode(V4).subarray(0, 3));
      expect(code(await rejection(decoder.header)) === 'ERR_PROXY_HEADER_TIMEOUT', 'header');
      expect(code(await rejection(decoder.readable.getReader().read())) === 'ERR_PROXY_HEADER_TIMEOUT', 'body');
    },
    'unknown option timeout: TypeError': async () => {
      let error;
      try {
        new core.ProxyProtocolDecoderStream({ timeout: 1 });
      } catch (e) {
        error = e;
      }
      expect(error instanceof TypeError, String(error));
    },
    'splitProxyHeader: a byte source stays one (BYOB reads), every split point; a default source keeps its chunks': async () => {
      const header = core.encode(WITH_TLVS);
      const payload = ascii('GET / HTTP/1.1\r\n\r\n');
      const bytes = concat(header, payload);
      for (let i = 1; i < bytes.length; i += 7) {
        const parts = [bytes.slice(0, i), bytes.slice(i)];
        const byteSource = new ReadableStream({
          type: 'bytes',
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        });
        const split = await core.splitProxyHeader(byteSource);
        expect(show(split.header) === show(core.decode(header).header), `header at ${i}`);
        const reader = split.readable.getReader({ mode: 'byob' });
        const got = [];
        for (;;) {
          const { done, value } = await reader.read(new Uint8Array(5));
          if (value?.length) got.push(value);
          if (done) break;
        }
        expect(hex(concat(...got)) === hex(payload), `payload at ${i}: ${hex(concat(...got))}`);
      }
      const second = ascii('b');
      const split = await core.splitProxyHeader(source([concat(header, ascii('a')), second]));
      const out = await collect(split.readable);
      expect(out.length === 2 && out[1] === second, 'default source: chunks were copied');
      expect(code(await rejection(core.splitProxyHeader(source([ascii('GET /')])))) === 'ERR_PROXY_HEADER_MISSING', 'strict');
    },
    'encoder stream: header first, then the chunks unchanged; round trip': async () => {
      const payload = ascii('hello');
      const out = await collect(source([payload]).pipeThrough(new core.ProxyProtocolEncoderStream(V4)));
      expect(out.length === 2 && hex(out[0]) === hex(core.encode(V4)) && out[1] === payload, 'encoder output');
      const decoder = new core.ProxyProtocolDecoderStream();
      const body = source([payload]).pipeThrough(new core.ProxyProtocolEncoderStream(V1)).pipeThrough(decoder);
      expect((await decoder.header).version === 1, 'round trip header');
      expect(hex(concat(...(await collect(body)))) === hex(payload), 'round trip payload');
    },
  };
}

export async function report(core, vectors) {
  const summary = { vectors: [], roundTrips: [] };
  for (const vector of vectors) {
    const bytes = unhex(vector.hex);
    summary.vectors.push({
      name: vector.name,
      decode: outcome(() => core.decode(bytes)),
      datagram: outcome(() => {
        const { header, payload } = core.decodeDatagram(bytes);
        return { status: 'complete', header, length: bytes.length - payload.length };
      }),
      strict: await streamed(core, chunks(bytes, 7)),
      lenient: await streamed(core, chunks(bytes, 5), { mode: 'lenient' }),
    });
  }
  const failures = [];
  for (const init of headers(200)) {
    const options = init.version === 2 ? { crc32c: true } : undefined;
    const bytes = core.encode(init, options);
    const length = core.encodingLength(init, options);
    const into = new Uint8Array(length + 3);
    const written = core.encodeInto(init, into, 3, options);
    const decoded = core.decode(bytes);
    if (length !== bytes.length || written !== length || hex(into.subarray(3)) !== hex(bytes)) {
      failures.push(`round trip: encode, encodeInto and encodingLength disagree for ${show(init)}`);
    }
    const again = decoded.status === 'complete' ? hex(core.encode(decoded.header, options)) : '';
    if (again !== hex(bytes)) failures.push(`round trip: encode(decode(bytes)) differs for ${show(init)}`);
    summary.roundTrips.push(`${hex(bytes)} ${outcome(() => decoded)}`);
  }
  for (const [name, check] of Object.entries(streamChecks(core))) {
    try {
      await check();
    } catch (error) {
      failures.push(`${name}: ${error?.message ?? error}`);
    }
  }
  return { summary, failures };
}
