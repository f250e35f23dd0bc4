/**
 * Helpers for the interoperability suites: find the peer programs (HAProxy, nginx, curl,
 * openssl), pick free ports, write configs and certificates to a temp dir, start the peers in the
 * foreground, wait for their listening sockets with `ss`, and stop them again.
 *
 * In CI (`process.env.CI`) a missing program fails the suite; locally the suite is skipped with a
 * message saying how to install the programs.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'vitest';
import { type ProxyHeader, readTlvs } from '../../src/index.js';
import {
  type AcceptProxyProtocolOptions,
  acceptProxyProtocol,
  getClientAddress,
  getPeerAddress,
  getProxyHeader,
  type ProxyProtocolIntegration,
} from '../../src/node/index.js';

const execFileAsync = promisify(execFile);

export const IN_CI = Boolean(process.env.CI);
export const INSTALL_HINT = 'apt-get install -y haproxy nginx libnginx-mod-stream curl openssl';
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** A program the suites need; `nginx-stream` stands for the nginx stream module. */
export type Peer = 'haproxy' | 'nginx' | 'nginx-stream' | 'curl' | 'openssl' | 'ss' | 'ip';

const SEARCH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Absolute path of `name` on PATH (or in the sbin directories), or undefined. */
export function findProgram(name: string): string | undefined {
  for (const dir of SEARCH) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function missingPeers(peers: readonly Peer[]): Peer[] {
  return peers.filter((peer) => (peer === 'nginx-stream' ? !existsSync(NGINX_STREAM_MODULE) : findProgram(peer) === undefined));
}

/** The path of a program known to be present. */
export function program(name: Exclude<Peer, 'nginx-stream'>): string {
  const path = findProgram(name);
  if (path === undefined) throw new Error(`${name} not found (install with: ${INSTALL_HINT})`);
  return path;
}

/**
 * `describe` that needs `peers`. Missing peers: in CI, one failing test that names them; locally,
 * the suite is skipped with a printed hint.
 */
export function describeWithPeers(title: string, peers: readonly Peer[], body: () => void): void {
  const missing = missingPeers(peers);
  // ss and ip come with iproute2, which minimal images may lack.
  const hint = missing.some((p) => p === 'ss' || p === 'ip') ? `${INSTALL_HINT} iproute2` : INSTALL_HINT;
  if (missing.length > 0 && IN_CI) {
    describe(title, () => {
      test('has the interop programs installed', () => {
        throw new Error(`interop: missing ${missing.join(', ')} in CI; install with: ${hint}`);
      });
    });
    return;
  }
  if (missing.length > 0) {
    console.warn(`[interop] skipping "${title}": missing ${missing.join(', ')}. Install with: ${hint}`);
  }
  describe.skipIf(missing.length > 0)(title, body);
}

/** Whether `::1` is configured on the loopback interface (checked once). */
let ipv6Cache: boolean | undefined;
export function hasIPv6Loopback(): boolean {
  if (ipv6Cache !== undefined) return ipv6Cache;
  // PROXYPROTO_INTEROP_NO_IPV6=1 runs the IPv4-only variant on a host that has ::1.
  if (process.env.PROXYPROTO_INTEROP_NO_IPV6 === '1') {
    ipv6Cache = false;
  } else {
    try {
      const out = execFileSync(findProgram('ip') ?? 'ip', ['-6', 'addr', 'show', 'lo'], { encoding: 'utf8' });
      ipv6Cache = /inet6 ::1\/128/.test(out);
    } catch {
      ipv6Cache = false;
    }
  }
  if (!ipv6Cache) console.warn('[interop] no IPv6 loopback (::1 on lo, or PROXYPROTO_INTEROP_NO_IPV6=1): running the IPv4 cases only');
  return ipv6Cache;
}

/** Loopback hosts to test: always 127.0.0.1, plus ::1 when the loopback has it. */
export function loopbacks(): ('127.0.0.1' | '::1')[] {
  return hasIPv6Loopback() ? ['127.0.0.1', '::1'] : ['127.0.0.1'];
}

/** `host:port` as URLs and configs write it. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Free TCP ports for peers that bind them later: checked free on 127.0.0.1 (and ::1 when
 * available), then released. Picked below the ephemeral range (32768 up on Linux), not with
 * `listen(0)`: between the release and the peer's bind, another test's `listen(0)` or outgoing
 * connection would be handed the same port ("Address already in use" in a parallel run).
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (ports.includes(port)) continue;
    if ((await canBind(port, '127.0.0.1')) && (!hasIPv6Loopback() || (await canBind(port, '::1')))) ports.push(port);
  }
  return ports;
}

/** Whether `port` can be bound on `host` right now (the test socket is closed again). */
async function canBind(port: number, host: string): Promise<boolean> {
  const server = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
  return ok;
}

/** A temp dir for configs, certificates and prefixes; removed by `remove()`. */
export function tempDir(prefix: string): { path: string; write(name: string, text: string): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `proxyproto-${prefix}-`));
  return {
    path,
    write(name, text) {
      const file = join(path, name);
      writeFileSync(file, text);
      return file;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export interface Certs {
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Server certificate and key concatenated, as HAProxy's `crt` wants. */
  serverPem: string;
  clientCert: string;
  clientKey: string;
  read(file: string): Buffer;
}

/**
 * A throwaway CA, a server certificate (CN=localhost, SAN example.test, localhost, 127.0.0.1, ::1)
 * and a client certificate (CN=pp-test-client), all RSA-2048 signed with SHA-256.
 */
export function makeCerts(dir: string): Certs {
  const openssl = program('openssl');
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=proxyproto test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  ]);
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=DNS:example.test,DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'pp-test-client'],
  ] as const) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    run([
      'x509',
      '-req',
      '-sha256',
      '-days',
      '2',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
  }
  const serverPem = join(dir, 'server.pem');
  writeFileSync(serverPem, Buffer.concat([readFileSync(join(dir, 'server.crt')), readFileSync(join(dir, 'server.key'))]));
  return {
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    serverPem,
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    read: (file) => readFileSync(file),
  };
}

