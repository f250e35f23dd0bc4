import { describe, expect, test } from 'vitest';
import { type DecodeOptions, decode, encode, HeaderParser, isProxyProtocolError, ProxyProtocolError } from '../src/index.js';
import { ascii, concat, unhex } from './support/bytes.js';

function codeOf(bytes: Uint8Array, options?: DecodeOptions): string {
  try {
    return decode(bytes, options).status;
  } catch (error) {
    if (error instanceof ProxyProtocolError) return error.code;
    throw error;
  }
}

const V2_TCP4 = unhex('0d0a0d0a000d0a515549540a2111000cc0000201c6336402dc0401bb');

describe('detection', () => {
  test('none at the first byte that differs from both signatures', () => {
    expect(codeOf(ascii('G'))).toBe('none');
    expect(codeOf(ascii('PR'))).toBe('incomplete');
    expect(codeOf(ascii('PRO\n'))).toBe('none');
    expect(codeOf(Uint8Array.of(0x0d, 0x0a, 0x0d))).toBe('incomplete');
    expect(codeOf(Uint8Array.of(0x0d, 0x0a, 0x0a))).toBe('none');
    expect(codeOf(Uint8Array.of(0x16, 0x03, 0x01))).toBe('none'); // TLS ClientHello
    expect(codeOf(new Uint8Array(0))).toBe('incomplete');
  });
  test('a partial v1 line is rejected as soon as its protocol token cannot be valid', () => {
    expect(codeOf(ascii('PROXY TCP'))).toBe('incomplete');
    expect(codeOf(ascii('PROXY UNK'))).toBe('incomplete');
    expect(codeOf(ascii('PROXY TCP5'))).toBe('ERR_PROXY_V1_PROTOCOL');
    expect(codeOf(ascii('PROXY tcp4'))).toBe('ERR_PROXY_V1_PROTOCOL');
    expect(codeOf(ascii('PROXY  '))).toBe('ERR_PROXY_V1_PROTOCOL');
    expect(codeOf(ascii('PROXYX'))).toBe('ERR_PROXY_V1_SYNTAX');
  });
  test('v2 fixed fields are checked as soon as they arrive', () => {
    expect(codeOf(V2_TCP4.subarray(0, 13))).toBe('incomplete');
    expect(codeOf(concat(V2_TCP4.subarray(0, 12), Uint8Array.of(0x31)))).toBe('ERR_PROXY_V2_VERSION');
    expect(codeOf(concat(V2_TCP4.subarray(0, 12), Uint8Array.of(0x23)))).toBe('ERR_PROXY_V2_COMMAND');
    expect(codeOf(concat(V2_TCP4.subarray(0, 13), Uint8Array.of(0x13)))).toBe('ERR_PROXY_V2_FAMILY');
    expect(codeOf(concat(V2_TCP4.subarray(0, 14), Uint8Array.of(0x00, 0x0b)))).toBe('ERR_PROXY_V2_ADDRESS_LENGTH');
  });
});

