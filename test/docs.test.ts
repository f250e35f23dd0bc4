/** The error reference stays complete: every code the library can throw has its own entry. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

test('docs/errors.md has one entry per ProxyProtocolErrorCode', () => {
  const source = readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8');
  const union = source.slice(
    source.indexOf('export type ProxyProtocolErrorCode'),
    source.indexOf(';', source.indexOf('export type ProxyProtocolErrorCode')),
  );
  const codes = [...union.matchAll(/'(ERR_PROXY_[A-Z0-9_]+)'/g)].map((m) => m[1]);
  expect(codes.length).toBeGreaterThanOrEqual(20);
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^### `(ERR_PROXY_[A-Z0-9_]+)`$/gm)].map((m) => m[1]);
  expect(documented.sort()).toEqual([...codes].sort());
});
