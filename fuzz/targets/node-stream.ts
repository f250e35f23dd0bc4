/**
 * The Node stream integrations (`proxyproto/node`) driven in memory: ProxyProtocolDecoder and
 * readProxyHeader must end, fail and pass bytes on exactly as one-shot decode says.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import type { DecodeOptions, ProxyHeader } from '../../src/index.js';
import { decodeOptions } from '../../test/support/arbitraries.js';
import { ascii, concat, cut, hex, sameBytes } from '../../test/support/bytes.js';
import type { Core, NodeContext, NodeEntry } from '../context.js';
import { type Input, inputs } from '../inputs.js';
import { describeError, guarded, InvariantError, invariant, isLibraryError, normalizeHeader, sameHeader, show } from '../invariant.js';
import type { Mutation } from '../mutate.js';
import { asyncTarget, type FuzzTarget } from '../target.js';

type Mode = 'strict' | 'lenient';

/** What a stream reader must do with its whole input: { header } | { none } | { error code }. */
type Expected = { kind: 'header'; header: ProxyHeader; length: number } | { kind: 'none' } | { kind: 'error'; code: string };

/** One stream: the bytes, how they are cut and paced, and the reader's settings. */
export interface StreamCase {
  input: Uint8Array;
  chunks: Uint8Array[];
  mode: Mode;
  options: DecodeOptions | undefined;
  highWaterMark: number | undefined;
  /** Whether to wait a tick before each chunk (cycled). */
  pauses: boolean[];
  seed: number | undefined;
  mutations: Mutation[] | undefined;
}

