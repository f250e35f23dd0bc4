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
  headerTimeout?: number;
  /** Aborts the read: the promise rejects with an `AbortError` (`code: 'ABORT_ERR'`). */
  signal?: AbortSignal;
  /**
   * When a header with addresses is used, make the socket report them: `remoteAddress`,
   * `remotePort`, `remoteFamily` become the header's source, `localAddress` and `localPort` its
   * destination. Defaults to `true`; `false` keeps the socket's own values. `getPeerAddress`
   * always returns the real peer.
   */
  transparent?: boolean;
  /**
   * Lenient mode only, for protocols where the server speaks first (SMTP, FTP, MySQL…):
   * milliseconds without a single byte after which the connection is served as having no header.
   * Off (`0`) by default. A header that arrives later is then application data.
   */
  assumeNoHeaderAfter?: number;
}

// One default for every reader, the Web Streams ones included.
export { DEFAULT_HEADER_TIMEOUT } from '../timers.js';
