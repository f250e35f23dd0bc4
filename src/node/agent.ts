/**
 * Keep-alive agents for node:http and node:https whose pool is keyed by the PROXY header: a
 * connection opened for one client is reused only for that client's requests.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { EncodeOptions, ProxyHeaderInit } from '../index.js';
import { connectWithHeader, encodeHeader, encodeOptionsOf, rejectRemovedOptions } from './client.js';

/** `http.request` / `https.request` options with the header of the request's client. */
export interface ProxyRequestOptions extends https.RequestOptions {
  /**
   * The PROXY header of this request's client (for example `headerFromSocket(inboundRequest)`),
   * or `{ command: 'local' }` for the proxy's own requests (health checks). Takes precedence over
   * the agent's `header`.
   */
  proxyHeader?: ProxyHeaderInit;
}

/** The agent-level header: one header, or a function of the request. */
export type ProxyHeaderOption = ProxyHeaderInit | ((requestOptions: ProxyRequestOptions, request: http.ClientRequest) => ProxyHeaderInit);

/** Options that {@link ProxyProtocolAgent} and {@link ProxyProtocolHttpsAgent} add to Node's. */
export interface ProxyAgentExtras extends EncodeOptions {
  /**
   * The header of requests that carry no `proxyHeader` option: a `ProxyHeaderInit` (encoded once,
   * when the agent is built), or a function called once per request with the request's options
   * and the `ClientRequest`. A request with neither fails with a `TypeError`.
   */
  header?: ProxyHeaderOption;
}

/** Options of {@link ProxyProtocolAgent}: `http.Agent` options plus {@link ProxyAgentExtras}. */
export interface ProxyProtocolAgentOptions extends http.AgentOptions, ProxyAgentExtras {}

/** Options of {@link ProxyProtocolHttpsAgent}: `https.Agent` options plus {@link ProxyAgentExtras}. */
export interface ProxyProtocolHttpsAgentOptions extends https.AgentOptions, ProxyAgentExtras {}

/**
 * Total sockets (in use and idle, across every client) when `maxTotalSockets` is not given.
 * Node's own default is unlimited, which, with one pool per client, lets idle connections grow
 * with the number of clients.
 */
const DEFAULT_MAX_TOTAL_SOCKETS = 1024;

/** Where a request's encoded header travels from `addRequest` to `getName` and `createConnection`. */
const PREPARED: unique symbol = Symbol('proxyproto.agent.prepared');

interface Prepared {
  bytes: Buffer;
  /** Appended to Node's pool key: `:proxy=` and the header bytes in base64. */
  suffix: string;
}

type WithPrepared = { [PREPARED]?: Prepared };

interface Settings {
  header: ProxyHeaderOption | undefined;
  encode: EncodeOptions;
  /** The agent-level header object, encoded once when the agent is built. */
  fixed: Prepared | undefined;
}

/** The part of Node's `Agent` internals the pool logic relies on (present since Node 14.5). */
interface AgentInternals {
  readonly freeSockets: NodeJS.ReadOnlyDict<net.Socket[]>;
  readonly sockets: NodeJS.ReadOnlyDict<net.Socket[]>;
  readonly requests: NodeJS.ReadOnlyDict<http.ClientRequest[]>;
  readonly totalSocketCount: number;
  readonly maxTotalSockets: number;
  readonly maxSockets: number;
}