describe('options', () => {
  test('versions pins the accepted version', () => {
    expect(codeOf(V2_TCP4, { versions: [1] })).toBe('ERR_PROXY_VERSION_NOT_ALLOWED');
    expect(codeOf(ascii('PROXY UNKNOWN\r\n'), { versions: [2] })).toBe('ERR_PROXY_VERSION_NOT_ALLOWED');
    expect(codeOf(V2_TCP4, { versions: [2] })).toBe('complete');
  });
  test('maxHeaderLength rejects a v2 header from its fixed part, before the body arrives', () => {
    const big = encode({
      source: { address: '1.2.3.4', port: 1 },
      destination: { address: '1.2.3.4', port: 2 },
      tlvs: [{ type: 0xe1, value: new Uint8Array(5000) }],
    });
    expect(codeOf(big.subarray(0, 16), { maxHeaderLength: 4096 })).toBe('ERR_PROXY_HEADER_TOO_LONG');
    expect(codeOf(big.subarray(0, 16))).toBe('incomplete');
    expect(codeOf(big)).toBe('complete');
  });
  test('maxHeaderLength below 107 also limits v1 lines', () => {
    const line = ascii('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
    expect(codeOf(line, { maxHeaderLength: 47 })).toBe('complete');
    expect(codeOf(line, { maxHeaderLength: 46 })).toBe('ERR_PROXY_V1_LINE_TOO_LONG');
  });
  test('TCP6 with plain IPv4 text: rejected by default, mapped on request', () => {
    const line = ascii('PROXY TCP6 192.0.2.1 192.0.2.2 1234 5678\r\n');
    expect(codeOf(line)).toBe('ERR_PROXY_INVALID_ADDRESS');
    const r = decode(line, { allowIPv4InTcp6: true });
    expect(r.status === 'complete' && r.header.source).toEqual({ address: '::ffff:192.0.2.1', port: 1234 });
  });
  test('TCP6 with a dotted-quad tail: accepted by default, rejected on request', () => {
    const line = ascii('PROXY TCP6 ::ffff:127.0.0.1 ::1 1 2\r\n');
    expect(codeOf(line)).toBe('complete');
    expect(codeOf(line, { allowDottedQuadInTcp6: false })).toBe('ERR_PROXY_INVALID_ADDRESS');
  });
  test('CRC32C verification can be turned off', () => {
    const bytes = encode({ command: 'local' }, { crc32c: true });
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    expect(codeOf(bytes)).toBe('ERR_PROXY_CRC32C_MISMATCH');
    expect(codeOf(bytes, { crc32c: 'ignore' })).toBe('complete');
  });
  test('maxUniqueIdLength', () => {
    const init = {
      source: { address: '1.2.3.4', port: 1 },
      destination: { address: '1.2.3.4', port: 2 },
      tlvs: [{ type: 5, value: new Uint8Array(100) }],
    };
    expect(codeOf(encode(init), { maxUniqueIdLength: 64 })).toBe('ERR_PROXY_TLV_INVALID');
    expect(codeOf(encode(init))).toBe('complete');
  });
});

describe('v2 semantics', () => {
  test('LOCAL never exposes addresses, whatever the block holds', () => {
    const local = V2_TCP4.slice();
    local[12] = 0x20;
    const r = decode(local);
    expect(r.status === 'complete' && [r.header.command, r.header.family, r.header.source, r.header.destination]).toEqual([
      'local',
      'ipv4',
      null,
      null,
    ]);
  });
  test('LOCAL with an undefined family byte is accepted as unspec (the spec: the family is ignored)', () => {
    const r = decode(unhex('0d0a0d0a000d0a515549540a20ff0000'));
    expect(r.status === 'complete' && [r.header.family, r.header.transport]).toEqual(['unspec', 'unspec']);
  });
  test('UNIX paths end at the first NUL; a path that is not UTF-8 is an error', () => {
    const bytes = encode({ source: { path: '/run/a.sock' }, destination: { path: '' } });
    const r = decode(bytes);
    expect(r.status === 'complete' && r.header.source).toEqual({ path: '/run/a.sock' });
    expect(r.status === 'complete' && r.header.destination).toEqual({ path: '' });
    bytes[16] = 0xff;
    expect(codeOf(bytes)).toBe('ERR_PROXY_INVALID_ADDRESS');
  });
  test('TLV values are views into the input (no copies)', () => {
    const bytes = encode({
      source: { address: '1.2.3.4', port: 1 },
      destination: { address: '1.2.3.4', port: 2 },
      tlvs: [{ type: 1, value: ascii('h2') }],
    });
    const r = decode(bytes);
    expect(r.status === 'complete' && r.header.tlvs[0]?.value.buffer).toBe(bytes.buffer);
  });
});

describe('HeaderParser', () => {
  test('none hands back every byte pushed so far, unchanged', () => {
    const parser = new HeaderParser();
    expect(parser.push(ascii('PRO')).status).toBe('incomplete');
    const step = parser.push(ascii('TOCOL'));
    expect(step.status === 'none' && new TextDecoder().decode(step.data)).toBe('PROTOCOL');
    expect(parser.bufferedLength).toBe(0);
  });
  test('buffered is a copy of every byte pushed while the header is incomplete', () => {
    const parser = new HeaderParser();
    expect(parser.buffered.length).toBe(0);
    parser.push(V2_TCP4.subarray(0, 5));
    parser.push(V2_TCP4.subarray(5, 20));
    const held = parser.buffered;
    expect(Array.from(held)).toEqual(Array.from(V2_TCP4.subarray(0, 20)));
    held.fill(0);
    expect(parser.push(V2_TCP4.subarray(20)).status).toBe('complete');
    expect(parser.buffered.length).toBe(0);
  });
  test('end() inside a header is ERR_PROXY_HEADER_INCOMPLETE; the parser is then reusable', () => {
    const parser = new HeaderParser();
    parser.push(V2_TCP4.subarray(0, 20));
    expect(() => parser.end()).toThrow(expect.objectContaining({ code: 'ERR_PROXY_HEADER_INCOMPLETE' }));
    const step = parser.push(V2_TCP4);
    expect(step.status).toBe('complete');
    expect(() => parser.end()).not.toThrow();
  });
  test('endOfStream says what a stream without a header was, and resets', () => {
    const parser = new HeaderParser();
    expect(parser.endOfStream(false)).toBeNull();
    expect(parser.endOfStream(true)?.length).toBe(0);
    parser.push(ascii('PRO'));
    expect(Array.from(parser.endOfStream(true) ?? [])).toEqual(Array.from(ascii('PRO')));
    expect(parser.bufferedLength).toBe(0);
    parser.push(ascii('PRO'));
    expect(() => parser.endOfStream(false)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_HEADER_INCOMPLETE' }));
    parser.push(V2_TCP4.subarray(0, 20));
    expect(() => parser.endOfStream(true)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_HEADER_INCOMPLETE' }));
    expect(parser.push(V2_TCP4).status).toBe('complete');
    expect(() => parser.endOfStream('yes' as never)).toThrow(TypeError);
  });
  test('after an error the same instance decodes a valid header', () => {
    const parser = new HeaderParser();
    expect(() => parser.push(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 80 443a\r\n'))).toThrow(ProxyProtocolError);
    parser.push(V2_TCP4.subarray(0, 3));
    expect(() => parser.push(ascii('X'))).not.toThrow();
    const step = parser.push(V2_TCP4);
    expect(step.status).toBe('complete');
  });
  test('buffers no more than the bytes received, even when the header announces 64 KiB', () => {
    const parser = new HeaderParser();
    const fixed = unhex('0d0a0d0a000d0a515549540a2111ffff');
    for (const b of fixed) parser.push(Uint8Array.of(b));
    expect(parser.bufferedLength).toBe(16);
    for (let i = 0; i < 100; i++) parser.push(Uint8Array.of(0));
    expect(parser.bufferedLength).toBe(116);
  });
  test('TLV values survive the reuse of the internal buffer', () => {
    const bytes = encode({
      source: { address: '1.2.3.4', port: 1 },
      destination: { address: '1.2.3.4', port: 2 },
      tlvs: [{ type: 2, value: ascii('example.com') }],
    });
    const parser = new HeaderParser();
    parser.push(bytes.subarray(0, 10));
    const step = parser.push(bytes.subarray(10));
    if (step.status !== 'complete') throw new Error('expected complete');
    parser.push(Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x99, 0x99));
    expect(new TextDecoder().decode(step.header.tlvs[0]?.value)).toBe('example.com');
  });
});

describe('ProxyProtocolError', () => {
  test('instanceof works across copies of the class (Symbol.for brand)', () => {
    const foreign = Object.assign(new Error('x'), { code: 'ERR_PROXY_V1_SYNTAX' });
    Object.defineProperty(foreign, Symbol.for('proxyproto.ProxyProtocolError'), { value: true });
    expect(foreign instanceof ProxyProtocolError).toBe(true);
    expect(isProxyProtocolError(new Error('x'))).toBe(false);
    const e = new ProxyProtocolError('ERR_PROXY_V1_SYNTAX', 'bad', { offset: 3 });
    expect([e.name, e.code, e.offset, e instanceof Error]).toEqual(['ProxyProtocolError', 'ERR_PROXY_V1_SYNTAX', 3, true]);
  });
});
