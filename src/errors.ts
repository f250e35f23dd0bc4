/**
 * Every malformed input is reported as a {@link ProxyProtocolError} with a stable `code`.
 * Codes are part of the public API: they never change meaning within a major version.
 */

/** Stable error codes. `docs/errors.md` has one entry per code. */
export type ProxyProtocolErrorCode =
  // Decoding, both versions
  | 'ERR_PROXY_HEADER_MISSING'
  | 'ERR_PROXY_HEADER_INCOMPLETE'
  | 'ERR_PROXY_HEADER_TOO_LONG'
  | 'ERR_PROXY_VERSION_NOT_ALLOWED'
  // v1
  | 'ERR_PROXY_V1_SYNTAX'
  | 'ERR_PROXY_V1_LINE_TOO_LONG'
  | 'ERR_PROXY_V1_LINE_ENDING'
  | 'ERR_PROXY_V1_PROTOCOL'
  // addresses and ports, both directions
  | 'ERR_PROXY_INVALID_ADDRESS'
  | 'ERR_PROXY_INVALID_PORT'
  // v2
  | 'ERR_PROXY_V2_VERSION'
  | 'ERR_PROXY_V2_COMMAND'
  | 'ERR_PROXY_V2_FAMILY'
  | 'ERR_PROXY_V2_ADDRESS_LENGTH'
  | 'ERR_PROXY_TLV_MALFORMED'
  | 'ERR_PROXY_TLV_INVALID'
  | 'ERR_PROXY_CRC32C_MISMATCH'
  | 'ERR_PROXY_CRC32C_MISSING'
  // encoding
  | 'ERR_PROXY_INVALID_HEADER'
  | 'ERR_PROXY_BUFFER_TOO_SMALL'
  // Node integration
  | 'ERR_PROXY_HEADER_TIMEOUT'
  | 'ERR_PROXY_CONNECTION_REJECTED';

const BRAND: unique symbol = Symbol.for('proxyproto.ProxyProtocolError') as never;

/** Options for {@link ProxyProtocolError}. */
export interface ProxyProtocolErrorOptions {
  /** Byte offset in the input where the problem was found, when it has one. */
  offset?: number;
  /** The underlying cause, if any. */
  cause?: unknown;
}

/**
 * The only error type the library throws for bad input. `instanceof` works across the ESM and
 * CommonJS copies of the package (the check uses a `Symbol.for` brand).
 */
export class ProxyProtocolError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: ProxyProtocolErrorCode;
  /** Byte offset in the input where the problem was found, when it has one. */
  readonly offset: number | undefined;

  constructor(code: ProxyProtocolErrorCode, message: string, options?: ProxyProtocolErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProxyProtocolError';
    this.code = code;
    this.offset = options?.offset;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `value` is a {@link ProxyProtocolError} (from any copy of the package). */
export function isProxyProtocolError(value: unknown): value is ProxyProtocolError {
  return value instanceof ProxyProtocolError;
}

/** @internal Shorthand used by the codecs. */
export function fail(code: ProxyProtocolErrorCode, message: string, offset?: number): never {
  throw new ProxyProtocolError(code, message, offset === undefined ? undefined : { offset });
}
