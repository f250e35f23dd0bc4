/**
 * Bun (the pinned build from .ci/runtimes): the shared vectors, the codec round trips and the Web
 * Streams checks against dist/, the two server recipes of examples/runtimes/ over loopback, and
 * the refusal of node:http, https and http2 servers, which in Bun never see a connection's bytes.
 */
import { expect, test } from 'vitest';
import { describeWithRuntime, expectLineRecipe, expectSameAsNode, parseReport, RUN_TIMEOUT, runToEnd, startServer } from './runtimes.js';

describeWithRuntime('bun', (bun) => {
  test(
    'vectors, round trips and Web Streams: as in Node, byte for byte',
    async () => {
      const run = await runToEnd(bun, ['test/runtimes/main.mjs']);
      expect(run.code, run.stderr).toBe(0);
      await expectSameAsNode(parseReport(run.stdout));
    },
    RUN_TIMEOUT,
  );

  test('Bun.listen with HeaderParser (examples/runtimes/bun-listen.mjs)', async () => {
    const server = await startServer(bun, ['examples/runtimes/bun-listen.mjs', '0']);
    try {
      await expectLineRecipe(server.port);
    } finally {
      server.stop();
    }
  });

  test('a net server with acceptProxyProtocol (examples/runtimes/bun-net.mjs)', async () => {
    const server = await startServer(bun, ['examples/runtimes/bun-net.mjs', '0']);
    try {
      await expectLineRecipe(server.port);
    } finally {
      server.stop();
    }
  });

  test('acceptProxyProtocol refuses node:http, https and http2 servers, naming the alternatives; net and tls work', async () => {
    const run = await runToEnd(bun, ['test/runtimes/bun-guard.mjs']);
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('PROXYPROTO_GUARD '));
    const result = JSON.parse((line ?? '').slice('PROXYPROTO_GUARD '.length)) as Record<string, string>;
    for (const kind of ['http', 'https', 'http2', 'http2Secure']) {
      expect(result[kind]).toMatch(
        /^TypeError: acceptProxyProtocol cannot read PROXY headers on a node:http, https or http2 server in Bun/,
      );
      expect(result[kind]).toContain('net.createServer');
      expect(result[kind]).toContain('Bun.listen');
      expect(result[kind]).toContain('ProxyProtocolDecoderStream');
    }
    expect(result.net).toBe('installed');
    expect(result.tls).toBe('installed');
  });
});
