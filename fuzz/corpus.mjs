// Loads the seed corpus from fuzz/corpus/: every test vector and every capture, as bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./corpus/', import.meta.url));

function fromHex(hex) {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** @returns {{ name: string, bytes: Uint8Array }[]} */
export function loadCorpus() {
  const seeds = [];
  const vectors = JSON.parse(readFileSync(`${dir}vectors.json`, 'utf8'));
  for (const v of vectors) {
    if (typeof v.hex !== 'string') continue;
    seeds.push({ name: `vector: ${v.name}`, bytes: fromHex(v.hex) });
  }
  for (const file of readdirSync(`${dir}captures`).sort()) {
    if (!file.endsWith('.bin')) continue;
    seeds.push({ name: `capture: ${file}`, bytes: Uint8Array.from(readFileSync(`${dir}captures/${file}`)) });
  }
  return seeds;
}
