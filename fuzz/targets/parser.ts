/** HeaderParser over chunks: the same answers as one-shot decode, whatever the chunking, and no more memory than arrived. */
import fc from 'fast-check';
import type { DecodeOptions, HeaderParser, ParseStep } from '../../src/index.js';
import { ascii, concat, cut, hex, sameBytes, unhex } from '../../test/support/bytes.js';
import { V2_SIGNATURE } from '../../test/support/malformed.js';
import type { Context, Core } from '../context.js';
import { type Input, inputs } from '../inputs.js';
import { guarded, invariant, normalizeHeader, sameHeader, show, summary } from '../invariant.js';
import { type FuzzTarget, target } from '../target.js';

/** What pushing a sequence of chunks led to. */
type Fed =
  | { kind: 'complete'; step: Extract<ParseStep, { status: 'complete' }>; after: Uint8Array[]; bufferedAfter: number }
  | { kind: 'none'; step: Extract<ParseStep, { status: 'none' }>; pushed: number; bufferedAfter: number }
  | { kind: 'error'; code: string }
  | { kind: 'incomplete' };

/** Pushes `chunks` into `parser` until it reports a header, none or an error. */
function feed(lib: Core, parser: HeaderParser, chunks: readonly Uint8Array[]): Fed {
  let pushed = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i] as Uint8Array;
    const r = guarded(lib, 'parser.push', () => parser.push(chunk));
    if (!r.ok) return { kind: 'error', code: r.error.code };
    pushed += chunk.length;
    const step = r.value;
    if (step.status === 'complete') return { kind: 'complete', step, after: chunks.slice(i + 1), bufferedAfter: parser.bufferedLength };
    if (step.status === 'none') return { kind: 'none', step, pushed, bufferedAfter: parser.bufferedLength };
    invariant(parser.bufferedLength === pushed, () => `bufferedLength ${parser.bufferedLength} after ${pushed} bytes pushed`);
  }
  return { kind: 'incomplete' };
}

const VALID_V2 = unhex('0d0a0d0a000d0a515549540a211100110102030405060708005001bb0200026162');
const VALID_V1 = ascii('PROXY UNKNOWN\r\nxyz');

/**
 * The parser agrees with one-shot decode for any chunking: same status, header, length and error
 * code; `rest` and the later chunks are exactly the payload; `none` hands back every byte; nothing
 * stays buffered after a result; and the same instance then decodes a valid header.
 */
export function checkChunking(
  lib: Core,
  input: Uint8Array,
  fractions: readonly number[],
  options?: DecodeOptions,
  parser: HeaderParser = new lib.HeaderParser(options),
): Fed {
  const oneShot = guarded(lib, 'decode', () => lib.decode(input, options));
  const got = feed(lib, parser, cut(input, fractions));
  const expected = oneShot.ok ? oneShot.value.status : 'error';
  invariant(
    got.kind === expected,
    () => `chunked: ${got.kind}${got.kind === 'error' ? ` ${got.code}` : ''}, one-shot: ${summary(oneShot)}`,
  );
  if (got.kind === 'error' && !oneShot.ok) {
    invariant(got.code === oneShot.error.code, () => `chunked error ${got.code}, one-shot error ${oneShot.error.code}`);
    invariant(parser.bufferedLength === 0, 'parser keeps bytes after an error');
  } else if (got.kind === 'complete' && oneShot.ok && oneShot.value.status === 'complete') {
    const { step } = got;
    const want = oneShot.value;
    invariant(step.length === want.length, () => `chunked length ${step.length}, one-shot ${want.length}`);
    invariant(sameHeader(step.header, want.header), () => `chunked header differs: ${show(normalizeHeader(step.header))}`);
    const payload = concat(step.rest, ...got.after);
    invariant(sameBytes(payload, input.subarray(step.length)), () => `rest + later chunks (${hex(payload)}) differ from the payload`);
    invariant(got.bufferedAfter === 0, 'parser keeps bytes after a header');
  } else if (got.kind === 'none') {
    invariant(sameBytes(got.step.data, input.subarray(0, got.pushed)), 'none: data is not every byte pushed');
    invariant(got.bufferedAfter === 0, 'parser keeps bytes after none');
  } else if (got.kind === 'incomplete') {
    invariant(parser.bufferedLength === input.length, 'incomplete: not every byte is buffered');
    const end = guarded(lib, 'parser.end', () => parser.end());
    if (input.length > 0) {
      invariant(!end.ok && end.error.code === 'ERR_PROXY_HEADER_INCOMPLETE', 'end() after a partial header does not throw INCOMPLETE');
    } else {
      invariant(end.ok, 'end() with nothing buffered throws');
    }
    invariant(parser.bufferedLength === 0, 'parser keeps bytes after end()');
  }
  // Whatever came before, the same instance still decodes a valid header (one without a CRC32C,
  // unless the options require it).
  const versions = options?.crc32c === 'require' ? [] : (options?.versions ?? [1, 2]);
  const room = options?.maxHeaderLength ?? 65551;
  const valid = versions.includes(2) && room >= VALID_V2.length ? VALID_V2 : versions.includes(1) && room >= 16 ? VALID_V1 : undefined;
  if (valid !== undefined) {
    const after = feed(lib, parser, cut(valid, [0.3, 0.5]));
    invariant(after.kind === 'complete', () => `the parser no longer decodes a valid header after that input: ${after.kind}`);
  }
  return got;
}

