/** The built CLI without sockets: decode, encode, help, version and error exits. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { decode } from '../../src/index.js';
import { fixture, killAll, root, run } from './helpers.js';

afterEach(killAll);

const stackTrace = /\n\s+at /;

describe('decode', () => {
  test('a HAProxy v2 capture with CRC32C, ALPN, AUTHORITY, UNIQUE_ID and SSL: summary, byte map, payload', async () => {
    const { code, stdout, stderr } = await run(['decode', '--file', fixture('hap-v2-all.bin')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('PROXY protocol v2 header, 187 bytes');
    expect(stdout).toContain('source      127.0.0.1:60346');
    expect(stdout).toMatch(/CRC32C\s+0x[0-9a-f]{8} \(verified\)/);
    expect(stdout).toContain('AUTHORITY "example.test"');
    expect(stdout).toContain('SSL_CN "pp-test-client"');
    // byte map rows: offset, bytes, meaning
    expect(stdout).toMatch(/^\s+0 {2}0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a +signature$/m);
    expect(stdout).toMatch(/^\s+12 {2}21 +version 2, command PROXY$/m);
    expect(stdout).toMatch(/^\s+13 {2}11 +family INET \(IPv4\), transport STREAM \(TCP\)$/m);
    expect(stdout).toMatch(/^\s+14 {2}00 ab +length 171 \(header is 187 bytes\)$/m);
    expect(stdout).toMatch(/^\s+24 {2}eb ba +source port 60346$/m);
    expect(stdout).toMatch(/^\s+28 {2}03 00 04 +TLV type 0x03 CRC32C, length 4$/m);
    expect(stdout).toMatch(/sub-TLV type 0x21 SSL_VERSION, length 7/);
    expect(stdout).toMatch(/payload: \d+ bytes after the header: "GET /);
  });

  test('a v1 capture, a v2 LOCAL and a v1 UNKNOWN', async () => {
    const v1 = await run(['decode', '-f', fixture('hap-v1-ipv6.bin')]);
    expect(v1.code).toBe(0);
    expect(v1.stdout).toContain('PROXY protocol v1 header, 32 bytes');
    expect(v1.stdout).toMatch(/^\s+6 {2}"TCP6" +protocol TCP6$/m);
    expect(v1.stdout).toMatch(/^\s+30 {2}"\\r\\n" +CRLF$/m);
    const local = await run(['decode', '--file', fixture('hap-v2-unix.bin')]);
    expect(local.stdout).toContain('version 2, command LOCAL');
    expect(local.stdout).toContain('no addresses');
    const unknown = await run(['decode', '--file', fixture('hap-v1-unix.bin')]);
    expect(unknown.stdout).toContain('protocol UNKNOWN (no addresses)');
  });

  test('hex with spaces, colons and newlines; a v1 line as text; stdin', async () => {
    const bytes = readFileSync(fixture('hap-v2-crc32c.bin'));
    const header = bytes.subarray(0, 40).toString('hex');
    const spaced = header.replace(/(..)/g, '$1 ').replace(/(.{24})/g, '$1\n');
    const colons = header.replace(/(..)(?!$)/g, '$1:');
    for (const text of [spaced, colons]) {
      const { code, stdout } = await run(['decode', text]);
      expect(code).toBe(0);
      expect(stdout).toContain('PROXY protocol v2 header, 40 bytes');
      expect(stdout).toContain('no payload after the header');
    }
    const fromStdin = await run(['decode', '-'], { input: spaced });
    expect(fromStdin.stdout).toContain('ALPN "h2"');
    const line = await run(['decode', 'PROXY TCP4 192.0.2.1 10.0.0.1 51000 443']);
    expect(line.code).toBe(0);
    expect(line.stdout).toContain('source      192.0.2.1:51000');
    const raw = await run(['decode', '--raw-stdin'], { input: 'PROXY TCP6 ::1 ::1 1 2\r\nhello' });
    expect(raw.stdout).toContain('payload: 5 bytes after the header: "hello"');
  });

  test('--json: bigints as strings, bytes as hex', async () => {
    const hex = (
      await run(['encode', '--src', '192.0.2.1:1', '--dst', '192.0.2.2:2', '--tlv', 'gcp=ffffffffffffffff', '--unique-id', 'abc'])
    ).stdout.trim();
    const { code, stdout } = await run(['decode', '--json', hex]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.typed.gcp.pscConnectionId).toBe('18446744073709551615');
    expect(json.typed.uniqueId).toBe('abc');
    expect(json.tlvs[0]).toEqual({ type: 5, name: 'UNIQUE_ID', length: 3, value: '616263' });
  });

  test('errors: one line with code and offset, exit 1', async () => {
    const family = await run(['decode', '0d0a0d0a000d0a515549540a2155000c']);
    expect(family.code).toBe(1);
    expect(family.stderr).toBe(
      'proxyproto decode: ERR_PROXY_V2_FAMILY at offset 13: family/transport byte 0x55 is not one of the defined combinations\n',
    );
    const bytes = readFileSync(fixture('hap-v2-crc32c.bin'));
    bytes[39] = (bytes[39] as number) ^ 1; // flip a bit in the ALPN value
    const crc = await run(['decode', bytes.subarray(0, 40).toString('hex')]);
    expect(crc.code).toBe(1);
    expect(crc.stderr).toMatch(/^proxyproto decode: ERR_PROXY_CRC32C_MISMATCH( at offset \d+)?: .+\n$/);
    const short = await run(['decode', '0d0a0d0a000d0a515549540a21']);
    expect(short.stderr).toBe('proxyproto decode: ERR_PROXY_HEADER_INCOMPLETE at offset 13: the input ends inside a header (13 bytes)\n');
    const none = await run(['decode', '474554202f']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^proxyproto decode: ERR_PROXY_HEADER_MISSING at offset 0: .+\n$/);
    const v1 = await run(['decode', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 99999']);
    expect(v1.code).toBe(1);
    expect(v1.stderr).toMatch(/^proxyproto decode: ERR_PROXY_INVALID_PORT at offset \d+: .+\n$/);
    const missing = await run(['decode', '--file', '/nonexistent/capture.bin']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('proxyproto decode: cannot read /nonexistent/capture.bin: ENOENT\n');
  });
});

describe('encode', () => {
  test('encode → decode round trip, v2 with TLVs and CRC32C', async () => {
    const args = [
      '--src',
      '[2001:db8::1]:51000',
      '--dst',
      '[2001:db8::2]:443',
      '--authority',
      'example.com',
      '--alpn',
      'h2',
      '--unique-id',
      'conn-1',
      '--tlv',
      '0xf0=cafe',
      '--crc32c',
    ];
    const { code, stdout } = await run(['encode', ...args]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^0d0a0d0a000d0a515549540a2121[0-9a-f]+\n$/);
    const result = decode(Buffer.from(stdout.trim(), 'hex'));
    expect(result.status).toBe('complete');
    if (result.status !== 'complete') return;
    expect(result.header.source).toEqual({ address: '2001:db8::1', port: 51000 });
    expect(result.header.tlvs.map((t) => t.type)).toEqual([0x03, 0x01, 0x02, 0x05, 0xf0]);
    const decoded = await run(['decode', stdout]);
    expect(decoded.stdout).toContain('AUTHORITY "example.com"');
    expect(decoded.stdout).toContain('experimental ca fe');
  });

  test('v1, LOCAL, mixed families mapped, --raw and --pad-to', async () => {
    expect((await run(['encode', '--v1', '--src', '192.0.2.1:1', '--dst', '192.0.2.2:2'])).stdout).toBe(
      `${Buffer.from('PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n').toString('hex')}\n`,
    );
    expect((await run(['encode', '--local'])).stdout).toBe('0d0a0d0a000d0a515549540a20000000\n');
    const mixed = await run(['encode', '--v1', '--src', '192.0.2.1:1', '--dst', '[::1]:2']);
    expect(Buffer.from(mixed.stdout.trim(), 'hex').toString()).toBe('PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n');
    const raw = await run(['encode', '--raw', '--src', '192.0.2.1:1', '--dst', '192.0.2.2:2', '--pad-to', '64']);
    expect(Buffer.from(raw.stdout, 'latin1').length).toBe(64);
  });

  test('usage errors exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['encode', '--v1', '--alpn', 'h2', '--src', '1.2.3.4:1', '--dst', '1.2.3.4:2'], /TLVs need v2/],
      [['encode', '--src', '1.2.3.4:1'], /needs both --src and --dst/],
      [['encode', '--src', 'localhost:1', '--dst', '1.2.3.4:2'], /--src: 'localhost' is not an IPv4 or IPv6 address/],
      [['encode', '--src', '1.2.3.4:70000', '--dst', '1.2.3.4:2'], /port 70000 is out of range/],
      [['encode', '--tlv', 'zz=00', '--local'], /'zz' is not a TLV type/],
      [['encode', '--tlv', '0xf0=abc', '--local'], /odd number of hex digits/],
      [['encode', '--bogus'], /Unknown option '--bogus'/],
      [['send'], /missing HOST:PORT/],
      [['send', 'nowhere'], /expected HOST:PORT/],
      [['relay', '--listen', '0'], /missing --to/],
      [['relay', '--listen', '0', '--to', '127.0.0.1:1'], /give --send v1\|v2, --accept, or both/],
      [['listen', '--port', 'x'], /--port must be a port number \(0-65535\), got 'x'/],
      [['decode'], /nothing to decode/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [[], /missing command/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await run(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).not.toMatch(stackTrace);
    }
  });
});

describe('help and version', () => {
  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
    expect((await run(['--version'])).stdout).toBe(`${pkg.version}\n`);
  });

  test('every command has --help with examples', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['listen', 'send', 'decode', 'encode', 'relay', 'probe']) {
      expect(top.stdout).toContain(`  ${command} `);
      const help = await run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: proxyproto ${command}`));
      expect(help.stdout).toContain('Examples:');
    }
  });

  test('the bin entry points at the built file, which starts with a shebang', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
    expect(pkg.bin).toEqual({ proxyproto: './dist/cli.js' });
    const code = readFileSync(`${root}/dist/cli.js`, 'utf8');
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    // the CLI uses the public bundles rather than a copy of them
    expect(code).toMatch(/from ['"]\.\/index\.js['"]/);
    expect(code).toMatch(/from ['"]\.\/node\.js['"]/);
    expect(code).not.toMatch(/function decodeV2/);
  });
});

describe('parsing faults', () => {
  const usage = async (args: string[], message: RegExp, input?: string) => {
    const { code, stdout, stderr } = await run(args, input === undefined ? {} : { input });
    expect({ args, code, stdout }).toEqual({ args, code: 2, stdout: '' });
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  };

  test('an unbracketed IPv6 address with a port is refused, with the bracketed form shown', async () => {
    await usage(
      ['encode', '--src', '2001:db8::1:80', '--dst', '[2001:db8::2]:443'],
      /--src: '2001:db8::1:80' is ambiguous: write an IPv6 address with its port in brackets, \[2001:db8::1\]:80 for port 80 of 2001:db8::1, or \[2001:db8::1:80\]:PORT/,
    );
    await usage(['send', '::1:8080'], /HOST:PORT: '::1:8080' is ambiguous.*\[::1\]:8080/);
    await usage(['relay', '--listen', '::1:9000', '--to', '127.0.0.1:1', '--send', 'v2'], /--listen: '::1:9000' is ambiguous/);
    await usage(['encode', '--src', '[192.0.2.1]:1', '--dst', '192.0.2.2:2'], /'192\.0\.2\.1' in brackets is not an IPv6 address/);
    // the bracketed forms work
    const { code, stdout } = await run(['encode', '--src', '[2001:db8::1]:80', '--dst', '[2001:db8::2]:443']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^0d0a0d0a000d0a515549540a2121/);
  });

  test('decode of empty input is a usage error: argument, stdin, --raw-stdin', async () => {
    await usage(['decode', ''], /nothing to decode: the input is empty/);
    await usage(['decode', '  '], /nothing to decode: the input is empty/);
    await usage(['decode', '-'], /nothing to decode: the input is empty/, '');
    await usage(['decode', '--raw-stdin'], /nothing to decode: the input is empty/, '');
  });

  test('decode reads a pasted \\r\\n (backslash characters) at the end of a v1 line as CRLF', async () => {
    const escaped = await run(['decode', 'PROXY TCP4 192.0.2.1 10.0.0.1 51000 443\\r\\n']);
    expect(escaped.code).toBe(0);
    expect(escaped.stdout).toContain('PROXY protocol v1 header, 41 bytes');
    expect(escaped.stdout).toContain('no payload after the header');
    const withPayload = await run(['decode', 'PROXY TCP4 192.0.2.1 10.0.0.1 51000 443\\r\\nhello']);
    expect(withPayload.stdout).toContain('payload: 5 bytes after the header: "hello"');
    const fromStdin = await run(['decode', '-'], { input: 'PROXY TCP6 ::1 ::1 1 2\\r\\n' });
    expect(fromStdin.stdout).toContain('PROXY protocol v1 header, 24 bytes');
  });

  test('UNIQUE_ID: text when printable, else 0x and hex, the same in the text output and --json', async () => {
    const hex = (await run(['encode', '--local', '--unique-id', 'req-1', '--tlv', 'unique-id=00ff'])).stdout.trim();
    const text = await run(['decode', hex]);
    expect(text.stdout).toContain('TLV 0x05    UNIQUE_ID "req-1"');
    expect(text.stdout).toContain('TLV 0x05    UNIQUE_ID 0x00ff');
    const json = JSON.parse((await run(['decode', '--json', hex])).stdout);
    expect(json.typed.uniqueId).toBe('req-1');
    const binary = (await run(['encode', '--local', '--tlv', 'unique-id=00ff'])).stdout.trim();
    expect(JSON.parse((await run(['decode', '--json', binary])).stdout).typed.uniqueId).toBe('0x00ff');
    expect((await run(['decode', binary])).stdout).toContain('UNIQUE_ID 0x00ff');
  });

  test('numbers are checked with our own messages, negative ones included', async () => {
    await usage(
      ['send', '127.0.0.1:1', '--timeout', '-1'],
      /--timeout must be a whole number of milliseconds ≥ 0 \(at most 2147483647\), got '-1'/,
    );
    await usage(['send', '127.0.0.1:1', '--timeout', 'soon'], /--timeout must be a whole number of milliseconds ≥ 0/);
    await usage(['send', '127.0.0.1:1', '--timeout', '99999999999'], /--timeout must be a whole number of milliseconds ≥ 0/);
    await usage(['listen', '--header-timeout', '-5'], /--header-timeout must be a whole number of milliseconds ≥ 0/);
    await usage(
      ['relay', '--listen', '0', '--to', '127.0.0.1:1', '--accept', '--header-timeout', '1e3'],
      /--header-timeout must be a whole number/,
    );
    await usage(['encode', '--local', '--pad-to', '-1'], /--pad-to must be a whole number of bytes ≥ 0/);
    await usage(['listen', '--port', '-1'], /--port must be a port number \(0-65535\), got '-1'/);
    await usage(['listen', '-p', '-1'], /--port must be a port number \(0-65535\), got '-1'/);
    await usage(['listen', '--port', '65536'], /--port: port 65536 is out of range/);
  });

  test('a value that starts with a dash: the error says how to give it', async () => {
    await usage(
      ['send', '127.0.0.1:1', '--data', '-x'],
      /^proxyproto send: Option '--data' argument is ambiguous: to give a value starting with a dash, use '--data=-XYZ'/,
    );
  });

  test('--timeout on listen and relay (the header timeout) is now --header-timeout', async () => {
    await usage(['listen', '--timeout', '500'], /--timeout is now --header-timeout \(the time a connection has to send its header\)/);
    await usage(['relay', '--listen', '0', '--to', '127.0.0.1:1', '--accept', '--timeout', '500'], /--timeout is now --header-timeout/);
    await usage(
      ['relay', '--listen', '0', '--to', '127.0.0.1:1', '--send', 'v2', '--header-timeout', '5'],
      /--header-timeout needs --accept/,
    );
  });

  test('send: --sni and --tls-alpn need --tls', async () => {
    await usage(['send', '127.0.0.1:1', '--sni', 'x'], /--sni needs --tls/);
    await usage(['send', '127.0.0.1:1', '--tls-alpn', 'h2'], /--tls-alpn needs --tls/);
    await usage(['send', '127.0.0.1:1', '--tls', '--tls-alpn', ''], /--tls-alpn: '' is not a protocol name/);
  });

  test('send --http: a path with a space or a control character is refused, not sent as a broken request line', async () => {
    await usage(['send', '127.0.0.1:1', '--http', 'x'], /--http: the path must start with '\/'/);
    await usage(['send', '127.0.0.1:1', '--http', '/a b'], /--http: the path cannot hold spaces or control characters.*"\/a b"/);
    await usage(['send', '127.0.0.1:1', '--http', '/\r\nX-Injected: 1'], /--http: the path cannot hold spaces or control characters/);
  });
});

test('decode --no-verify-crc32c decodes a header whose checksum is wrong, and says it was not verified', async () => {
  const good = (await run(['encode', '--local', '--crc32c', '--alpn', 'h2'])).stdout.trim();
  const bad = good.slice(0, -2) + (Number.parseInt(good.slice(-2), 16) ^ 1).toString(16).padStart(2, '0');
  const refused = await run(['decode', bad]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/ERR_PROXY_CRC32C_MISMATCH/);
  const text = await run(['decode', '--no-verify-crc32c', bad]);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/CRC32C {6}0x[0-9a-f]{8} \(not verified\)/);
  const json = JSON.parse((await run(['decode', '--no-verify-crc32c', '--json', bad])).stdout);
  expect(json.crc32c.verified).toBe(false);
});
