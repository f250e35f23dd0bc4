/**
 * The time-boxed fuzzer over the built package (`dist/`), started by fuzz/run.mjs. Prints
 * `seed=<n>` first; on a failure prints the target, seed, path, the shrunk input and the error,
 * with the command that replays it. Returns the exit code: 0 nothing found, 1 a broken invariant,
 * 2 bad arguments or no build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Core, NodeEntry } from './context.js';
import { loadCorpus } from './corpus.js';
import { describeError } from './invariant.js';
import { replayCorpus } from './replay.js';
import { allTargets, checkLargestHeaderBytewise } from './targets/index.js';

const USAGE = 'usage: npm run fuzz -- [--seconds N] [--seed N] [--target NAME]... [--path P] [--list]';

/** Runs the fuzzer with command-line `args` from the repository at `root`. */
export async function main(args: string[], root: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string' },
      target: { type: 'string', multiple: true },
      path: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) {
    console.error(`--seconds must be a positive number, got ${values.seconds}`);
    return 2;
  }
  const seed = values.seed === undefined ? (Math.random() * 0x7fffffff) | 0 : Number(values.seed);
  if (!Number.isInteger(seed)) {
    console.error(`--seed must be an integer, got ${values.seed}`);
    return 2;
  }
  console.log(`seed=${seed}`);

  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'index.js'))) {
    console.error('dist/index.js is missing: run `npm run build` first');
    return 2;
  }
  const lib = (await import(pathToFileURL(join(dist, 'index.js')).href)) as Core;
  const node = (await import(pathToFileURL(join(dist, 'node.js')).href)) as NodeEntry;
  const corpus = loadCorpus(join(root, 'fuzz', 'corpus'));
  let targets = allTargets({ lib, node, corpus });
  if (values.list) {
    for (const t of targets) console.log(t.name);
    return 0;
  }
  const wanted = values.target;
  if (wanted !== undefined) {
    const unknown = wanted.filter((n) => !targets.some((t) => t.name === n));
    if (unknown.length > 0) {
      console.error(`unknown target(s): ${unknown.join(', ')}; --list shows them`);
      return 2;
    }
    targets = targets.filter((t) => wanted.includes(t.name));
  }
  console.log(`corpus: ${corpus.length} seeds; targets: ${targets.map((t) => t.name).join(', ')}; ${seconds} s in total`);

  // The one fixed check: a fixed part declaring 65535 bytes, fed one byte at a time, allocates
  // nothing proportional to the declared length, buffers exactly what was pushed and completes.
  try {
    checkLargestHeaderBytewise(lib);
    console.log('ok   parser buffers only what arrived (65535 declared, fed byte by byte)');
  } catch (error) {
    console.log(`FAIL parser-memory\n${describeError(error)}`);
    return 1;
  }

  try {
    console.log(`ok   corpus: ${replayCorpus(lib, corpus)} inputs replayed (one-shot, chunked, byte by byte, as datagrams)`);
  } catch (error) {
    console.log(`FAIL corpus replay\n${describeError(error)}`);
    return 1;
  }

  const budget = (seconds * 1000) / targets.length;
  let failed = false;
  for (const target of targets) {
    const started = Date.now();
    const path = values.path;
    let report = await target.run({ seed, numRuns: Number.MAX_SAFE_INTEGER, timeLimit: budget, ...(path === undefined ? {} : { path }) });
    if (report.failed && report.interrupted && report.path !== undefined) {
      // The time limit cut the shrinking short: replay the failure and shrink it for a while longer.
      const more = await target.run({ seed, path: report.path, numRuns: Number.MAX_SAFE_INTEGER, timeLimit: 60_000 });
      if (more.failed) report = more;
    }
    const took = ((Date.now() - started) / 1000).toFixed(1);
    if (!report.failed) {
      console.log(`ok   ${target.name}: ${report.numRuns} runs in ${took} s`);
      continue;
    }
    failed = true;
    console.log(`FAIL ${target.name} after ${report.numRuns} runs (${report.numShrinks} shrinks)`);
    console.log(`seed=${seed} path=${report.path}`);
    console.log(`replay: npm run fuzz -- --target ${target.name} --seed ${seed} --path ${report.path}`);
    if (report.counterexample !== undefined) console.log(report.counterexample);
    console.log(describeError(report.error));
  }
  return failed ? 1 : 0;
}