/**
 * Declared lengths are never allocated ahead of the bytes: a v2 fixed part announcing `declared`
 * bytes, fed `fed` bytes of it one byte at a time, leaves exactly the pushed bytes buffered. With
 * `measureMemory`, less than 32 KiB of ArrayBuffer memory appears after the fixed part. Returns
 * how the feeding ended: a refusal skips the checks after it, so a caller may need to rule it out.
 */
function checkNoEagerAllocation(
  lib: Core,
  famByte: number,
  declared: number,
  fed: number,
  measureMemory = false,
): 'refused' | ParseStep['status'] {
  const parser = new lib.HeaderParser();
  const fixed = concat(V2_SIGNATURE, Uint8Array.of(0x21, famByte, declared >>> 8, declared & 0xff));
  const one = new Uint8Array(1);
  const before = measureMemory ? process.memoryUsage().arrayBuffers : 0;
  const total = 16 + declared;
  let pushed = 0;
  const push = (byte: number) => {
    one[0] = byte;
    pushed++;
    return guarded(lib, 'parser.push', () => parser.push(one));
  };
  let status: ParseStep['status'] = 'incomplete';
  for (const byte of fixed) {
    const step = push(byte);
    if (!step.ok) return 'refused'; // an invalid family/length pair: rejected, nothing buffered
    status = step.value.status;
    invariant(step.value.status === 'incomplete' || pushed === total, () => `status ${step.value.status} after ${pushed} bytes`);
    const expected = step.value.status === 'incomplete' ? pushed : 0;
    invariant(parser.bufferedLength === expected, () => `bufferedLength ${parser.bufferedLength} after ${pushed} bytes`);
  }
  if (measureMemory) {
    const grown = process.memoryUsage().arrayBuffers - before;
    invariant(grown < 32 * 1024, () => `${grown} bytes of ArrayBuffer allocated after the 16-byte fixed part declaring ${declared}`);
  }
  const stop = Math.min(total, 16 + fed);
  while (pushed < stop) {
    const step = push(0);
    if (!step.ok) return 'refused'; // zero bytes may be invalid TLVs or addresses once complete
    status = step.value.status;
    if (pushed < total) {
      invariant(step.value.status === 'incomplete', () => `status ${step.value.status} after ${pushed} of ${total} bytes`);
      invariant(parser.bufferedLength === pushed, () => `bufferedLength ${parser.bufferedLength} after ${pushed} bytes pushed`);
    } else {
      invariant(step.value.status === 'complete' && step.value.length === total, () => `status ${step.value.status} at the last byte`);
    }
  }
  return status;
}

/**
 * The fixed check run before any search: the largest TCP4 header (65535 bytes declared, zero TLVs)
 * fed byte by byte, memory measured. It must complete: refused, it would skip every check above.
 */
export function checkLargestHeaderBytewise(lib: Core): void {
  const end = checkNoEagerAllocation(lib, 0x11, 0xffff, 0xffff, true);
  invariant(end === 'complete', () => `a fixed part declaring 65535 bytes, fed byte by byte, ends ${end}, not complete`);
}

const cuts = (maxLength: number) => fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength });
const chunks = (v: Input, fractions: readonly number[]) => cut(v.input, fractions).map(hex).join(' | ');

export function parserTargets(context: Context): FuzzTarget[] {
  const { lib } = context;
  const the = inputs(context);
  return [
    target({
      name: 'parser-chunking',
      arbitrary: fc.record({ v: fc.oneof(the.mutated, the.withPayload, the.seed), cuts: cuts(12) }),
      check: ({ v, cuts }) => void checkChunking(lib, v.input, cuts, v.options),
      describe: ({ v, cuts }) => `${the.describe(v)}\nchunks=${chunks(v, cuts)}`,
    }),
    target({
      name: 'parser-reuse',
      // One parser instance across a sequence of inputs, good and bad.
      arbitrary: fc.array(fc.record({ v: fc.oneof(the.mutated, the.raw), cuts: cuts(4) }), { minLength: 1, maxLength: 6 }),
      check: (sequence) => {
        const parser = new lib.HeaderParser();
        for (const { v, cuts } of sequence) {
          if (checkChunking(lib, v.input, cuts, undefined, parser).kind === 'incomplete') parser.reset();
        }
      },
      describe: (sequence) => sequence.map(({ v, cuts }) => `input=${hex(v.input)} chunks=${chunks(v, cuts)}`).join('\n'),
    }),
    target({
      name: 'parser-no-eager-allocation',
      arbitrary: fc.record({
        famByte: fc.constantFrom(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32),
        // Lengths within `fed`'s reach as well, so that headers also complete (at their last byte).
        declared: fc.oneof(fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 600 })),
        fed: fc.integer({ min: 0, max: 600 }),
      }),
      check: ({ famByte, declared, fed }) => checkNoEagerAllocation(lib, famByte, declared, fed),
      describe: (v) => show(v),
    }),
  ];
}
