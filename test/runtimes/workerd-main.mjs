// Entry point for workerd (`workerd test test/runtimes/workerd.capnp`): runs the shared suite
// against the built core in a `test()` handler and prints its report as one JSON line.
import * as core from '../../dist/index.js';
import vectors from '../fixtures/vectors.json';
import { report } from './suite.mjs';

export default {
  async test() {
    console.log(`PROXYPROTO_REPORT ${JSON.stringify(await report(core, vectors))}`);
  },
};
