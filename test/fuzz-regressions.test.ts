// Inputs found by the fuzzer (npm run fuzz), one test each. Every one of them failed before
// the fix it names.
import { describe, expect, test } from 'vitest';
import { decode, encode, HeaderParser, type ProxyHeaderInit, ProxyProtocolError } from '../src/index.js';
import { ascii, unhex } from './support/bytes.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProxyProtocolError) return error.code;
    throw error;
  }
  return 'no error';
}

function chunkedCode(chunks: Uint8Array[], options?: ConstructorParameters<typeof HeaderParser>[0]): string {
  const parser = new HeaderParser(options);
  return codeOf(() => {
    for (const chunk of chunks) parser.push(chunk);
  });
}

describe('v1: the error does not depend on how much of the line has arrived', () => {
  test('bad protocol token then LF: PROTOCOL, not LINE_ENDING (decode-raw, seed 3)', () => {
    expect(codeOf(() => decode(unhex('50524f58592050')))).toBe('ERR_PROXY_V1_PROTOCOL');
    expect(codeOf(() => decode(unhex('50524f585920500a00')))).toBe('ERR_PROXY_V1_PROTOCOL');
  });

  test('bad protocol token then CR: one-shot and chunked agree (parser-reuse, seed 3)', () => {
    const input = unhex('50524f585920500d5050505050');
    expect(codeOf(() => decode(input))).toBe('ERR_PROXY_V1_PROTOCOL');
    expect(chunkedCode([unhex('50524f58592050'), unhex('0d5050505050')])).toBe('ERR_PROXY_V1_PROTOCOL');
  });

  test('bad protocol token under the smallest maxHeaderLength: PROTOCOL, not LINE_TOO_LONG (decode-raw, seed 2)', () => {
    const options = { maxHeaderLength: 16 };
    expect(codeOf(() => decode(unhex('50524f58592050'), options))).toBe('ERR_PROXY_V1_PROTOCOL');
    expect(codeOf(() => decode(unhex('50524f5859205000000000000000'), options))).toBe('ERR_PROXY_V1_PROTOCOL');
  });

  test('LF right after the last place a CR could be: LINE_TOO_LONG, as for the prefix', () => {
    const line = ascii(`PROXY UNKNOWN${'a'.repeat(93)}\n`); // 107 bytes, LF at index 106
    expect(codeOf(() => decode(line.subarray(0, 106)))).toBe('ERR_PROXY_V1_LINE_TOO_LONG');
    expect(codeOf(() => decode(line))).toBe('ERR_PROXY_V1_LINE_TOO_LONG');
  });

  test('the longest line, CR at 105 and LF at 106, still decodes', () => {
    const line = ascii(`PROXY UNKNOWN ${'a'.repeat(91)}\r\n`);
    expect(line.length).toBe(107);
    expect(decode(line)).toMatchObject({ status: 'complete', length: 107 });
  });
});

describe('v2: UNIX paths', () => {
  test('a path starting with U+FEFF keeps it (encode-valid, seed 1)', () => {
    const init: ProxyHeaderInit = { version: 2, transport: 'stream', source: { path: '\ufeffbom' }, destination: { path: '' }, tlvs: [] };
    const result = decode(encode(init));
    expect(result.status === 'complete' && result.header.source).toEqual({ path: '\ufeffbom' });
  });
});

describe('encode: malformed inits throw ProxyProtocolError, nothing else', () => {
  const cases: [string, unknown][] = [
    ['endpoint that is not an object (encode-invalid, seed 1)', { source: {}, destination: 0 }],
    ['endpoints that are not objects (encode-invalid, seed 3)', { source: 0, destination: '' }],
    ['v1 endpoint that is a string', { version: 1, source: '1.2.3.4:80', destination: { address: '1.2.3.4', port: 1 } }],
    ['family that is not a family name (encode-invalid, seed 11)', { family: 0, source: [], destination: {} }],
    ['TLV without a value', { tlvs: [{ type: 1 }] }],
    ['TLV that is null', { tlvs: [null] }],
    ['CRC32C TLV without a value', { tlvs: [{ type: 3 }] }],
  ];
  for (const [name, init] of cases) {
    test(name, () => {
      expect(codeOf(() => encode(init as ProxyHeaderInit))).toMatch(/^ERR_PROXY_/);
    });
  }

  test('v1 with tlvs: null encodes like no TLVs', () => {
    const init = { version: 1, source: { address: '1.2.3.4', port: 1 }, destination: { address: '5.6.7.8', port: 2 }, tlvs: null };
    expect(Buffer.from(encode(init as unknown as ProxyHeaderInit)).toString('latin1')).toBe('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n');
  });
});