/** `host:port` pairs currently listening (TCP), from `ss -Hltn`. */
async function listening(): Promise<Set<string>> {
  const { stdout } = await execFileAsync(findProgram('ss') ?? 'ss', ['-Hltn']);
  const set = new Set<string>();
  for (const line of stdout.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    if (local !== undefined) set.add(local);
  }
  return set;
}

/** Polls the listen table (never connects) until every `host:port` is there. */
export async function waitListening(endpoints: readonly string[], isAlive: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await listening();
    const missing = endpoints.filter((e) => !table.has(e));
    if (missing.length === 0) return;
    if (!isAlive()) throw new Error(`exited before listening on ${missing.join(', ')}`);
    if (Date.now() > deadline) throw new Error(`not listening on ${missing.join(', ')} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const running = new Set<PeerProcess>();

/** Stops every peer this test file started and has not stopped yet (safety net for afterAll). */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** A peer process started in the foreground. */
export class PeerProcess {
  output = '';
  exited = false;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    cwd?: string,
  ) {
    this.child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
      for (const wake of this.waiters) wake();
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    running.add(this);
    // Last resort if the test process dies without running afterAll.
    const killOnExit = () => this.child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.child.on('exit', () => {
      this.exited = true;
      running.delete(this);
      process.removeListener('exit', killOnExit);
      for (const wake of this.waiters) wake();
    });
    this.child.on('error', (error) => {
      this.output += `\nspawn error: ${error.message}`;
      this.exited = true;
    });
  }

  /** Waits until `endpoints` (`127.0.0.1:port`, `[::1]:port`) are listening. */
  async ready(endpoints: readonly string[]): Promise<this> {
    try {
      await waitListening(endpoints, () => !this.exited);
    } catch (error) {
      await this.stop();
      throw new Error(`${this.name}: ${(error as Error).message}\n--- output ---\n${this.output}`);
    }
    return this;
  }

  /** Resolves once the output (logs) matches `pattern`, or rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.output.match(pattern);
        if (match !== null) {
          done();
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`${this.name}: no output matching ${pattern} within ${timeoutMs} ms\n--- output ---\n${this.output.slice(-4000)}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** Starts `haproxy -db -f <config>` after checking the config, and waits for its listeners. */
export async function startHaproxy(dir: string, config: string, endpoints: readonly string[]): Promise<PeerProcess> {
  const file = join(dir, `haproxy-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(file, config);
  const proc = new PeerProcess('haproxy', program('haproxy'), ['-db', '-f', file], dir);
  return proc.ready(endpoints);
}

/** Starts nginx in the foreground with a private prefix under `dir`. */
export async function startNginx(dir: string, config: string, endpoints: readonly string[]): Promise<PeerProcess> {
  const name = `nginx-${Math.random().toString(36).slice(2)}`;
  const prefix = join(dir, name);
  execFileSync('mkdir', ['-p', join(prefix, 'tmp')]);
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, config);
  const proc = new PeerProcess('nginx', program('nginx'), ['-p', `${prefix}/`, '-c', file, '-g', 'daemon off;'], dir);
  return proc.ready(endpoints);
}

/** The common head of an nginx config: stream module, foreground-friendly logging, private paths. */
export function nginxHead(withStream: boolean): string {
  return [
    withStream ? `load_module ${NGINX_STREAM_MODULE};` : '',
    'worker_processes 1;',
    'pid nginx.pid;',
    'error_log stderr info;',
    'events { worker_connections 1024; }',
    '',
  ].join('\n');
}

/** The http-block lines that keep nginx's temp files and logs under its prefix. */
export const NGINX_HTTP_PATHS = [
  'access_log off;',
  'client_body_temp_path tmp/body;',
  'proxy_temp_path tmp/proxy;',
  'fastcgi_temp_path tmp/fastcgi;',
  'uwsgi_temp_path tmp/uwsgi;',
  'scgi_temp_path tmp/scgi;',
].join('\n  ');

/** The common head of an HAProxy config: foreground logs on stdout, short timeouts. */
export const HAPROXY_HEAD = `global
    log stdout format raw local0
    tune.ssl.default-dh-param 2048

defaults
    log global
    option httplog
    option httpclose
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout check 2s
`;

// ---------------------------------------------------------------------------------------------
// The receiving Node server used by the inbound suites.

/** What the receiving server reports for one request: the header and its typed TLVs as JSON. */
export interface Seen {
  path: string;
  peer: { address: string | undefined; port: number | undefined };
  header: {
    version: 1 | 2;
    command: string;
    family: string;
    source: ProxyHeader['source'];
    destination: ProxyHeader['destination'];
  } | null;
  client: ReturnType<typeof getClientAddress>;
  tlvs: Record<string, unknown> | null;
  headers: http.IncomingHttpHeaders;
}

/** JSON-friendly view of {@link readTlvs}. */
export function tlvSummary(header: ProxyHeader): Record<string, unknown> {
  const view = readTlvs(header);
  const out: Record<string, unknown> = { types: header.tlvs.map((t) => t.type), noop: view.noop };
  if (view.alpn !== undefined) out.alpn = view.alpn;
  if (view.authority !== undefined) out.authority = view.authority;
  if (view.crc32c !== undefined) out.crc32c = view.crc32c;
  if (view.uniqueId !== undefined) out.uniqueId = Buffer.from(view.uniqueId).toString('latin1');
  if (view.netns !== undefined) out.netns = view.netns;
  if (view.ssl !== undefined) {
    const { subTlvs, clientCert, ...ssl } = view.ssl;
    out.ssl = { ...ssl, subTypes: subTlvs.map((t) => t.type), hasClientCert: clientCert !== undefined };
  }
  return out;
}

export function describeRequest(req: http.IncomingMessage): Seen {
  const header = getProxyHeader(req.socket);
  return {
    path: req.url ?? '',
    // The load balancer: the socket itself reports the client (transparent sockets).
    peer: { address: getPeerAddress(req.socket)?.address, port: getPeerAddress(req.socket)?.port },
    header:
      header === null
        ? null
        : {
            version: header.version,
            command: header.command,
            family: header.family,
            source: header.source,
            destination: header.destination,
          },
    client: getClientAddress(req.socket),
    tlvs: header === null ? null : tlvSummary(header),
    headers: req.headers,
  };
}

export interface Receiver {
  port: number;
  integration: ProxyProtocolIntegration;
  /** Every request seen, in order. */
  seen: Seen[];
  /** Errors reported through 'proxyError'. */
  errors: { code: string | undefined; peer: string | undefined }[];
  /** Resolves with the first request whose path starts with `prefix` (polls `seen`). */
  waitFor(prefix: string, timeoutMs?: number): Promise<Seen>;
  close(): Promise<void>;
}

/**
 * An http (or, with `tls`, https) server behind `acceptProxyProtocol` that answers every request
 * with the JSON {@link Seen} of it. Listens on `hosts` (same port).
 */
export async function startReceiver(
  options: AcceptProxyProtocolOptions & { hosts?: readonly string[]; tls?: { key: Buffer; cert: Buffer } } = {},
): Promise<Receiver> {
  const { hosts = ['127.0.0.1'], tls, ...acceptOptions } = options;
  const seen: Seen[] = [];
  const errors: Receiver['errors'] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry = describeRequest(req);
    seen.push(entry);
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.setHeader('connection', 'close');
    res.end(JSON.stringify(entry));
  };
  const servers = hosts.map(() =>
    tls === undefined ? http.createServer(handler) : https.createServer({ key: tls.key, cert: tls.cert }, handler),
  );
  const integrations = servers.map((server) => acceptProxyProtocol(server, acceptOptions));
  for (const server of servers) {
    server.on('proxyError', (error: { code?: string }, socket: net.Socket) => {
      errors.push({ code: error.code, peer: socket.remoteAddress });
      socket.destroy();
    });
  }
  let port = 0;
  for (const [i, server] of servers.entries()) {
    server.listen(port, hosts[i]);
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  }
  return {
    port,
    integration: integrations[0] as ProxyProtocolIntegration,
    seen,
    errors,
    async waitFor(prefix, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find((s) => s.path.startsWith(prefix));
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(`no request for ${prefix} within ${timeoutMs} ms; saw ${seen.map((s) => s.path).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      for (const integration of integrations) integration.close();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Clients.

export interface HttpResult {
  status: number;
  body: string;
  /** The client's own end of the connection. */
  localAddress: string;
  localPort: number;
}

/** One http(s) GET with a fresh connection; reports the local endpoint the client used. */
export function httpGet(url: string, options: https.RequestOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { agent: false, headers: { connection: 'close' }, ...options }, (res) => {
      const socket = res.socket;
      const localAddress = socket.localAddress ?? '';
      const localPort = socket.localPort ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), localAddress, localPort }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`timeout on ${url}`)));
    req.on('error', reject);
  });
}

