/** `proxyproto probe` against a real HAProxy, with and without `accept-proxy` on the bind line. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithPeers, freePorts, HAPROXY_HEAD, type PeerProcess, startHaproxy, tempDir } from '../interop/peers.js';
import { killAll, run } from './helpers.js';

describeWithPeers('probe against HAProxy', ['haproxy', 'ss'], () => {
  let dir: ReturnType<typeof tempDir>;
  let haproxy: PeerProcess;
  let strict: number;
  let plain: number;

  beforeAll(async () => {
    dir = tempDir('cli-probe');
    [strict, plain] = (await freePorts(2)) as [number, number];
    const config = `${HAPROXY_HEAD}
frontend with_accept_proxy
    mode http
    bind 127.0.0.1:${strict} accept-proxy
    http-request return status 200 content-type text/plain string ok

frontend without_accept_proxy
    mode http
    bind 127.0.0.1:${plain}
    http-request return status 200 content-type text/plain string ok
`;
    haproxy = await startHaproxy(dir.path, config, [`127.0.0.1:${strict}`, `127.0.0.1:${plain}`]);
  });

  afterAll(async () => {
    await killAll();
    await haproxy?.stop();
    dir?.remove();
  });

  const variants = ['none', 'v1', 'v2', 'v2-crc32c', 'local'] as const;
  // biome-ignore lint/suspicious/noExplicitAny: JSON printed by the CLI, read field by field in assertions
  const results = (json: Record<string, any>) => variants.map((v) => json[v]);

  const probe = async (port: number) => {
    const { code, stdout, stderr } = await run(['probe', `127.0.0.1:${port}`, '--timeout', '300', '--json']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(stdout);
  };

  test('accept-proxy: a connection without a header is dropped, every header variant gets the 200', async () => {
    const json = await probe(strict);
    expect(results(json)).toEqual(['rejected', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(json.details.none.received).toBe(0);
    expect(variants.slice(1).map((v) => json.details[v].httpStatus)).toEqual([200, 200, 200, 200]);
    expect(json.verdict).toBe('requires a PROXY header: v1 and v2 accepted; LOCAL accepted');
    await haproxy.waitForOutput(/Received something which does not look like a PROXY protocol header/);
  });

  test('no accept-proxy: the header is read as the request, and HAProxy answers 400', async () => {
    const json = await probe(plain);
    expect(results(json)).toEqual(['accepted', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(json.details.v1).toMatchObject({ outcome: 'bad-request', httpStatus: 400 });
    expect(json.verdict).toMatch(/^does not speak the PROXY protocol/);
  });
});
