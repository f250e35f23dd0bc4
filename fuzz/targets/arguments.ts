/**
 * Wrong arguments to every entry point: a wrong type is a TypeError, an impossible value a
 * RangeError or a ProxyProtocolError, an unknown option key a TypeError; never an internal error
 * from the engine, and never a silent guess.
 */
import fc from 'fast-check';
import { decodeOptions, headerInit } from '../../test/support/arbitraries.js';
import { junk, rawBytes } from '../../test/support/malformed.js';
import type { Context, Core } from '../context.js';
import { attempt, invariant, show } from '../invariant.js';
import { type FuzzTarget, target } from '../target.js';

/** How a call ended: `ok`, a ProxyProtocolError's code, or `TypeError` / `RangeError`. */
function outcome(lib: Core, what: string, fn: () => unknown): string {
  const r = attempt(lib, what, fn);
  return r.ok ? 'ok' : r.refusal;
}

/** Not bytes, and nothing a caller could mean as bytes. */
const notBytes = fc.constantFrom<unknown>(undefined, null, '', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 0, 42, true, {}, { length: 16 });

/** Keys a header init may have. */
const INIT_KEYS = new Set(['version', 'command', 'family', 'transport', 'source', 'destination', 'tlvs']);

export function argumentTargets({ lib }: Context): FuzzTarget[] {
  return [
    target({
      name: 'arguments-decode',
      arbitrary: fc.record({
        input: fc.oneof(notBytes, rawBytes),
        options: fc.oneof(
          decodeOptions,
          junk,
          fc.tuple(decodeOptions, fc.string({ maxLength: 12 }), junk).map(([o, k, v]) => ({ ...o, [k]: v })),
        ),
      }),
      check: ({ input, options }) => {
        const bytes = input as Uint8Array;
        const decoded = outcome(lib, 'decode', () => lib.decode(bytes, options as never));
        const datagram = outcome(lib, 'decodeDatagram', () => lib.decodeDatagram(bytes, options as never));
        const parsed = outcome(lib, 'HeaderParser', () => new lib.HeaderParser(options as never).push(bytes));
        if (!(input instanceof Uint8Array)) {
          for (const [what, got] of [
            ['decode', decoded],
            ['decodeDatagram', datagram],
            ['HeaderParser.push', parsed],
          ] as const) {
            invariant(got === 'TypeError' || got === 'RangeError', () => `${what} of ${show(input)} gives ${got}, not a TypeError`);
          }
        }
      },
      describe: (v) => `input=${show(v.input)}\noptions=${show(v.options)}`,
    }),
    target({
      name: 'arguments-encode',
      arbitrary: fc.oneof(
        fc.record({ init: fc.oneof(notBytes, junk), key: fc.constant(undefined) }),
        // A valid init with a key added: an unknown key is refused, a known one may be wrong.
        fc
          .tuple(
            headerInit,
            fc.oneof(fc.constantFrom('version', 'sourceAddress', 'tlv', 'port', 'remoteAddress'), fc.string({ maxLength: 8 })),
            junk,
          )
          .map(([init, key, value]) => ({ init: { ...init, [key]: value } as unknown, key })),
        // A wrong version, as a number or a string.
        fc
          .tuple(headerInit, fc.constantFrom<unknown>(0, 3, -1, 1.5, '1', '2', null, Number.NaN))
          .map(([init, version]) => ({ init: { ...init, version } as unknown, key: 'version' })),
      ),
      check: ({ init, key }) => {
        const encoded = outcome(lib, 'encode', () => lib.encode(init as never));
        const length = outcome(lib, 'encodingLength', () => lib.encodingLength(init as never));
        invariant(encoded === length, () => `encode gives ${encoded}, encodingLength ${length}`);
        if (typeof init !== 'object' || init === null) {
          invariant(encoded === 'TypeError', () => `encode(${show(init)}) gives ${encoded}, not a TypeError`);
        } else if (key !== undefined && !INIT_KEYS.has(key)) {
          invariant(encoded === 'TypeError', () => `encode with the unknown key ${show(key)} gives ${encoded}, not a TypeError`);
        } else if (key === 'version') {
          const { version } = init as { version: unknown };
          if (version !== undefined && version !== 1 && version !== 2)
            invariant(encoded !== 'ok', () => `encode with version ${show(version)} succeeds`);
        }
      },
      describe: (v) => `init=${show(v.init)}`,
    }),
  ];
}