type AddRequest = (this: http.Agent, request: http.ClientRequest, options: object) => void;
const baseAddRequest = (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest;

function settingsFrom(options: ProxyAgentExtras & object, where: string): [Settings, object] {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`);
  rejectRemovedOptions(options, where);
  if ('proxyHeader' in options) throw new TypeError(`${where}: proxyHeader is a request option; the agent takes header`);
  const { header, crc32c, padTo, ...rest } = options;
  if (header !== undefined && typeof header !== 'function' && (typeof header !== 'object' || header === null)) {
    throw new TypeError(`${where}: header must be a ProxyHeaderInit or a function returning one`);
  }
  const encode = encodeOptionsOf(crc32c, padTo, where);
  // Encoded now: a header that cannot encode is a configuration error, reported here rather than
  // on the first request, and the requests that use it share its bytes.
  const fixed = header !== undefined && typeof header !== 'function' ? withKey(encodeHeader(header, encode, where)) : undefined;
  const nodeOptions = { keepAlive: true, maxTotalSockets: DEFAULT_MAX_TOTAL_SOCKETS, ...rest };
  return [{ header, encode, fixed }, nodeOptions];
}

/** The header bytes and the pool key suffix they give. */
function withKey(bytes: Buffer): Prepared {
  return { bytes, suffix: `:proxy=${bytes.toString('base64')}` };
}

/** The request's header, encoded; throws what the header function or the encoder threw. */
function prepare(settings: Settings, options: ProxyRequestOptions, request: http.ClientRequest | undefined, where: string): Prepared {
  let header: unknown = options.proxyHeader;
  if (header === undefined && settings.fixed !== undefined) return settings.fixed;
  const fallback = settings.header;
  if (header === undefined && typeof fallback === 'function') {
    if (request === undefined) throw new TypeError(`${where}: the header function needs the request`);
    header = fallback(options, request);
  }
  if (header === undefined) {
    throw new TypeError(`${where}: no PROXY header for this request; give it a proxyHeader option or give the agent a header`);
  }
  return withKey(encodeHeader(header, settings.encode, where));
}

function addRequest(agent: http.Agent, settings: Settings, request: http.ClientRequest, options: object, where: string): void {
  let prepared: Prepared;
  try {
    prepared = prepare(settings, options as ProxyRequestOptions, request, where);
  } catch (error) {
    // The path Node's Agent takes when a connection cannot be created: 'error' on the request,
    // on the next tick, before anything is connected.
    (request as unknown as { onSocket(socket: undefined, error: unknown): void }).onSocket(undefined, error);
    return;
  }
  const tagged: WithPrepared = { ...options, [PREPARED]: prepared };
  baseAddRequest.call(agent, request, tagged);
  makeRoom(agent as unknown as AgentInternals, request);
}

/**
 * Node's Agent queues a request that needs a connection when `maxTotalSockets` is reached, and
 * waits for some connection to close. Idle connections of other clients would only close on
 * their idle timeout, so one is closed now, from the client that has had idle connections the
 * longest (the pools keep insertion order, and a pool is dropped once empty): the queued request
 * gets its connection as soon as that one is gone, and the total never exceeds the bound.
 */
function makeRoom(agent: AgentInternals, request: http.ClientRequest): void {
  if (agent.totalSocketCount < agent.maxTotalSockets) return;
  let queuedFor: string | undefined;
  for (const name in agent.requests) {
    const queue = agent.requests[name];
    if (queue !== undefined && queue[queue.length - 1] === request) {
      queuedFor = name;
      break;
    }
  }
  // Not queued (it got a pooled connection), or queued behind its own client's maxSockets.
  if (queuedFor === undefined || (agent.sockets[queuedFor]?.length ?? 0) >= agent.maxSockets) return;
  for (const name in agent.freeSockets) {
    if (name === queuedFor) continue;
    const idle = agent.freeSockets[name]?.find((socket) => !socket.destroyed);
    if (idle !== undefined) {
      idle.destroy();
      return;
    }
  }
}

/**
 * A connection just freed while requests of other clients wait at `maxTotalSockets`: Node would
 * pool it and open one more connection for the waiting request (one over the bound). Closing it
 * instead hands its place to the waiting request.
 */
function othersWaiting(agent: AgentInternals): boolean {
  if (agent.totalSocketCount < agent.maxTotalSockets) return false;
  // Node then opens a connection for the first waiting client only, and only when it has none.
  for (const name in agent.requests) return (agent.sockets[name]?.length ?? 0) === 0;
  return false;
}

function preparedOf(settings: Settings, options: object, where: string): Prepared {
  return (options as WithPrepared)[PREPARED] ?? prepare(settings, options as ProxyRequestOptions, undefined, where);
}

/** Node's pool key for these options, plus the header's suffix (when the header can be known). */
function nameWithHeader(base: string, settings: Settings, options: object | undefined, where: string): string {
  if (options === undefined) return base;
  try {
    return base + preparedOf(settings, options, where).suffix;
  } catch {
    // Only reachable by calling getName directly with options lacking a usable header.
    return `${base}:proxy=?`;
  }
}

/**
 * An `http.Agent` that opens every connection with a PROXY header, and keys its keep-alive pool
 * by the encoded header: a connection is reused only for requests with the same header (the same
 * client), never handed to another client.
 *
 * The header comes from the request's `proxyHeader` option, else from the agent's `header`
 * (an object, or a function of the request). `keepAlive` defaults to `true` and
 * `maxTotalSockets` to 1024. `maxSockets` and `maxFreeSockets` apply per pool key, so per client;
 * `maxTotalSockets` bounds the connections of all clients together (in use and idle): when it is
 * reached and a new client needs a connection, an idle connection of another client (the one
 * with idle connections the longest) is closed to make room. `timeout` closes idle connections as in Node.
 *
 * A request whose header cannot be encoded (or that has no header) fails with the encoder's
 * `ProxyProtocolError` (a `RangeError` for the agent's `crc32c` or `padTo` with a v1 header, a
 * `TypeError` without a header) before anything is connected.
 *
 * @throws {TypeError} for wrongly typed `header`, `crc32c` or `padTo`, the removed
 * `encodeOptions`, or a `proxyHeader` given to the agent instead of the request.
 * @throws {RangeError} for a `padTo` that is not a whole number of bytes.
 * @throws {ProxyProtocolError} when an agent-level header object does not encode (a
 * `RangeError` when it is v1 and the agent has `crc32c` or `padTo`).
 */
export class ProxyProtocolAgent extends http.Agent {
  readonly #settings: Settings;

  constructor(options: ProxyProtocolAgentOptions = {}) {
    const [settings, nodeOptions] = settingsFrom(options, 'ProxyProtocolAgent');
    super(nodeOptions);
    this.#settings = settings;
  }

  /** @internal Node's Agent calls this for every request. */
  addRequest(request: http.ClientRequest, options: object): void {
    addRequest(this, this.#settings, request, options, 'ProxyProtocolAgent');
  }

  override getName(options?: http.ClientRequestArgs): string {
    return nameWithHeader(super.getName(options), this.#settings, options, 'ProxyProtocolAgent');
  }

  /** @internal Node's Agent calls this before pooling a freed connection. */
  override keepSocketAlive(socket: Duplex): boolean {
    if (othersWaiting(this as unknown as AgentInternals)) return false;
    // Node's implementation returns a boolean, which its typings do not declare.
    return super.keepSocketAlive(socket) as unknown as boolean;
  }

  override createConnection(options: http.ClientRequestArgs, _callback?: (error: Error | null, stream: Duplex) => void): net.Socket {
    const { bytes } = preparedOf(this.#settings, options, 'ProxyProtocolAgent');
    return connectWithHeader(bytes, options as net.NetConnectOpts);
  }
}

type HttpsCreateConnection = (this: https.Agent, options: object) => Duplex;
const baseHttpsCreateConnection = (https.Agent.prototype as unknown as { createConnection: HttpsCreateConnection }).createConnection;

/**
 * The `https.Agent` counterpart of {@link ProxyProtocolAgent}: the header is written on the TCP
 * connection before the TLS ClientHello, then TLS runs as `https.Agent` runs it (SNI from the
 * request, certificate and hostname checks, the agent's TLS options). TLS sessions are cached per
 * server, not per client, so resumption works across clients.
 */
export class ProxyProtocolHttpsAgent extends https.Agent {
  readonly #settings: Settings;

  constructor(options: ProxyProtocolHttpsAgentOptions = {}) {
    const [settings, nodeOptions] = settingsFrom(options, 'ProxyProtocolHttpsAgent');
    super(nodeOptions);
    this.#settings = settings;
  }

  /** @internal Node's Agent calls this for every request. */
  addRequest(request: http.ClientRequest, options: object): void {
    addRequest(this, this.#settings, request, options, 'ProxyProtocolHttpsAgent');
  }

  override getName(options?: https.RequestOptions): string {
    return nameWithHeader(super.getName(options), this.#settings, options, 'ProxyProtocolHttpsAgent');
  }

  /** @internal Node's Agent calls this before pooling a freed connection. */
  override keepSocketAlive(socket: Duplex): boolean {
    if (othersWaiting(this as unknown as AgentInternals)) return false;
    return super.keepSocketAlive(socket) as unknown as boolean;
  }

  override createConnection(options: https.RequestOptions, _callback?: (error: Error | null, stream: Duplex) => void): Duplex {
    const { bytes, suffix } = preparedOf(this.#settings, options, 'ProxyProtocolHttpsAgent');
    const raw = connectWithHeader(bytes, options as net.NetConnectOpts);
    const key = (options as { _agentKey?: unknown })._agentKey;
    const tlsOptions: Record<string, unknown> = { ...options, socket: raw };
    // The session cache is keyed by Node's pool key: without the header part, one cache per server.
    if (typeof key === 'string' && key.endsWith(suffix)) tlsOptions._agentKey = key.slice(0, key.length - suffix.length);
    const socket = baseHttpsCreateConnection.call(this, tlsOptions);
    // An error on the TCP connection (refused, reset) fails the TLS socket over it.
    raw.once('error', (error) => socket.destroy(error));
    return socket;
  }
}
