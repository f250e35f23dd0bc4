/** What a probe's five connections say about the server: per-variant corrections and a one-line verdict. */
import type { Attempt, Variant } from './probe-attempt.js';

export type Attempts = Record<Variant, Attempt>;

function reject(attempt: Attempt, outcome: Attempt['outcome']): void {
  attempt.outcome = outcome;
  attempt.result = 'rejected';
}

/**
 * Corrections that need the other connections:
 * - an HTTP 400 to a header variant, when the connection without a header got another status, is
 *   the server reading the header as part of the request (a server that does not speak the protocol);
 * - with nothing sent (a server-first protocol), a connection left silent while another one got a
 *   banner is a server still waiting for something: a header.
 */
export function analyse(attempts: Attempts, sentData: boolean): void {
  const none = attempts.none;
  for (const attempt of Object.values(attempts)) {
    if (attempt.variant === 'none') continue;
    if (none.outcome === 'replied' && none.httpStatus !== 400 && attempt.httpStatus === 400) reject(attempt, 'bad-request');
  }
  if (!sentData && Object.values(attempts).some((a) => a.outcome === 'replied')) {
    for (const attempt of Object.values(attempts)) if (attempt.outcome === 'open') reject(attempt, 'silent');
  }
}

/** Every connection failed to connect: the probe could not run. */
export function unreachable(attempts: Attempts): boolean {
  return Object.values(attempts).every((a) => a.outcome === 'refused' || a.outcome === 'unreachable');
}

/** One line: "requires a PROXY header: v1 and v2 accepted; LOCAL accepted", and the other combinations. */
export function verdict(attempts: Attempts): string {
  const ok = (v: Variant) => attempts[v].result === 'accepted';
  // Open connections tell nothing when none got an answer: the server may be waiting for a request.
  const values = Object.values(attempts);
  if (values.some((a) => a.outcome === 'open') && !values.some((a) => a.outcome === 'replied')) {
    return 'inconclusive: no connection got an answer before the timeout (a server that waits for a request needs one: leave out --no-data, or give --data)';
  }
  const notes: string[] = [];
  if (ok('v1') && ok('v2')) notes.push('v1 and v2 accepted');
  else if (ok('v1')) notes.push('v1 accepted, v2 rejected');
  else if (ok('v2')) notes.push('v2 accepted, v1 rejected');
  if (ok('v2') && !ok('v2-crc32c')) notes.push('v2 with CRC32C rejected');
  if (!ok('v2') && ok('v2-crc32c')) notes.push('v2 accepted only with CRC32C');
  const anyHeader = ok('v1') || ok('v2') || ok('v2-crc32c');
  if (!ok('none') && anyHeader)
    return `requires a PROXY header: ${[...notes, `LOCAL ${ok('local') ? 'accepted' : 'rejected'}`].join('; ')}`;
  if (ok('none') && anyHeader) {
    const rejected = (['v1', 'v2', 'v2-crc32c', 'local'] as const).filter((v) => !ok(v));
    const names = rejected.map((v) => (v === 'local' ? 'LOCAL' : v === 'v2-crc32c' ? 'v2 with CRC32C' : v));
    return `accepts connections with and without a header${names.length === 0 ? '' : ` (${names.join(', ')} rejected)`}`;
  }
  if (ok('none'))
    return `does not speak the PROXY protocol: accepts connections without a header, rejects v1 and v2${ok('local') ? ' (LOCAL accepted)' : ''}`;
  const hint = values.every((a) => a.outcome === 'tls-failed') ? ' (every TLS handshake failed: is the port TLS?)' : '';
  if (ok('local')) return `rejects connections with and without a PROXY header; only LOCAL accepted${hint}`;
  return `rejects every connection, with or without a PROXY header${hint}`;
}
