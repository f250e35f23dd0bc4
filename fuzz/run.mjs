#!/usr/bin/env node
// Starts the fuzzer (fuzz/main.ts) on Node without a TypeScript runtime: esbuild bundles the
// targets into one temporary file, which is then imported. The library itself is not bundled:
// the targets load the built package from dist/ at run time. esbuild is the bundler of tsup, the
// build tool; it is resolved from tsup's own location, so it is the copy the build uses.
//
//   npm run build && npm run fuzz                 # ~60 s over every target, random seed
//   npm run fuzz -- --seconds 300 --seed 1234     # longer, reproducible
//   npm run fuzz -- --target parser-chunking      # one target (repeatable option); --list names them
//   npm run fuzz -- --target T --seed S --path P  # replay a failure exactly as printed
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { build } = createRequire(require.resolve('tsup'))('esbuild');

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'proxyproto-fuzz-'));
try {
  const outfile = join(dir, 'fuzz.mjs');
  await build({
    entryPoints: [join(root, 'fuzz', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  process.setSourceMapsEnabled(true);
  const { main } = await import(pathToFileURL(outfile).href);
  process.exitCode = await main(process.argv.slice(2), root);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