/** Waits for `promise`, failing if it has not settled within `ms` (a stream that never ends). */
function settled<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InvariantError(`${what}: nothing happened within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A short prefix of a signature: what a lenient reader passes on when the stream ends there. */
function isShortSignaturePrefix(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x50) return bytes.length < 5;
  if (bytes[0] === 0x0d) return bytes.length < 12;
  return false;
}

/** The outcome one-shot decode predicts; `eofPassThrough`: a lenient reader passes a short signature prefix on at the end. */
function expectedOutcome(lib: Core, input: Uint8Array, options: DecodeOptions | undefined, lenient: boolean): Expected {
  const r = guarded(lib, 'decode', () => lib.decode(input, options));
  if (!r.ok) return { kind: 'error', code: r.error.code };
  const v = r.value;
  if (v.status === 'complete') return { kind: 'header', header: v.header, length: v.length };
  const missing: Expected = lenient ? { kind: 'none' } : { kind: 'error', code: 'ERR_PROXY_HEADER_MISSING' };
  if (v.status === 'none' || input.length === 0) return missing;
  // incomplete: the stream ends inside what could still be a header. Shorter than a signature,
  // those bytes are not a header, and every lenient reader passes them on.
  if (lenient && isShortSignaturePrefix(input)) return { kind: 'none' };
  return { kind: 'error', code: 'ERR_PROXY_HEADER_INCOMPLETE' };
}

function describeExpected(o: Expected): string {
  return o.kind === 'error' ? `error ${o.code}` : o.kind === 'header' ? `header (length ${o.length})` : 'none';
}

function checkErrorIsOurs(lib: Core, error: unknown, what: string): void {
  invariant(isLibraryError(lib, error), () => `${what}: a non-ProxyProtocolError reached 'error': ${describeError(error)}`);
}

/** The code of an error already checked to be ours. */
const codeOf = (error: unknown): string => (error as { code: string }).code;

/**
 * ProxyProtocolDecoder over the chunks: 'header' once, before any data, equal to decode's; the
 * output is exactly the bytes after the header (every byte, lenient without a header); only a
 * ProxyProtocolError reaches 'error', the one decode reports, and nothing is output before it.
 */
export async function checkStreamDecoder(lib: Core, node: NodeEntry, v: StreamCase): Promise<void> {
  const expected = expectedOutcome(lib, v.input, v.options, v.mode === 'lenient');
  const decoder = new node.ProxyProtocolDecoder({
    ...v.options,
    mode: v.mode,
    ...(v.highWaterMark === undefined ? {} : { highWaterMark: v.highWaterMark }),
  });
  const out: Uint8Array[] = [];
  const headers: { header: ProxyHeader | null; dataBefore: number }[] = [];
  let errors = 0;
  decoder.on('header', (header: ProxyHeader | null) => headers.push({ header, dataBefore: out.length }));
  decoder.on('data', (chunk: Uint8Array) => out.push(chunk));
  const ended = new Promise<{ error?: unknown }>((resolve) => {
    decoder.on('error', (error: unknown) => {
      errors++;
      resolve({ error });
    });
    decoder.on('end', () => resolve({}));
  });
  for (let i = 0; i < v.chunks.length; i++) {
    if (decoder.destroyed) break;
    if (v.pauses[i % v.pauses.length]) await tick();
    if (decoder.destroyed) break;
    decoder.write(v.chunks[i]);
  }
  if (!decoder.destroyed) decoder.end();
  const result = await settled(ended, 5000, 'ProxyProtocolDecoder');
  await tick();
  invariant(errors <= 1, `'error' emitted ${errors} times`);
  invariant(headers.length <= 1, `'header' emitted ${headers.length} times`);
  const output = concat(...out);
  if (result.error !== undefined) checkErrorIsOurs(lib, result.error, 'ProxyProtocolDecoder');
  if (expected.kind === 'error') {
    invariant(
      result.error !== undefined,
      () => `expected ${describeExpected(expected)}, the stream ended (${headers.length} header, ${output.length} bytes out)`,
    );
    invariant(codeOf(result.error) === expected.code, () => `expected ${expected.code}, got ${codeOf(result.error)}`);
    invariant(headers.length === 0 && output.length === 0, 'data or a header came out before the error');
    return;
  }
  invariant(result.error === undefined, () => `expected ${describeExpected(expected)}, got ${describeError(result.error)}`);
  const [first] = headers;
  invariant(first !== undefined, "'header' was not emitted");
  invariant(first.dataBefore === 0, "data came out before 'header'");
  if (expected.kind === 'header') {
    invariant(
      first.header !== null && sameHeader(first.header, expected.header),
      () => `header differs: ${show(first.header && normalizeHeader(first.header))}`,
    );
    invariant(decoder.header === first.header, 'decoder.header is not the emitted header');
    const payload = v.input.subarray(expected.length);
    invariant(sameBytes(output, payload), () => `payload differs: got ${hex(output)}, want ${hex(payload)}`);
  } else {
    invariant(first.header === null && decoder.header === null, 'lenient pass-through: the header is not null');
    invariant(sameBytes(output, v.input), () => `lenient pass-through is not byte-exact: got ${hex(output)}, want ${hex(v.input)}`);
  }
}

/**
 * readProxyHeader over an in-memory PassThrough: resolves with decode's header (or null, lenient)
 * or rejects with decode's code; whatever follows the header stays readable, byte for byte; no
 * listener of its own is left behind.
 */
export async function checkReadProxyHeader(lib: Core, node: NodeEntry, v: StreamCase): Promise<void> {
  const expected = expectedOutcome(lib, v.input, v.options, v.mode === 'lenient');
  const stream = new PassThrough();
  const events = ['readable', 'end', 'error', 'close', 'data'];
  const counts = () => events.map((e) => stream.listenerCount(e)).join(',');
  const before = counts();
  const reading = node.readProxyHeader(stream, { ...v.options, mode: v.mode }).then(
    (header) => ({ header, error: undefined }),
    (error: unknown) => ({ header: undefined, error }),
  );
  for (let i = 0; i < v.chunks.length; i++) {
    if (v.pauses[i % v.pauses.length]) await tick();
    stream.write(v.chunks[i]);
  }
  stream.end();
  const result = await settled(reading, 5000, 'readProxyHeader');
  invariant(counts() === before, () => `listeners left on the stream: ${counts()} (before ${before})`);
  if (result.error !== undefined) checkErrorIsOurs(lib, result.error, 'readProxyHeader');
  if (expected.kind === 'error') {
    invariant(
      result.error !== undefined,
      () => `expected ${describeExpected(expected)}, resolved with ${result.header === null ? 'null' : 'a header'}`,
    );
    invariant(codeOf(result.error) === expected.code, () => `expected ${expected.code}, got ${codeOf(result.error)}`);
    stream.destroy();
    return;
  }
  invariant(result.error === undefined, () => `expected ${describeExpected(expected)}, got ${describeError(result.error)}`);
  const rest: Uint8Array[] = [];
  stream.on('data', (chunk: Uint8Array) => rest.push(chunk));
  if (!stream.readableEnded) {
    await settled(
      new Promise((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
      }),
      5000,
      'reading the rest',
    );
  }
  const output = concat(...rest);
  if (expected.kind === 'header') {
    const header = result.header;
    invariant(header != null && sameHeader(header, expected.header), () => `header differs: ${show(header && normalizeHeader(header))}`);
    invariant(node.getProxyHeader(stream) === header, 'getProxyHeader does not return the header');
    const payload = v.input.subarray(expected.length);
    invariant(sameBytes(output, payload), () => `bytes after the header differ: got ${hex(output)}, want ${hex(payload)}`);
  } else {
    invariant(result.header === null, 'lenient: expected null');
    invariant(sameBytes(output, v.input), () => `lenient: bytes left on the stream differ: got ${hex(output)}, want ${hex(v.input)}`);
  }
}

export function nodeTargets(context: NodeContext): FuzzTarget[] {
  const { lib, node } = context;
  const the = inputs(context);
  const head = fc.oneof(
    { weight: 4, arbitrary: the.seed },
    { weight: 3, arbitrary: the.mutated },
    { weight: 2, arbitrary: the.raw },
    // Short inputs: empty, prefixes of a signature, a byte that is not one.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', 'P', 'PRO', 'PROXY', 'PROXY ', '\r\n', '\r\n\r\n\0\r\nQUI', 'G', 'GET / HTTP/1.1\r\n')
        .map((s): Input => ({ input: ascii(s), options: undefined })),
    },
  );
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ minLength: 200, maxLength: 2000 }),
  );
  const arbitrary: fc.Arbitrary<StreamCase> = fc
    .record({
      h: head,
      payload,
      mode: fc.constantFrom<Mode>('strict', 'lenient'),
      options: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: decodeOptions }),
      cuts: fc.oneof(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), fc.constant('bytes' as const)),
      pauses: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      highWaterMark: fc.constantFrom(undefined, 1, 16),
    })
    .map(({ h, payload, mode, options, cuts, pauses, highWaterMark }) => {
      const input = concat(h.input, payload);
      // 'bytes': one byte per chunk, for inputs short enough to keep the run cheap.
      const n = input.length;
      const fractions =
        cuts === 'bytes' ? (n <= 300 ? Array.from({ length: Math.max(0, n - 1) }, (_, k) => (k + 1.5) / (n + 1)) : [0.5]) : cuts;
      return { input, chunks: cut(input, fractions), mode, options, highWaterMark, pauses, seed: h.seed, mutations: h.mutations };
    });
  const describe = (v: StreamCase) =>
    `mode=${v.mode} options=${show(v.options)} highWaterMark=${v.highWaterMark} pauses=${show(v.pauses)}\ninput=${hex(v.input)}` +
    (v.seed === undefined ? '' : `\nseed input=${the.seeds[v.seed]?.name} mutations=${show(v.mutations)}`) +
    `\nchunks=${v.chunks.map(hex).join(' | ')}`;
  return [
    asyncTarget({ name: 'stream-decoder', arbitrary, check: (v) => checkStreamDecoder(lib, node, v), describe }),
    asyncTarget({ name: 'read-proxy-header', arbitrary, check: (v) => checkReadProxyHeader(lib, node, v), describe }),
  ];
}
