/**
 * The built package (dist/, made by `npm run build`, which `npm test` runs first): it loads
 * through both `import` and `require`, and its core entry is runtime-agnostic.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = (code: string, type: 'module' | 'commonjs') =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: root, encoding: 'utf8' }).trim();

describe('package', () => {
  test('import and require both load the core entry by its name', () => {
    const check = `x.decode(new TextEncoder().encode('PROXY UNKNOWN\\r\\n')).status + ' ' + typeof x.ProxyProtocolError`;
    expect(node(`import * as x from 'proxyproto'; console.log(${check})`, 'module')).toBe('complete function');
    expect(node(`const x = require('proxyproto'); console.log(${check})`, 'commonjs')).toBe('complete function');
  });
  test('an error thrown by the CJS copy is instanceof the ESM class', () => {
    const code = `import { createRequire } from 'node:module'; import { ProxyProtocolError } from 'proxyproto';
      const cjs = createRequire(import.meta.url)('proxyproto');
      try { cjs.decode(new TextEncoder().encode('PROXY TCP9\\r\\n')); } catch (e) { console.log(e instanceof ProxyProtocolError, e.code); }`;
    expect(node(code, 'module')).toBe('true ERR_PROXY_V1_PROTOCOL');
  });
  test('the core bundle uses no Node APIs (it runs in Deno, Bun and edge workers)', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs']) {
      const code = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
      expect(code).not.toMatch(/\bfrom\s+['"]node:|require\(['"]|\bBuffer\b|\bprocess\./);
    }
  });
  test('no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
  });
});
