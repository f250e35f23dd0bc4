/** `proxyproto encode`: builds a header from options and writes it as hex or raw bytes. */
import { checkedEncode, headerInit, headerOptions, headerOptionsHelp, headerSpec, parse, UsageError } from './args.js';
import { hex } from './format.js';
import type { Io } from './io.js';

export const encodeHelp = `Usage: proxyproto encode [header options] [--raw]

Builds a PROXY protocol header and prints it as hex (raw bytes with --raw).

${headerOptionsHelp}

Output:
  --raw                  write the raw bytes instead of hex
  -h, --help             this help

Examples:
  proxyproto encode --src 192.0.2.1:51000 --dst 10.0.0.1:443
  proxyproto encode --v1 --src [2001:db8::1]:51000 --dst [2001:db8::2]:443
  proxyproto encode --local --crc32c
  proxyproto encode --src 192.0.2.1:1 --dst 10.0.0.1:2 --authority example.com --alpn h2 --tlv 0xf0=cafe
  proxyproto encode --src 192.0.2.1:1 --dst 10.0.0.1:2 --raw > header.bin`;

export async function encodeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...headerOptions,
    raw: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(encodeHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const spec = headerSpec(values);
  const bytes = checkedEncode(headerInit(spec), spec.encodeOptions);
  if (values.raw === true) io.write(bytes);
  else io.out(hex(bytes));
  return 0;
}
