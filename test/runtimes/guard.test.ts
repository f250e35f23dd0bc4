/**
 * acceptProxyProtocol's refusal of Bun's node:http, https and http2 servers, with Bun's version
 * faked in Node (test/runtimes/bun.test.ts checks it under the real Bun), and no effect in Node.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { acceptProxyProtocol } from '../../src/node/index.js';

const SERVERS = {
  http: () => http.createServer(),
  https: () => https.createServer(),
  http2: () => http2.createServer(),
  'http2 secure': () => http2.createSecureServer(),
  net: () => net.createServer(),
  tls: () => tls.createServer(),
};

afterEach(() => {
  delete (process.versions as Record<string, string>).bun;
});

describe('acceptProxyProtocol under Bun', () => {
  test.each(['http', 'https', 'http2', 'http2 secure'] as const)('refuses a %s server with a TypeError naming the alternatives', (kind) => {
    Object.defineProperty(process.versions, 'bun', { value: '1.4.5', configurable: true, enumerable: true });
    const server = SERVERS[kind]() as unknown as net.Server;
    expect(() => acceptProxyProtocol(server)).toThrow(TypeError);
    expect(() => acceptProxyProtocol(server)).toThrow(/Bun 1\.4\.5.*net\.createServer.*Bun\.listen.*ProxyProtocolDecoderStream/s);
  });

  test.each(['net', 'tls'] as const)('installs on a %s server', (kind) => {
    Object.defineProperty(process.versions, 'bun', { value: '1.4.5', configurable: true, enumerable: true });
    acceptProxyProtocol(SERVERS[kind]() as net.Server).close();
  });

  test('in Node every server is accepted', () => {
    for (const make of Object.values(SERVERS)) acceptProxyProtocol(make() as unknown as net.Server).close();
  });
});
