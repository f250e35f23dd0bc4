/**
 * The README's code runs as a test. Every fenced block tagged exactly `js` or `ts` is extracted,
 * its imports of `proxyproto` / `proxyproto/node` are pointed at src/, and it is run. Blocks that
 * are not meant to run use another tag (`sh`, `text`, `ts fragment`, …).
 *
 * - `console.log(x); // expected` lines are checked: what the block logs must match the comment.
 * - A block that calls `listen()` gets an ephemeral loopback port instead of the one it names; the
 *   test then talks to the server and closes it.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { encode } from '../src/index.js';
import { connect } from '../src/node/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Block {
  lang: string;
  info: string;
  code: string;
  line: number;
}

/** Fenced code blocks (``` only) with their info string and starting line. */
function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const info = (open[1] ?? '').trim();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    out.push({ lang: info.split(/\s+/)[0] ?? '', info, code: body.join('\n'), line: start + 1 });
  }
  return out;
}

const all = blocks(readme);
const runnable = all.filter((b) => b.info === 'js' || b.info === 'ts');

const dir = mkdtempSync(join(tmpdir(), 'proxyproto-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a block as a module whose `proxyproto` imports resolve to src/, and imports it. */
async function run(block: Block, index: number): Promise<void> {
  const code = block.code
    .replace(/from 'proxyproto\/node'/g, `from ${JSON.stringify(join(root, 'src/node/index.ts'))}`)
    .replace(/from 'proxyproto'/g, `from ${JSON.stringify(join(root, 'src/index.ts'))}`);
  expect(code, 'a README example imports something other than proxyproto or node:*').not.toMatch(/from '(?!node:|\/)/);
  const file = join(dir, `block-${index}.${block.lang === 'ts' ? 'ts' : 'mjs'}`);
  writeFileSync(file, `${code}\n`);
  await import(pathToFileURL(file).href);
}

/** `console.log(...); // text` lines, in order: the text each one should print. */
function expectedLogs(code: string): string[] {
  return code
    .split('\n')
    .filter((line) => /^\s*console\.log\(/.test(line))
    .map((line) => /\/\/\s*(.*)$/.exec(line)?.[1]?.trim() ?? '');
}

const servers: net.Server[] = [];
const realListen = net.Server.prototype.listen;
const listenOn = realListen as (this: net.Server, ...args: unknown[]) => net.Server;
afterEach(async () => {
  vi.restoreAllMocks();
  net.Server.prototype.listen = realListen;
  for (const server of servers.splice(0)) {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise((done) => server.close(() => done(undefined)));
  }
});

/** Makes every `listen()` bind an ephemeral loopback port, and records the server. */
function captureListen(): void {
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    servers.push(this);
    const callback = args.find((a) => typeof a === 'function');
    return listenOn.call(this, 0, '127.0.0.1', callback);
  } as typeof net.Server.prototype.listen;
}

async function portOf(server: net.Server): Promise<number> {
  if (!server.listening) await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** An HTTP GET over the given socket; resolves the response body. */
function get(createConnection: () => net.Socket): Promise<string> {
  return new Promise((done, fail) => {
    const req = http.get({ path: '/', createConnection, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done(body));
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

describe('README', () => {
  test('keeps the Quick start commands CI relies on', () => {
    const quick = readme.split('## Quick start')[1]?.split('\n## ')[0] ?? '';
    const commands = blocks(quick)[0]
      ?.code.split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(commands?.slice(0, 2)).toEqual(['npm ci && npm run demo', 'npm test']);
  });

  test('tags every code block, and has runnable ones', () => {
    for (const block of all) expect(block.lang, `code block at README.md:${block.line} has no language tag`).not.toBe('');
    // The five-line server and the codec example.
    expect(runnable.length).toBeGreaterThanOrEqual(2);
  });

  test.each(runnable.map((block, index) => ({ block, index, name: `README.md:${block.line}` })))(
    'the example at $name runs and does what it says',
    async ({ block, index }) => {
      const logged: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => inspect(a, { breakLength: Number.POSITIVE_INFINITY })).join(' '));
      });
      const listens = /\.listen\(/.test(block.code);
      if (listens) captureListen();

      await run(block, index);

      expect(logged).toEqual(expectedLogs(block.code));
      if (!listens) return;

      // A server example: it must answer, and answer with the client address it was told.
      expect(servers).toHaveLength(1);
      const server = servers[0] as net.Server;
      const port = await portOf(server);
      const body = block.code.includes('getClientAddress') ? /`([^`$]*)\$\{getClientAddress/.exec(block.code)?.[1] : undefined;
      const trusted = /trusted: \['(\d+\.\d+\.\d+)\.\d+\/\d+'\]/.exec(block.code)?.[1];

      // A direct connection from outside the trusted list, without a header: the real peer address.
      const direct = await get(() => net.connect(port, '127.0.0.1'));
      expect(direct).toBe(`${body ?? ''}127.0.0.1\n`);

      // The same peer sending a header is dropped: it is not trusted.
      await expect(
        get(() =>
          connect({
            host: '127.0.0.1',
            port,
            header: { source: { address: '203.0.113.9', port: 51234 }, destination: { address: '10.0.0.5', port: 80 } },
          }),
        ),
      ).rejects.toThrow();

      if (trusted === undefined) return;
      // A trusted load balancer's connection (injected, since we cannot bind its address here): the
      // header's source address.
      const via = await viaTrustedPeer(server, `${trusted}.7`, {
        source: { address: '203.0.113.9', port: 51234 },
        destination: { address: '10.0.0.5', port: 8080 },
      });
      expect(via).toBe(`${body ?? ''}203.0.113.9\n`);
    },
  );
});

/**
 * Hands `server` a connection that looks as if it came from `peer` and starts with `header`, the
 * way a load balancer at that address would connect, and returns the HTTP response body.
 */
async function viaTrustedPeer(server: net.Server, peer: string, header: Parameters<typeof encode>[0]): Promise<string> {
  const pair = net.createServer();
  servers.push(pair);
  listenOn.call(pair, 0, '127.0.0.1');
  const port = await portOf(pair);
  const accepted = once(pair, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, '127.0.0.1');
  const [serverSide] = await accepted;
  Object.defineProperty(serverSide, 'remoteAddress', { value: peer });
  server.emit('connection', serverSide);
  return get(() => {
    client.write(encode(header));
    return client;
  });
}
