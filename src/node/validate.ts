/** @internal Argument checks of the Node APIs: a misuse throws at the call, with the fix in the message. */
import { BlockList, Server } from 'node:net';

/**
 * The core's decoding and encoding options, passed through unchanged (the core checks their
 * values): every Node API that decodes accepts exactly the decoding ones.
 */
export { DECODE_OPTION_NAMES, ENCODE_OPTION_NAMES } from '../options.js';

/** Names people reach for, and the option they mean. */
const MEANT: Readonly<Record<string, string>> = {
  timeout: 'headerTimeout',
  headerTimeoutMs: 'headerTimeout',
  trust: 'trusted',
  trustedProxies: 'trusted',
  allowlist: 'trusted',
  strict: 'mode',
  lenient: 'mode',
  version: 'versions',
  crc: 'crc32c',
};

/**
 * Checks that `options` is `undefined` or a plain object whose keys are all in `valid`, and
 * returns it (`{}` for `undefined`). @throws {TypeError} naming the unknown key and the valid ones.
 */
export function checkOptions<T extends object>(options: T | undefined, where: string, valid: readonly string[]): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const meant = MEANT[key] ?? valid.find((name) => name.toLowerCase() === key.toLowerCase());
    const hint = meant !== undefined && valid.includes(meant) ? ` (did you mean ${meant}?)` : '';
    throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}${hint}; valid options are ${valid.join(', ')}`);
  }
  return options;
}

/** A finite number of milliseconds, at least 0; `undefined` gives `fallback`. */
export function milliseconds(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number of milliseconds, got ${describe(value)}`);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${value}`);
  return value;
}

export function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

export function checkMode(value: unknown): void {
  if (value !== undefined && value !== 'strict' && value !== 'lenient') {
    throw new TypeError(`mode must be 'strict' or 'lenient', got ${describe(value)}`);
  }
}

export function checkSignal(value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${describe(value)}`);
}

export function checkTrusted(value: unknown): void {
  if (value === undefined || typeof value === 'function' || value instanceof BlockList) return;
  checkAddressList(value, 'trusted must be an array of addresses or CIDR blocks, a net.BlockList or a function', 'trusted');
}

/**
 * @throws {TypeError} unless `value` is an array of strings; `expected` says what was wanted, and
 * a lone string is told to go in brackets (the likely slip: `'10.0.0.0/8'` for `['10.0.0.0/8']`).
 */
export function checkAddressList(value: unknown, expected: string, name: string): asserts value is readonly string[] {
  if (typeof value === 'string') throw new TypeError(`${expected}; got a string: write [${JSON.stringify(value)}]`);
  if (!Array.isArray(value)) throw new TypeError(`${expected}; got ${describe(value)}`);
  for (const entry of value) {
    if (typeof entry !== 'string')
      throw new TypeError(`${name} entries must be strings (addresses or CIDR blocks), got ${describe(entry)}`);
  }
}

/** @throws {TypeError} unless `server` is a `net.Server`, saying where the server of a framework is. */
export function checkServer(server: unknown): asserts server is Server {
  if (server instanceof Server) return;
  throw new TypeError(
    `acceptProxyProtocol needs a net.Server (net, http, https, tls or http2), got ${describe(server)}${frameworkHint(server)}`,
  );
}

function frameworkHint(value: unknown): string {
  if (value === undefined || value === null) {
    return ': pass the server itself, e.g. the value of http.createServer() or of app.listen()';
  }
  const app = value as Record<string, unknown>;
  // fastify: the instance holds the http server as `server` (created before listen).
  if (peek(app, 'server') instanceof Server) {
    return ': this looks like a fastify instance; pass app.server (acceptProxyProtocol(app.server, options) before app.listen())';
  }
  // Koa: an object with use, listen and callback.
  if (typeof app === 'object' && typeof peek(app, 'callback') === 'function' && typeof peek(app, 'listen') === 'function') {
    return ': this looks like a Koa app; app.listen() returns the server (const server = app.listen(port); acceptProxyProtocol(server, options)), or use http.createServer(app.callback())';
  }
  // express (and connect): the app is a request handler function with use and listen.
  if (typeof app === 'function' && typeof peek(app, 'listen') === 'function') {
    return ': this looks like an express app; app.listen() returns the server (const server = app.listen(port); acceptProxyProtocol(server, options)), or use http.createServer(app)';
  }
  if (typeof app === 'function') return ': a request handler is not a server; pass http.createServer(handler)';
  return '';
}

function peek(target: unknown, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** A short description of a value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `an instance of ${name}` : 'an object';
  }
  return `${typeof value} ${String(value)}`;
}
