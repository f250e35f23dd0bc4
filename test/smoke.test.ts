import { expect, test } from 'vitest';
import { crc32c, decode, encode } from '../src/index.js';

test('smoke', () => {
  expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  const bytes = encode({ source: { address: '::ffff:1.2.3.4', port: 1 }, destination: { address: '::ffff:5.6.7.8', port: 2 } }, { crc32c: true, padTo: 100 });
  const r = decode(bytes);
  console.log(r);
  const v1 = encode({ version: 1, source: { address: '2001:DB8:0:0:1:0:0:1', port: 1 }, destination: { address: '::', port: 2 } });
  console.log(new TextDecoder().decode(v1), decode(v1));
});
