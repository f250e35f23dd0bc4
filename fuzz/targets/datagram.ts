/** The datagram pair: a v2 header per message, decoded whole, the payload handed back untouched. */
import fc from 'fast-check';
import { v1Case, v2Case } from '../../test/support/arbitraries.js';
import { concat, hex, sameBytes } from '../../test/support/bytes.js';
import type { Context, Core } from '../context.js';
import { type Input, inputs } from '../inputs.js';
import { attempt, guarded, invariant, normalizeHeader, sameHeader, show, summary } from '../invariant.js';
import { type FuzzTarget, target } from '../target.js';

/**
 * decodeDatagram agrees with decode limited to v2 on any message: a complete header gives the
 * same header and the rest as payload; anything else is refused with a ProxyProtocolError (`none`
 * and `incomplete` as MISSING and INCOMPLETE, a decode error with its own code).
 */
export function checkDecodeDatagram(lib: Core, { input, options }: Input): void {
  const got = guarded(lib, 'decodeDatagram', () => lib.decodeDatagram(input, options));
  const v2only = (options?.versions ?? [1, 2]).filter((v) => v === 2);
  if (v2only.length === 0) {
    invariant(!got.ok, 'decodeDatagram accepts a header although only v1 is allowed');
    return;
  }
  const one = guarded(lib, 'decode', () => lib.decode(input, { ...options, versions: v2only }));
  if (!one.ok) {
    invariant(
      !got.ok && got.error.code === one.error.code,
      () => `decode throws ${one.error.code}, decodeDatagram ${show(got.ok || got.error.code)}`,
    );
    return;
  }
  const r = one.value;
  if (r.status === 'complete') {
    invariant(got.ok, () => `decode gives a v2 header, decodeDatagram throws ${got.ok ? '' : got.error.code}`);
    invariant(sameHeader(got.value.header, r.header), () => `decodeDatagram header differs: ${show(normalizeHeader(got.value.header))}`);
    invariant(sameBytes(got.value.payload, input.subarray(r.length)), () => `payload differs: ${hex(got.value.payload)}`);
    return;
  }
  invariant(!got.ok, () => `decode gives ${summary(one)}, decodeDatagram accepts it`);
  if (r.status === 'none') invariant(got.error.code === 'ERR_PROXY_HEADER_MISSING', () => `none, decodeDatagram throws ${got.error.code}`);
  if (r.status === 'incomplete') {
    invariant(got.error.code === 'ERR_PROXY_HEADER_INCOMPLETE', () => `incomplete, decodeDatagram throws ${got.error.code}`);
  }
}

export function datagramTargets(context: Context): FuzzTarget[] {
  const { lib } = context;
  const the = inputs(context);
  return [
    target({
      name: 'datagram-round-trip',
      arbitrary: fc.record({ c: v2Case, payload: fc.uint8Array({ maxLength: 100 }) }),
      check: ({ c, payload }) => {
        const message = guarded(lib, 'encodeDatagram', () => lib.encodeDatagram(c.init, payload));
        invariant(message.ok, () => `encodeDatagram refuses a valid init: ${message.ok ? '' : message.error.code}`);
        invariant(sameBytes(message.value, concat(lib.encode(c.init), payload)), 'the datagram is not the header then the payload');
        const got = guarded(lib, 'decodeDatagram', () => lib.decodeDatagram(message.value));
        invariant(got.ok, () => `decodeDatagram refuses what encodeDatagram wrote: ${got.ok ? '' : got.error.code}`);
        invariant(sameHeader(got.value.header, c.header), () => `header differs: ${show(normalizeHeader(got.value.header))}`);
        invariant(sameBytes(got.value.payload, payload), () => `payload differs: ${hex(got.value.payload)}`);
      },
      describe: (v) => `init=${show(v.c.init)}\npayload=${hex(v.payload)}`,
    }),
    target({
      name: 'datagram-v1-refused',
      arbitrary: v1Case,
      check: (c) => {
        const r = attempt(lib, 'encodeDatagram', () => lib.encodeDatagram(c.init, new Uint8Array(0)));
        invariant(!r.ok, 'encodeDatagram writes a v1 header, which a datagram cannot carry');
      },
      describe: (c) => `init=${show(c.init)}`,
    }),
    target({
      name: 'datagram-decode',
      arbitrary: fc.oneof(
        the.mutated,
        the.withPayload,
        // A v1 header, which a datagram cannot carry, with or without a payload.
        fc.record({ c: v1Case, payload: fc.uint8Array({ maxLength: 20 }) }).map(
          ({ c, payload }): Input => ({
            input: concat(lib.encode(c.init), payload),
            options: undefined,
          }),
        ),
      ),
      check: (v) => checkDecodeDatagram(lib, v),
      describe: the.describe,
    }),
  ];
}