export interface CurlResult {
  code: number;
  body: string;
  localIp: string;
  localPort: number;
  stderr: string;
}

/** Runs curl; the last line of stdout carries `%{local_ip} %{local_port}`. */
export async function curl(args: readonly string[]): Promise<CurlResult> {
  const marker = '\n--curl-local--';
  try {
    const { stdout, stderr } = await execFileAsync(program('curl'), [
      '-sS',
      '--max-time',
      '5',
      '-w',
      `${marker}%{local_ip} %{local_port}`,
      ...args,
    ]);
    return parseCurl(stdout, stderr, 0, marker);
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return parseCurl(e.stdout ?? '', e.stderr ?? '', typeof e.code === 'number' ? e.code : -1, marker);
  }
}

function parseCurl(stdout: string, stderr: string, code: number, marker: string): CurlResult {
  const at = stdout.lastIndexOf(marker);
  const body = at < 0 ? stdout : stdout.slice(0, at);
  const [localIp = '', localPort = '0'] =
    at < 0
      ? []
      : stdout
          .slice(at + marker.length)
          .trim()
          .split(' ');
  return { code, body, localIp, localPort: Number(localPort), stderr };
}

/**
 * Sends `bytes` (header + request) in one write on a raw connection and resolves with everything
 * received until the peer closes (or `timeoutMs`, then `timedOut`).
 */
