/**
 * Deno (the pinned build from .ci/runtimes): the shared vectors, the codec round trips and the Web
 * Streams checks against dist/, then the two server recipes of examples/runtimes/ over loopback.
 */
import { expect, test } from 'vitest';
import {
  describeWithRuntime,
  expectHttpRecipe,
  expectLineRecipe,
  expectSameAsNode,
  parseReport,
  RUN_TIMEOUT,
  runToEnd,
  startServer,
} from './runtimes.js';

describeWithRuntime('deno', (deno) => {
  test(
    'vectors, round trips and Web Streams: as in Node, byte for byte',
    async () => {
      const run = await runToEnd(deno, ['run', '--quiet', '--no-prompt', 'test/runtimes/main.mjs']);
      expect(run.code, run.stderr).toBe(0);
      await expectSameAsNode(parseReport(run.stdout));
    },
    RUN_TIMEOUT,
  );

  test('Deno.listen with ProxyProtocolDecoderStream (examples/runtimes/deno-listen.mjs)', async () => {
    const server = await startServer(deno, [
      'run',
      '--quiet',
      '--no-prompt',
      '--allow-net=127.0.0.1',
      'examples/runtimes/deno-listen.mjs',
      '0',
    ]);
    try {
      await expectLineRecipe(server.port);
    } finally {
      server.stop();
    }
  });

  test('node:http with acceptProxyProtocol (examples/runtimes/deno-node-http.mjs)', async () => {
    const server = await startServer(deno, [
      'run',
      '--quiet',
      '--no-prompt',
      '--allow-net=127.0.0.1',
      'examples/runtimes/deno-node-http.mjs',
      '0',
    ]);
    try {
      await expectHttpRecipe(server.port);
    } finally {
      server.stop();
    }
  });
});
