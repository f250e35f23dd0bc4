/** encode, encodeInto and encodingLength: they agree, and decode gives back what was encoded. */
import fc from 'fast-check';
import type { EncodeOptions, ProxyHeader, ProxyHeaderInit } from '../../src/index.js';
import { type HeaderCase, headerCase } from '../../test/support/arbitraries.js';
import { hex, sameBytes } from '../../test/support/bytes.js';
import { anyEncodeOptions, anyInit } from '../../test/support/malformed.js';
import type { Context, Core } from '../context.js';
import { attempt, guarded, invariant, normalizeHeader, sameHeader, show, summary } from '../invariant.js';
import { type FuzzTarget, target } from '../target.js';

/**
 * The encoder invariants for any init: encodingLength refuses exactly what encode refuses;
 * otherwise it is the number of bytes encode writes, encodeInto writes the same bytes at an offset
 * and nothing around them, decode accepts them whole, and the decoded header encodes to the same
 * bytes again (a LOCAL header to the same header: its addresses are not kept). Returns the
 * decoded header.
 */
export function checkEncode(lib: Core, init: unknown, options?: unknown): ProxyHeader | undefined {
  const i = init as ProxyHeaderInit;
  const o = options as EncodeOptions | undefined;
  const r = attempt(lib, 'encode', () => lib.encode(i, o));
  const length = attempt(lib, 'encodingLength', () => lib.encodingLength(i, o));
  if (!r.ok) {
    invariant(!length.ok && length.refusal === r.refusal, () => `encode refuses (${r.refusal}) but encodingLength gives ${show(length)}`);
    return undefined;
  }
  const bytes = r.value;
  invariant(bytes instanceof Uint8Array, 'encode did not return a Uint8Array');
  invariant(
    length.ok && length.value === bytes.length,
    () => `encodingLength gives ${show(length)} but encode wrote ${bytes.length} bytes`,
  );
  const target = new Uint8Array(bytes.length + 7).fill(0xaa);
  const into = attempt(lib, 'encodeInto', () => lib.encodeInto(i, target, 5, o));
  invariant(into.ok && into.value === bytes.length, () => `encodeInto gives ${show(into)}`);
  invariant(sameBytes(target.subarray(5, 5 + bytes.length), bytes), 'encodeInto wrote different bytes');
  invariant(target[4] === 0xaa && target[5 + bytes.length] === 0xaa, 'encodeInto wrote outside its range');

  const d = guarded(lib, 'decode(encode(init))', () => lib.decode(bytes));
  invariant(d.ok, () => `decode rejects what encode produced: ${d.ok ? '' : `${d.error.code}: ${d.error.message}`} (bytes ${hex(bytes)})`);
  invariant(
    d.value.status === 'complete' && d.value.length === bytes.length,
    () => `decode(encode(init)) gives ${summary(d)} for ${bytes.length} bytes`,
  );
  const header = d.value.header;
  // The decoded header carries any CRC32C and NOOP pad TLV the options added, so it needs no options.
  const again = guarded(lib, 'encode(decode(encode(init)))', () => lib.encode(header));
  if (header.command === 'local') {
    // A receiver ignores a LOCAL header's addresses, and decode drops them: the header, not the
    // address block, must come back (with a CRC32C recomputed over the zeroed block).
    const back = again.ok ? guarded(lib, 'decode(encode(decoded LOCAL header))', () => lib.decode(again.value)) : undefined;
    invariant(
      back?.ok === true && back.value.status === 'complete' && sameHeader(withoutCrcValue(back.value.header), withoutCrcValue(header)),
      () => `the decoded LOCAL header does not survive encode: ${again.ok ? hex(again.value) : again.error.code}`,
    );
    return header;
  }
  invariant(
    again.ok && sameBytes(again.value, bytes),
    () => `the decoded header encodes to ${again.ok ? hex(again.value) : again.error.code}, the init to ${hex(bytes)}`,
  );
  return header;
}

/** `header` with the value of any CRC32C TLV zeroed: encode computes it, from the bytes it writes. */
function withoutCrcValue(header: ProxyHeader): ProxyHeader {
  return { ...header, tlvs: header.tlvs.map((t) => (t.type === 0x03 ? { type: t.type, value: new Uint8Array(t.value.length) } : t)) };
}

/** `header` without the TLVs that the options added: a CRC32C first, a NOOP pad last. */
function withoutAddedTlvs(header: ProxyHeader, crc32c: boolean, padded: boolean): ProxyHeader {
  let tlvs = header.tlvs;
  if (crc32c) {
    invariant(tlvs[0]?.type === 0x03 && tlvs[0].value.length === 4, 'the crc32c option did not put a CRC32C TLV first');
    tlvs = tlvs.slice(1);
  }
  if (padded) {
    invariant(tlvs.at(-1)?.type === 0x04, 'padTo did not append a NOOP TLV');
    tlvs = tlvs.slice(0, -1);
  }
  return { ...header, tlvs };
}

/** A valid case, and for v2 the options to encode it with (`pad`: bytes to pad by, 3 or more). */
interface EncodeCase {
  c: HeaderCase;
  crc32c: boolean | undefined;
  pad: number | undefined;
}

function optionsFor(lib: Core, { c, crc32c, pad }: EncodeCase): EncodeOptions | undefined {
  if (c.header.version === 1 || (crc32c === undefined && pad === undefined)) return undefined;
  const options: EncodeOptions = crc32c === undefined ? {} : { crc32c };
  if (pad !== undefined) options.padTo = lib.encodingLength(c.init, options) + pad;
  return options;
}

export function encodeTargets({ lib }: Context): FuzzTarget[] {
  const valid: fc.Arbitrary<EncodeCase> = fc.record({
    c: headerCase,
    crc32c: fc.option(fc.boolean(), { nil: undefined }),
    pad: fc.option(fc.integer({ min: 3, max: 200 }), { nil: undefined }),
  });
  return [
    target({
      name: 'encode-valid',
      arbitrary: valid,
      check: (v) => {
        const options = optionsFor(lib, v);
        const header = checkEncode(lib, v.c.init, options);
        invariant(header !== undefined, () => 'encode refuses a valid init');
        const got = withoutAddedTlvs(header, options?.crc32c === true, options?.padTo !== undefined);
        invariant(sameHeader(got, v.c.header), () => `decode(encode(init)) is ${show(normalizeHeader(got))}`);
      },
      describe: (v) => `init=${show(v.c.init)}\noptions=${show(optionsFor(lib, v))}\nexpected=${show(normalizeHeader(v.c.header))}`,
    }),
    target({
      name: 'encode-invalid',
      arbitrary: fc.record({ init: anyInit, options: anyEncodeOptions }),
      check: ({ init, options }) => void checkEncode(lib, init, options),
      describe: (v) => `init=${show(v.init)}\noptions=${show(v.options)}`,
    }),
  ];
}