export function exchange(
  host: string,
  port: number,
  bytes: Uint8Array,
  timeoutMs = 3000,
): Promise<{ data: Buffer; timedOut: boolean; reset: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let reset = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {
      reset = true;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), timedOut, reset });
    });
  });
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Receivers (oracles): HAProxy `accept-proxy` and nginx `listen … proxy_protocol`, each answering
// an HTTP request with what it understood of the PROXY header.

/** What an oracle reported: addresses (and, for HAProxy, the AUTHORITY / UNIQUE_ID TLVs as hex). */
export interface OracleView {
  src: string;
  srcPort: string;
  dst: string;
  dstPort: string;
  authorityHex?: string;
  uniqueIdHex?: string;
}

export interface Oracle {
  name: 'haproxy' | 'nginx';
  port: number;
  process: PeerProcess;
  /** Sends header + a GET in one write; `null` when the oracle closed without answering 200. */
  send(header: Uint8Array, host?: string): Promise<OracleView | null>;
}

export const ORACLE_REQUEST = Buffer.from('GET /oracle HTTP/1.1\r\nHost: oracle\r\nConnection: close\r\n\r\n', 'latin1');

function parseOracleBody(data: Buffer): OracleView | null {
  const text = data.toString('latin1');
  if (!text.startsWith('HTTP/1.1 200')) return null;
  return parseOracleText(text.slice(text.indexOf('\r\n\r\n') + 4));
}

