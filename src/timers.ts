/**
 * @internal What every reader that waits for a header (Web Streams, Node sockets and streams)
 * shares about its timer, so that each waits the same by default and caps a delay the same way.
 */

/** Default header timeout, in milliseconds. */
export const DEFAULT_HEADER_TIMEOUT = 10_000;

/**
 * Longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms
 * in Node (with a TimeoutOverflowWarning) and at once in most runtimes, which would time out every
 * header immediately.
 */
export const MAX_TIMER_DELAY = 0x7fffffff;
