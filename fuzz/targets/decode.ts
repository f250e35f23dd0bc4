/** One-shot decode of raw and mutated bytes: what it reports must not depend on what follows. */
import fc from 'fast-check';
import type { DecodeOptions, DecodeResult, ProxyHeader } from '../../src/index.js';
import { concat, hex, sameBytes } from '../../test/support/bytes.js';
import type { Context, Core } from '../context.js';
import { inputs } from '../inputs.js';
import { guarded, invariant, normalizeHeader, type Outcome, sameDecodeResult, sameHeader, show, summary } from '../invariant.js';
import { type FuzzTarget, target } from '../target.js';

const DEFAULT_EXTRA = Uint8Array.of(0x50, 0x0d, 0x0a, 0x00, 0xff);

/**
 * The decode invariants for one input: only ProxyProtocolError escapes; a complete header's
 * length is within the input, the limit and the version's bounds; the header bytes alone, or
 * followed by anything, decode the same; every strict prefix is incomplete; none and errors stay
 * what they are when more bytes follow; a decoded header re-encodes to bytes decode accepts.
 */
export function checkDecode(lib: Core, input: Uint8Array, options?: DecodeOptions, extra = DEFAULT_EXTRA): Outcome<DecodeResult> {
  const r = guarded(lib, 'decode', () => lib.decode(input, options));
  const max = options?.maxHeaderLength ?? 65551;
  if (r.ok && r.value.status === 'complete') {
    const { header, length } = r.value;
    invariant(Number.isInteger(length) && length > 0 && length <= input.length, `length ${length} outside 1..${input.length}`);
    invariant(length <= max, `length ${length} exceeds maxHeaderLength ${max}`);
    invariant(header.version === 1 ? length >= 15 && length <= 107 : length >= 16, `length ${length} impossible for v${header.version}`);
    const alone = guarded(lib, 'decode(header only)', () => lib.decode(input.slice(0, length), options));
    invariant(sameDecodeResult(r, alone), () => `header bytes alone give ${summary(alone)}, whole input gives ${summary(r)}`);
    const longer = guarded(lib, 'decode(input + extra)', () => lib.decode(concat(input.subarray(0, length), extra), options));
    invariant(sameDecodeResult(r, longer), () => `appending bytes changes the result: ${summary(longer)}`);
    for (let k = 0; k < length; k++) {
      const p = guarded(lib, `decode(prefix ${k})`, () => lib.decode(input.subarray(0, k), options));
      invariant(p.ok && p.value.status === 'incomplete', () => `prefix of ${k} bytes of a complete header gives ${summary(p)}`);
    }
    checkReencode(lib, input.subarray(0, length), header, options);
    return r;
  }
  const longer = guarded(lib, 'decode(input + extra)', () => lib.decode(concat(input, extra), options));
  if (!r.ok) {
    invariant(
      !longer.ok && longer.error.code === r.error.code,
      () => `error ${r.error.code} becomes ${summary(longer)} once more bytes follow`,
    );
    invariant(r.error.name === 'ProxyProtocolError', 'the error is not named ProxyProtocolError');
    const offset = r.error.offset;
    invariant(
      offset === undefined || (Number.isInteger(offset) && offset >= 0 && offset <= input.length),
      () => `error offset ${offset} outside the input`,
    );
  } else if (r.value.status === 'none') {
    invariant(input.length > 0, 'none for empty input');
    invariant(longer.ok && longer.value.status === 'none', () => `none becomes ${summary(longer)} once more bytes follow`);
  }
  return r;
}

/**
 * A decoded header re-encodes to bytes that decode to the same header; a header that is already
 * canonical takes as many bytes again, and the same bytes where encode writes the same family byte.
 */
function checkReencode(lib: Core, headerBytes: Uint8Array, header: ProxyHeader, options: DecodeOptions | undefined): void {
  // Only a decoder allowing longer UNIQUE_IDs than the spec accepts what encode refuses.
  const defaults = (options?.maxUniqueIdLength ?? 128) <= 128;
  const re = guarded(lib, 'encode(decoded header)', () => lib.encode(header));
  if (!re.ok) {
    invariant(!defaults, () => `encode rejects a header decode accepted: ${re.error.code} ${re.error.message}`);
    return;
  }
  const bytes = re.value;
  const back = guarded(lib, 'decode(encode(decoded header))', () => lib.decode(bytes));
  invariant(
    back.ok && back.value.status === 'complete' && back.value.length === bytes.length,
    () => `decode(encode(header)) gives ${summary(back)}`,
  );
  const again = back.value.header;
  if (header.version === 1) {
    invariant(sameHeader(header, again), () => `v1 header changes through encode: ${show(normalizeHeader(again))}`);
    return;
  }
  // Decoded without checking the CRC32C, a header may carry a wrong one, which encode corrects.
  const crcKept = verifiesCrc(options) || !header.tlvs.some((t) => t.type === 0x03);
  // A LOCAL header may leave out its address block on the wire; encode always writes it, zeroed.
  const blockOptional = header.command === 'local' && header.family !== 'unspec';
  if (!sameHeader(header, again) || !crcKept || blockOptional) return;
  invariant(
    bytes.length === headerBytes.length,
    () => `canonical header re-encodes to ${bytes.length} bytes, decoded from ${headerBytes.length}`,
  );
  // UNIX paths end at their first NUL: the bytes after it are not kept.
  if (bytes[13] === headerBytes[13] && header.family !== 'unix') {
    invariant(sameBytes(bytes, headerBytes), () => `canonical header re-encodes to different bytes: ${hex(bytes)}`);
  }
}

function verifiesCrc(options: DecodeOptions | undefined): boolean {
  return options?.crc32c !== 'ignore';
}

export function decodeTargets(context: Context): FuzzTarget[] {
  const { lib } = context;
  const the = inputs(context);
  const extra = fc.uint8Array({ minLength: 1, maxLength: 20 });
  return [
    target({
      name: 'decode-raw',
      arbitrary: fc.record({ v: the.raw, extra }),
      check: ({ v, extra }) => void checkDecode(lib, v.input, v.options, extra),
      describe: ({ v, extra }) => `${the.describe(v)}\nextra=${hex(extra)}`,
    }),
    target({
      name: 'decode-corpus-mutations',
      arbitrary: fc.record({ v: the.mutated, extra }),
      check: ({ v, extra }) => void checkDecode(lib, v.input, v.options, extra),
      describe: ({ v, extra }) => `${the.describe(v)}\nextra=${hex(extra)}`,
    }),
  ];
}
