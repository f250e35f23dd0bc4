/** Option types shared by the Node integration. */
import type { DecodeOptions } from '../index.js';

/**
 * How a missing header is treated.
 *
 * - `strict` (the default, as the spec requires): the header must be there; anything else is
 *   `ERR_PROXY_HEADER_MISSING`.
 * - `lenient`: if the first bytes cannot start a header, they are passed on unchanged and the
 *   header is `null` (Envoy's `allow_requests_without_proxy_protocol`). Only use it for peers you
 *   trust: any client that can connect can then choose whether to send a header.
 */
export type ProxyMode = 'strict' | 'lenient';

/** Options of {@link readProxyHeader}. */
export interface ReadProxyHeaderOptions extends DecodeOptions {
  /** Defaults to `'strict'`. */
  mode?: ProxyMode;
  /**
   * Milliseconds to wait for a complete header before rejecting with `ERR_PROXY_HEADER_TIMEOUT`.
   * Defaults to 10 000 (10 s, as go-proxyproto; the spec asks for at least 3 s). `0` disables.
   */
  timeout?: number;
  /** Aborts the read: the promise rejects with an `AbortError` (`code: 'ABORT_ERR'`). */
  signal?: AbortSignal;
}

/** Default header timeout, in milliseconds. */
export const DEFAULT_HEADER_TIMEOUT = 10_000;
