/**
 * The inputs the decoding targets share: corpus seeds as they are, mutated, or followed by a
 * payload, and raw bytes; each remembers where it came from for the failure report.
 */
import fc from 'fast-check';
import type { DecodeOptions } from '../src/index.js';
import { decodeOptions } from '../test/support/arbitraries.js';
import { concat, hex } from '../test/support/bytes.js';
import { rawBytes } from '../test/support/malformed.js';
import type { Context, Seed } from './context.js';
import { show } from './invariant.js';
import { fixCrc, type Mutation, mutate, mutation } from './mutate.js';

/** An input to decode and the options to decode it with; `seed` and `mutations` say how it was made. */
export interface Input {
  input: Uint8Array;
  options: DecodeOptions | undefined;
  seed?: number;
  mutations?: Mutation[];
}

export interface Inputs {
  seeds: readonly Seed[];
  /** An index into `seeds`. */
  seedIndex: fc.Arbitrary<number>;
  /** A corpus input, unchanged. */
  seed: fc.Arbitrary<Input>;
  /** A corpus input with one to five mutations, its CRC32C sometimes fixed up. */
  mutated: fc.Arbitrary<Input>;
  /** Raw bytes. */
  raw: fc.Arbitrary<Input>;
  /** A mutated or raw input followed by up to 40 bytes of payload. */
  withPayload: fc.Arbitrary<Input>;
  describe(input: Input): string;
}

export function inputs({ lib, corpus }: Context): Inputs {
  // Besides the corpus: the largest v2 header there can be (65551 bytes, a CRC32C and one big TLV).
  const largest = lib.encode(
    {
      source: { address: '10.0.0.1', port: 1 },
      destination: { address: '10.0.0.2', port: 2 },
      tlvs: [{ type: 0xe0, value: new Uint8Array(65513).fill(0x41) }],
    },
    { crc32c: true },
  );
  const seeds: Seed[] = [...corpus, { name: 'generated: largest v2 header', bytes: largest }];
  const bytes = seeds.map((s) => s.bytes);
  const seedIndex = fc.nat({ max: seeds.length - 1 });
  const mutated = fc
    .record({
      seed: seedIndex,
      mutations: fc.array(mutation, { minLength: 1, maxLength: 5 }),
      fixCrc: fc.boolean(),
      options: decodeOptions,
    })
    .map(({ seed, mutations, fixCrc: fix, options }): Input => {
      const input = mutate(bytes[seed] as Uint8Array, mutations, bytes);
      return { input: fix ? fixCrc(lib, input) : input, options, seed, mutations };
    });
  const raw = fc.record({ input: rawBytes, options: decodeOptions });
  return {
    seeds,
    seedIndex,
    seed: seedIndex.map((seed): Input => ({ input: bytes[seed] as Uint8Array, options: undefined, seed, mutations: [] })),
    mutated,
    raw,
    withPayload: fc
      .tuple(fc.oneof(mutated, raw), fc.uint8Array({ maxLength: 40 }))
      .map(([v, payload]): Input => ({ ...v, input: concat(v.input, payload) })),
    describe: (v) =>
      `input=${hex(v.input)}\noptions=${show(v.options)}` +
      (v.seed === undefined ? '' : `\nseed input=${seeds[v.seed]?.name} mutations=${show(v.mutations)}`),
  };
}
