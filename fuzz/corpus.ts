/** The seed corpus in fuzz/corpus/: every shared test vector and every capture, as bytes. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unhex } from '../test/support/bytes.js';
import type { Seed } from './context.js';

/** Reads the corpus from `directory` (fuzz/corpus), vectors first, captures in name order. */
export function loadCorpus(directory: string): Seed[] {
  const seeds: Seed[] = [];
  const vectors = JSON.parse(readFileSync(join(directory, 'vectors.json'), 'utf8')) as { name: string; hex?: unknown }[];
  for (const v of vectors) {
    if (typeof v.hex === 'string') seeds.push({ name: `vector: ${v.name}`, bytes: unhex(v.hex) });
  }
  const captures = join(directory, 'captures');
  for (const file of readdirSync(captures).sort()) {
    if (file.endsWith('.bin')) seeds.push({ name: `capture: ${file}`, bytes: Uint8Array.from(readFileSync(join(captures, file))) });
  }
  return seeds;
}
