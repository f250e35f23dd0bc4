// Every fuzz target of fuzz/targets.mjs, run against src/ with a fixed seed and a few hundred
// inputs, so that `npm test` exercises them in seconds. `npm run fuzz` runs them for longer.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadCorpus } from '../../fuzz/corpus.mjs';
import { checkNoEagerAllocation, createNodeTargets, createTargets } from '../../fuzz/targets.mjs';
import * as lib from '../../src/index.js';
import * as node from '../../src/node/index.js';

const corpus = loadCorpus();
const targets = createTargets({ lib, corpus });
const nodeTargets = createNodeTargets({ lib, node, corpus });

describe('fuzz targets (quick, deterministic)', () => {
  test('the corpus is there', () => {
    expect(corpus.length).toBeGreaterThan(100);
  });

  for (const target of targets) {
    test(target.name, () => {
      fc.assert(
        fc.property(target.arbitrary, (value) => {
          target.check(value);
        }),
        { seed: 20261126, numRuns: 300 },
      );
    });
  }

  for (const target of nodeTargets) {
    test(target.name, async () => {
      await fc.assert(
        fc.asyncProperty(target.arbitrary, async (value) => {
          await target.check(value);
        }),
        { seed: 20261126, numRuns: 300 },
      );
    });
  }

  test('a fixed part declaring 65535 bytes, fed byte by byte, buffers only what arrived', () => {
    checkNoEagerAllocation(lib, 0x11, 0xffff, 0xffff, true);
  });
});
