#!/usr/bin/env node
// Time-boxed fuzzer for the built package (run `npm run build` first).
//
//   npm run fuzz                                  # ~60 s over every target, random seed
//   npm run fuzz -- --seconds 300 --seed 1234     # longer, reproducible
//   npm run fuzz -- --target parser-chunking      # one target (repeatable option)
//   npm run fuzz -- --list
//
// Prints `seed=<n>` first. On a failure prints the target, seed, path and the shrunk input, and
// exits 1; replay it with `--target <name> --seed <n> --path <path>`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { loadCorpus } from './corpus.mjs';
import { checkNoEagerAllocation, createNodeTargets, createTargets } from './targets.mjs';

const { values } = parseArgs({
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
  console.log('usage: node fuzz/run.mjs [--seconds N] [--seed N] [--target NAME]... [--path P] [--list]');
  process.exit(0);
}

const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  console.error(`--seconds must be a positive number, got ${values.seconds}`);
  process.exit(2);
}
const seed = values.seed === undefined ? (Math.random() * 0x7fffffff) | 0 : Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`--seed must be an integer, got ${values.seed}`);
  process.exit(2);
}
console.log(`seed=${seed}`);

const dist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(dist))) {
  console.error('dist/index.js is missing: run `npm run build` first');
  process.exit(2);
}
const lib = await import(dist.href);
const node = await import(new URL('../dist/node.js', import.meta.url).href);
const corpus = loadCorpus();
let targets = [...createTargets({ lib, corpus }), ...createNodeTargets({ lib, node, corpus })];
if (values.list) {
  for (const t of targets) console.log(t.name);
  process.exit(0);
}
if (values.target !== undefined) {
  const unknown = values.target.filter((n) => !targets.some((t) => t.name === n));
  if (unknown.length > 0) {
    console.error(`unknown target(s): ${unknown.join(', ')}; --list shows them`);
    process.exit(2);
  }
  targets = targets.filter((t) => values.target.includes(t.name));
}

console.log(`corpus: ${corpus.length} seeds; targets: ${targets.map((t) => t.name).join(', ')}; ${seconds} s in total`);

// The one fixed check: a fixed part declaring 65535 bytes, fed one byte at a time, allocates
// nothing proportional to the declared length and buffers exactly what was pushed.
try {
  checkNoEagerAllocation(lib, 0x11, 0xffff, 0xffff, true);
  console.log('ok   parser buffers only what arrived (65535 declared, fed byte by byte)');
} catch (error) {
  console.log(`FAIL parser-memory\n${error.stack ?? error}`);
  process.exit(1);
}

const budgetMs = (seconds * 1000) / targets.length;
let failed = false;
for (const target of targets) {
  const started = Date.now();
  // Node targets (streams, readProxyHeader) are async: their checks return a Promise.
  const property = target.async
    ? fc.asyncProperty(target.arbitrary, async (value) => {
        await target.check(value);
      })
    : fc.property(target.arbitrary, (value) => {
        target.check(value);
      });
  const params = {
    seed,
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: budgetMs,
    markInterruptAsFailure: false,
  };
  if (values.path !== undefined) params.path = values.path;
  let details = await fc.check(property, params);
  if (details.failed && details.interrupted) {
    // The time limit cut the shrinking short: replay the failure and shrink it for a while longer.
    const more = await fc.check(property, {
      seed,
      path: details.counterexamplePath,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: 60_000,
    });
    if (more.failed) details = more;
  }
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (!details.failed) {
    console.log(`ok   ${target.name}: ${details.numRuns} runs in ${took} s`);
    continue;
  }
  failed = true;
  const value = details.counterexample?.[0];
  console.log(`FAIL ${target.name} after ${details.numRuns} runs (${details.numShrinks} shrinks)`);
  console.log(`seed=${seed} path=${details.counterexamplePath}`);
  console.log(`replay: npm run fuzz -- --target ${target.name} --seed ${seed} --path ${details.counterexamplePath}`);
  if (value !== undefined) {
    try {
      console.log(target.describe(value));
    } catch (error) {
      console.log(`(could not describe the input: ${error})`);
    }
  }
  const error = details.errorInstance;
  console.log(error instanceof Error ? (error.stack ?? String(error)) : String(error));
}

process.exit(failed ? 1 : 0);