/** Parses an oracle's `src=… sport=… dst=… dport=… [auth=<hex> uid=<hex>]` answer. */
export function parseOracleText(body: string): OracleView {
  const fields = Object.fromEntries(
    body
      .trim()
      .split(' ')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ) as Record<string, string>;
  const view: OracleView = { src: fields.src ?? '', srcPort: fields.sport ?? '', dst: fields.dst ?? '', dstPort: fields.dport ?? '' };
  // HAProxy writes '-' for an empty sample.
  const clean = (v: string | undefined) => (v === undefined || v === '-' ? '' : v.toLowerCase());
  if ('auth' in fields) view.authorityHex = clean(fields.auth);
  if ('uid' in fields) view.uniqueIdHex = clean(fields.uid);
  return view;
}

function makeOracle(name: Oracle['name'], port: number, process: PeerProcess): Oracle {
  return {
    name,
    port,
    process,
    async send(header, host = '127.0.0.1') {
      const { data } = await exchange(host, port, Buffer.concat([header, ORACLE_REQUEST]));
      return parseOracleBody(data);
    },
  };
}

/** HAProxy: `bind … accept-proxy` (and, with `tlsPort`, `accept-proxy ssl`), mode http, `http-request return`. */
export async function startHaproxyOracle(dir: string, hosts: readonly string[], tls?: { certs: Certs; port: number }): Promise<Oracle> {
  const [port] = (await freePorts(1)) as [number];
  const binds = hosts.map((h) => `    bind ${hostPort(h, port)} accept-proxy`);
  if (tls !== undefined) binds.push(...hosts.map((h) => `    bind ${hostPort(h, tls.port)} accept-proxy ssl crt ${tls.certs.serverPem}`));
  const config = `${HAPROXY_HEAD}
frontend fe_oracle
    mode http
${binds.join('\n')}
    http-request return status 200 content-type text/plain lf-string "src=%ci sport=%cp dst=%fi dport=%fp auth=%[fc_pp_authority,hex] uid=%[fc_pp_unique_id,hex] rcvd=%[fc_rcvd_proxy]"
`;
  const endpoints = hosts.map((h) => hostPort(h, port));
  if (tls !== undefined) endpoints.push(...hosts.map((h) => hostPort(h, tls.port)));
  return makeOracle('haproxy', port, await startHaproxy(dir, config, endpoints));
}

/** nginx http: `listen … proxy_protocol`, `return 200` with the $proxy_protocol_* variables. */
export async function startNginxOracle(dir: string, hosts: readonly string[]): Promise<Oracle> {
  const [port] = (await freePorts(1)) as [number];
  const listens = hosts.map((h) => `    listen ${hostPort(h, port)} proxy_protocol;`).join('\n');
  const config = `${nginxHead(false)}http {
  ${NGINX_HTTP_PATHS}
  default_type text/plain;
  server {
${listens}
    location / {
      return 200 "src=$proxy_protocol_addr sport=$proxy_protocol_port dst=$proxy_protocol_server_addr dport=$proxy_protocol_server_port";
    }
  }
}
`;
  return makeOracle(
    'nginx',
    port,
    await startNginx(
      dir,
      config,
      hosts.map((h) => hostPort(h, port)),
    ),
  );
}
