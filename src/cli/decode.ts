/** `proxyproto decode`: a header from hex, a file or stdin, with its annotated byte map. */
import { readFileSync } from 'node:fs';
import { decode } from '../index.js';
import { parse, parseHex, RuntimeError, UsageError } from './args.js';
import { byteMap, describeHeader, headerJson, hex, renderByteMap, showBytes } from './format.js';
import type { Io } from './io.js';

export const decodeHelp = `Usage: proxyproto decode [HEX | --file FILE | -] [options]

Decodes a PROXY protocol header (v1 line or v2 binary) and prints it with an
annotated byte map: offset, bytes, meaning. Bytes after the header are shown as
the payload. A malformed header prints one line with its error code and offset
and exits 1.

Input (one of):
  HEX                    hex bytes; spaces, colons, newlines and 0x are ignored
  --file FILE, -f FILE   raw bytes from a file (e.g. a tcpdump/nc capture)
  -                      hex from stdin (raw bytes with --raw-stdin)
  PROXY ...              a v1 line as text (CRLF added when missing; a pasted
                         \\r\\n, backslash characters as in docs, is read as CRLF)

Options:
  --raw-stdin            read raw bytes (not hex) from stdin
  --no-verify-crc32c     do not check a CRC32C TLV
  --json                 print the header as JSON
  -h, --help             this help

Examples:
  proxyproto decode 0d0a0d0a000d0a515549540a2111000c7f0000017f000001d4311f90
  proxyproto decode --file capture.bin
  proxyproto decode 'PROXY TCP4 192.0.2.1 10.0.0.1 51000 443\\r\\n'
  printf 'PROXY TCP4 192.0.2.1 10.0.0.1 51000 443\\r\\n' | proxyproto decode --raw-stdin
  proxyproto encode --src 192.0.2.1:51000 --dst 10.0.0.1:443 | proxyproto decode -`;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function decodeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    file: { type: 'string', short: 'f' },
    'raw-stdin': { type: 'boolean' },
    'no-verify-crc32c': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(decodeHelp);
    return 0;
  }
  let input: Uint8Array;
  if (values.file !== undefined) {
    if (positionals.length > 0) throw new UsageError('give either --file or hex, not both');
    try {
      input = readFileSync(values.file);
    } catch (error) {
      throw new RuntimeError(`cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  } else if (values['raw-stdin'] === true || (positionals.length === 1 && positionals[0] === '-')) {
    const data = await readStdin();
    input = values['raw-stdin'] === true ? data : hexOrLine(data.toString('latin1'));
  } else if (positionals.length === 0) {
    throw new UsageError('nothing to decode: give HEX, --file FILE or - (see proxyproto decode --help)');
  } else {
    input = hexOrLine(positionals.join(' '));
  }

  if (input.length === 0) throw new UsageError('nothing to decode: the input is empty');
  const verify = values['no-verify-crc32c'] !== true;

  // A malformed header throws: main prints its code and offset, exit 1.
  const result = decode(input, { crc32c: verify ? 'verify' : 'ignore' });
  if (result.status === 'none') {
    throw new RuntimeError(
      `ERR_PROXY_HEADER_MISSING at offset 0: no PROXY protocol signature (first bytes: ${hex(input.subarray(0, 12), ' ') || 'none'})`,
    );
  }
  if (result.status === 'incomplete') {
    throw new RuntimeError(`ERR_PROXY_HEADER_INCOMPLETE at offset ${input.length}: the input ends inside a header (${input.length} bytes)`);
  }
  const { header, length } = result;
  const payload = input.subarray(length);
  if (values.json === true) {
    io.out(JSON.stringify({ ...headerJson(header, verify), length, payload: hex(payload) }));
    return 0;
  }
  io.out(`PROXY protocol v${header.version} header, ${length} bytes`);
  for (const line of describeHeader(header, '  ', verify)) io.out(line);
  io.out('');
  for (const line of renderByteMap(byteMap(header, input.subarray(0, length), verify))) io.out(line);
  io.out('');
  io.out(payload.length === 0 ? 'no payload after the header' : `payload: ${payload.length} bytes after the header: ${showBytes(payload)}`);
  return 0;
}

/** A v1 line typed as text (with `\r\n` typed as four characters read as CRLF), or hex. */
function hexOrLine(text: string): Uint8Array {
  const trimmed = text.replace(/^\s+/, '').replace(/\\r\\n|\\n/g, '\r\n');
  if (trimmed.startsWith('PROXY')) {
    const nl = trimmed.indexOf('\n');
    const line = (nl < 0 ? trimmed : trimmed.slice(0, nl)).replace(/\r$/, '');
    const rest = nl < 0 ? '' : trimmed.slice(nl + 1);
    return Buffer.from(`${line}\r\n${rest}`, 'latin1');
  }
  return parseHex(text, 'input');
}
