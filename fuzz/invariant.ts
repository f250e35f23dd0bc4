/**
 * How a target states what must hold: `invariant`, `guarded` (which lets only the library's own
 * errors through), and headers compared and printed as plain data.
 */
import type { DecodeResult, ProxyHeader, ProxyProtocolError } from '../src/index.js';
import { hex } from '../test/support/bytes.js';
import type { Core } from './context.js';

/** A broken invariant: the only error a check throws on purpose. */
export class InvariantError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvariantError';
  }
}

/** Throws an {@link InvariantError} unless `condition` holds; a function message is built only then. */
export function invariant(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message);
}

/** What a guarded call gave: its value, or the library error it threw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ProxyProtocolError };

/**
 * Messages of the errors the engine itself throws (a property read on `null`, an index out of a
 * typed array's range...): a TypeError or RangeError with one of these is a bug, not a refusal.
 */
const ENGINE_ERROR =
  /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Cannot convert|Cannot use 'in' operator|Cannot destructure|Cannot mix BigInt|Invalid array length|Invalid typed array length|out of bounds|outside the bounds|Maximum call stack/;

/**
 * True for the errors the library throws on purpose for a wrong argument (a TypeError for a wrong
 * type or an unknown key, a RangeError for an impossible value), as opposed to one that escaped
 * from the engine or from a Node API (whose errors carry an `ERR_*` code).
 */
export function isArgumentError(error: unknown): error is TypeError | RangeError {
  return (
    (error instanceof TypeError || error instanceof RangeError) &&
    (error as { code?: unknown }).code === undefined &&
    !ENGINE_ERROR.test(error.message)
  );
}

/**
 * Runs `fn` and returns its value, or the ProxyProtocolError it threw. Anything else that escapes
 * is a bug and is rethrown as an {@link InvariantError} naming `what` ({@link attempt} is the one
 * that also takes the library's own TypeError and RangeError as refusals).
 */
export function guarded<T>(lib: Core, what: string, fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (isLibraryError(lib, error)) return { ok: false, error };
    throw new InvariantError(`${what}: a non-ProxyProtocolError escaped: ${describeError(error)}`, { cause: error });
  }
}

/** A ProxyProtocolError (of any copy of the package) with a stable code. */
export function isLibraryError(lib: Core, error: unknown): error is ProxyProtocolError {
  return error instanceof lib.ProxyProtocolError && typeof error.code === 'string' && error.code.startsWith('ERR_PROXY_');
}

/** A call's value, or how it refused: a ProxyProtocolError's code, or `TypeError` / `RangeError`. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; refusal: string };

/** Runs `fn`, which may refuse its arguments; any other error escaping is a broken invariant. */
export function attempt<T>(lib: Core, what: string, fn: () => T): Attempt<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (isLibraryError(lib, error)) return { ok: false, refusal: error.code };
    if (isArgumentError(error)) return { ok: false, refusal: error.name };
    throw new InvariantError(`${what}: an internal error escaped: ${describeError(error)}`, { cause: error });
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** A header as plain data (byte views as hex), so that two headers compare as JSON. */
export function normalizeHeader(header: ProxyHeader): Record<string, unknown> {
  const out: Record<string, unknown> = {
    version: header.version,
    command: header.command,
    family: header.family,
    transport: header.transport,
    source: header.source === null ? null : { ...header.source },
    destination: header.destination === null ? null : { ...header.destination },
    tlvs: header.tlvs.map((t) => ({ type: t.type, value: hex(t.value) })),
  };
  if (header.unparsed !== undefined) out.unparsed = hex(header.unparsed);
  return out;
}

export function sameHeader(a: ProxyHeader, b: ProxyHeader): boolean {
  return JSON.stringify(normalizeHeader(a)) === JSON.stringify(normalizeHeader(b));
}

/** JSON for a failure report: bytes as `<hex>`, undefined and bigints spelled out. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Uint8Array ? `<${hex(v)}>` : v === undefined ? '<undefined>' : typeof v === 'bigint' ? `${v}n` : v,
  );
}

export function summary(r: Outcome<DecodeResult>): string {
  if (!r.ok) return `throws ${r.error.code}`;
  return r.value.status === 'complete' ? `complete(length=${r.value.length})` : r.value.status;
}

/** Same status, same error code, same header and length. */
export function sameDecodeResult(a: Outcome<DecodeResult>, b: Outcome<DecodeResult>): boolean {
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.error.code === b.error.code;
  if (a.value.status !== 'complete' || b.value.status !== 'complete') return a.value.status === b.value.status;
  return a.value.length === b.value.length && sameHeader(a.value.header, b.value.header);
}
