/**
 * workerd (the pinned build from .ci/runtimes, a 2025 compatibility date, no nodejs_compat): the
 * shared vectors, the codec round trips and the Web Streams checks against dist/, then the recipes
 * of examples/runtimes/workerd/: an inbound `connect(socket)` handler that reads the header, and
 * an outbound `connect()` that sends one to a Node server. Loopback only.
 */
import net from 'node:net';
import { expect, test } from 'vitest';
import { acceptProxyProtocol, getClientAddress } from '../../src/node/index.js';
import { freePorts } from '../interop/peers.js';
import { describeWithRuntime, expectLineRecipe, expectSameAsNode, parseReport, RUN_TIMEOUT, runToEnd, startServer } from './runtimes.js';

const CONFIG = 'examples/runtimes/workerd/config.capnp';

describeWithRuntime('workerd', (workerd) => {
  test(
    'vectors, round trips and Web Streams: as in Node, byte for byte',
    async () => {
      const run = await runToEnd(workerd, ['test', 'test/runtimes/workerd.capnp']);
      expect(run.code, run.stderr).toBe(0);
      await expectSameAsNode(parseReport(`${run.stdout}\n${run.stderr}`));
    },
    RUN_TIMEOUT,
  );

  test('inbound connect(socket) handler with ProxyProtocolDecoderStream; outbound connect() with ProxyProtocolEncoderStream', async () => {
    // The backend of the outbound recipe: a Node net server that requires a header.
    const seen: unknown[] = [];
    const backend = net.createServer((socket) => {
      seen.push(getClientAddress(socket));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n')) socket.end(`backend saw ${getClientAddress(socket)?.address} say ${text.split('\n')[0]}\n`);
      });
    });
    acceptProxyProtocol(backend, { headerTimeout: 5000 });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const upstream = `127.0.0.1:${(backend.address() as net.AddressInfo).port}`;
    const [tcp, http] = (await freePorts(2)) as [number, number];
    const args = ['serve', CONFIG, '--socket-addr', `tcp=127.0.0.1:${tcp}`, '--socket-addr', `http=127.0.0.1:${http}`];
    const server = await startServer(workerd, args, { env: { PROXYPROTO_UPSTREAM: upstream }, port: tcp });
    try {
      await expectLineRecipe(tcp);
      const response = await fetch(`http://127.0.0.1:${http}/hello`, { headers: { 'cf-connecting-ip': '203.0.113.9' } });
      expect(await response.text()).toBe('backend saw 203.0.113.9 say hello\n');
      expect(seen).toEqual([{ address: '203.0.113.9', port: 0, family: 'IPv4', proxied: true }]);
    } finally {
      server.stop();
      backend.close();
    }
  });
});
