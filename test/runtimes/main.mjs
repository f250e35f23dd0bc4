// Entry point for Deno and Bun (`deno run test/runtimes/main.mjs`, `bun test/runtimes/main.mjs`):
// runs the shared suite against the built core and prints its report as one JSON line.
import * as core from '../../dist/index.js';
import vectors from '../fixtures/vectors.json' with { type: 'json' };
import { report } from './suite.mjs';

console.log(`PROXYPROTO_REPORT ${JSON.stringify(await report(core, vectors))}`);
