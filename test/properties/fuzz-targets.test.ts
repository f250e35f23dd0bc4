// Every fuzz target (fuzz/targets/), run against src/ with a fixed seed and a few hundred inputs,
// so that `npm test` exercises them in seconds. `npm run fuzz` runs them for longer on dist/.
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadCorpus } from '../../fuzz/corpus.js';
import { replayCorpus } from '../../fuzz/replay.js';
import { allTargets, checkLargestHeaderBytewise } from '../../fuzz/targets/index.js';
import * as lib from '../../src/index.js';
import * as node from '../../src/node/index.js';

const corpus = loadCorpus(fileURLToPath(new URL('../../fuzz/corpus/', import.meta.url)));
const SEED = 20261126;

describe('fuzz targets (quick, deterministic)', () => {
  test('the corpus is there, and every input passes the decoding checks', () => {
    expect(corpus.length).toBeGreaterThan(100);
    expect(replayCorpus(lib, corpus)).toBe(corpus.length);
  });

  for (const target of allTargets({ lib, node, corpus })) {
    test(target.name, async () => {
      const report = await target.run({ seed: SEED, numRuns: 300 });
      const replay = `npm run fuzz -- --target ${target.name} --seed ${SEED} --path ${report.path}`;
      expect(report.failed, `${report.counterexample}\n${String(report.error)}\nreplay on dist/: ${replay}`).toBe(false);
    });
  }

  test('a fixed part declaring 65535 bytes, fed byte by byte, buffers only what arrived', () => {
    checkLargestHeaderBytewise(lib);
  });
});
