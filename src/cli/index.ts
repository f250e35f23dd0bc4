/** The `proxyproto` command: dispatches to one module per command, maps errors to exit codes. */
import { readFileSync } from 'node:fs';
import { isProxyProtocolError } from '../index.js';
import { RuntimeError, UsageError } from './args.js';
import { decodeCommand } from './decode.js';
import { encodeCommand } from './encode.js';
import { type Io, oneLine, processIo } from './io.js';
import { listenCommand } from './listen.js';
import { probeCommand } from './probe.js';
import { relayCommand } from './relay.js';
import { sendCommand } from './send.js';

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  listen: listenCommand,
  send: sendCommand,
  decode: decodeCommand,
  encode: encodeCommand,
  relay: relayCommand,
  probe: probeCommand,
};

const HELP = `Usage: proxyproto <command> [options]

PROXY protocol (v1 text, v2 binary) tools for debugging load balancers and gateways.

Commands:
  listen    echo server that decodes each connection's header and answers HTTP with JSON
  send      connect, send a header (before TLS with --tls), then data; print the response
  decode    decode a header from hex, a file or stdin, with an annotated byte map
  encode    build a header and print it as hex (or raw bytes)
  relay     TCP relay that adds a header (like a load balancer) and/or strips one
  probe     check whether a server requires, accepts or ignores PROXY headers

Options:
  -h, --help       show help (also: proxyproto <command> --help)
  -v, --version    print the version

Examples:
  proxyproto listen --port 8080
  proxyproto send 127.0.0.1:8080 --authority example.com --http /
  proxyproto decode --file capture.bin
  proxyproto relay --listen 9000 --to 127.0.0.1:8080 --send v2
  proxyproto probe gateway.example.com:443 --tls

Exit status: 0 success, 1 runtime error, 2 usage error.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the CLI; resolves with the exit status (long-running commands resolve on shutdown). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv;
  let command = first;
  try {
    if (first === undefined) throw new UsageError(`missing command (${Object.keys(COMMANDS).join(', ')}; see proxyproto --help)`);
    if (first === '-h' || first === '--help' || first === 'help') {
      const topic = first === 'help' ? rest[0] : undefined;
      if (topic !== undefined && Object.hasOwn(COMMANDS, topic))
        return await (COMMANDS[topic] as (a: string[], i: Io) => Promise<number>)(['--help'], io);
      io.out(HELP);
      return 0;
    }
    if (first === '-v' || first === '--version') {
      io.out(version());
      return 0;
    }
    const run = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (run === undefined) {
      command = undefined;
      throw new UsageError(`unknown command '${first}' (commands: ${Object.keys(COMMANDS).join(', ')}; see proxyproto --help)`);
    }
    return await run(rest, io);
  } catch (error) {
    const prefix = command === undefined ? 'proxyproto' : `proxyproto ${command}`;
    if (error instanceof UsageError) {
      const hint = command === undefined || error.message.includes('--help') ? '' : ` (see proxyproto ${command} --help)`;
      io.err(`${prefix}: ${error.message}${hint}`);
      return 2;
    }
    if (error instanceof RuntimeError) {
      io.err(`${prefix}: ${error.message}`);
      return 1;
    }
    if (isProxyProtocolError(error)) {
      io.err(`${prefix}: ${error.code}${error.offset === undefined ? '' : ` at offset ${error.offset}`}: ${error.message}`);
      return 1;
    }
    io.err(`${prefix}: ${oneLine(error)}`);
    return 1;
  }
}

// `proxyproto decode … | head`: a closed pipe ends the program quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}
// Never a stack trace: anything unexpected is one line and exit status 1.
process.on('uncaughtException', (error) => {
  process.stderr.write(`proxyproto: ${oneLine(error)}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`proxyproto: ${oneLine(error)}\n`);
    process.exitCode = 1;
  },
);
