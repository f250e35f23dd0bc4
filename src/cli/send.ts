/** `proxyproto send`: connect, write a header (before TLS), then data; print the response. */
import net from 'node:net';
import tls from 'node:tls';
import type { ProxyHeaderInit } from '../index.js';
import {
  checkedEncode,
  headerInit,
  headerOptions,
  headerOptionsHelp,
  headerSpec,
  parse,
  parseHostPort,
  parseMs,
  RuntimeError,
  UsageError,
} from './args.js';
import { endpoint } from './format.js';
import { type Io, oneLine } from './io.js';
import { defaultServername, httpGet } from './request.js';

export const sendHelp = `Usage: proxyproto send HOST:PORT [header options] [--tls [--sni NAME] [--tls-alpn PROTO]] [--data STR | --http PATH]

Connects to HOST:PORT, sends a PROXY protocol header as the very first bytes
(before the TLS handshake with --tls), then the data, and prints the response
on stdout until the server closes. A summary of the header sent goes to stderr.
Without --src/--dst the header carries the connection's own addresses (as
curl --haproxy-protocol does).

${headerOptionsHelp}

Connection:
  --tls                  speak TLS after the header; a handshake that fails or
                         does not finish within --timeout exits 1
  --insecure, -k         do not verify the server certificate
  --sni NAME             TLS server name (default: HOST when it is a name);
                         --servername is the same option
  --tls-alpn PROTO       offer PROTO in the TLS handshake's ALPN, repeatable
                         (--alpn sets the ALPN TLV of the header, not this)
  --data STR             send STR after the header, then half-close
  --http PATH            send "GET PATH HTTP/1.1" with Host and Connection: close
  --timeout MS           give up connecting, or stop waiting for more of the
                         response, after MS milliseconds (default 5000)
  -q, --quiet            no summary on stderr
  -h, --help             this help

Examples:
  proxyproto send 127.0.0.1:8080 --http /
  proxyproto send 127.0.0.1:8080 --v1 --src 203.0.113.7:40000 --dst 10.0.0.1:80 --http /
  proxyproto send gateway.internal:443 --tls --sni example.com --tls-alpn http/1.1 --http /healthz
  proxyproto send gateway.internal:443 --tls --authority example.com --alpn h2 --crc32c --http /healthz
  proxyproto send 127.0.0.1:5432 --local --data ''`;

export async function sendCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...headerOptions,
    tls: { type: 'boolean' },
    insecure: { type: 'boolean', short: 'k' },
    sni: { type: 'string' },
    servername: { type: 'string' },
    'tls-alpn': { type: 'string', multiple: true },
    data: { type: 'string' },
    http: { type: 'string' },
    timeout: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(sendHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('missing HOST:PORT');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const target = parseHostPort(positionals[0] as string, 'HOST:PORT');
  if (target.port === 0) throw new UsageError('HOST:PORT: port 0 cannot be connected to');
  if (values.data !== undefined && values.http !== undefined) throw new UsageError('--data and --http are mutually exclusive');
  if (values.http !== undefined) checkPath(values.http);
  const timeout = parseMs(values.timeout, '--timeout', 5000);
  if (values.sni !== undefined && values.servername !== undefined && values.sni !== values.servername)
    throw new UsageError('--sni and --servername are the same option: give one');
  const sni = values.sni ?? values.servername;
  const tlsAlpn = values['tls-alpn'] ?? [];
  if (values.tls !== true && (sni !== undefined || tlsAlpn.length > 0))
    throw new UsageError(`${sni !== undefined ? '--sni' : '--tls-alpn'} needs --tls`);
  for (const proto of tlsAlpn) {
    if (proto.length === 0 || Buffer.byteLength(proto) > 255)
      throw new UsageError(`--tls-alpn: '${proto}' is not a protocol name (1-255 bytes)`);
  }
  const spec = headerSpec(values);
  // Fail on a bad header before connecting when every address is known.
  if (spec.local || (spec.source !== undefined && spec.destination !== undefined)) checkedEncode(headerInit(spec), spec.encodeOptions);

  let payload: string | undefined = values.data;
  if (values.http !== undefined) {
    payload = httpGet(values.http, target.host, target.port, values.tls === true);
  }

  return new Promise<number>((resolve, reject) => {
    const raw = net.connect({ host: target.host, port: target.port });
    let stream: net.Socket = raw;
    let connected = false;
    // With --tls: until the handshake is done, a close or a timeout is a failure, not an empty answer.
    let handshaking = false;
    // Settle first: destroying a socket under TLS can emit 'close' at once, and the first reason wins.
    const fail = (error: Error) => {
      reject(error instanceof RuntimeError || error instanceof UsageError ? error : new RuntimeError(describeSocketError(error)));
      raw.destroy();
      stream.destroy();
    };
    raw.setTimeout(timeout, () => {
      if (!connected) fail(new RuntimeError(`no connection to ${positionals[0]} after ${timeout} ms`));
      else if (handshaking) fail(new RuntimeError(`TLS handshake with ${positionals[0]} not done after ${timeout} ms`));
      else {
        if (values.quiet !== true) io.err(`* no data for ${timeout} ms: closing`);
        stream.destroy();
      }
    });
    raw.on('error', fail);
    raw.once('connect', () => {
      connected = true;
      let bytes: Uint8Array;
      let init: ProxyHeaderInit;
      try {
        init = headerInit(spec, {
          source: { host: raw.localAddress as string, port: raw.localPort as number },
          destination: { host: raw.remoteAddress as string, port: raw.remotePort as number },
        });
        bytes = checkedEncode(init, spec.encodeOptions);
      } catch (error) {
        fail(error as Error);
        return;
      }
      raw.write(bytes);
      if (values.quiet !== true) io.err(`* sent ${summary(init, bytes.length, spec.encodeOptions.crc32c === true)}`);
      const afterHandshake = () => {
        if (payload !== undefined && payload.length > 0) stream.write(payload);
        // --http waits for the server to close (Connection: close); otherwise half-close.
        if (values.http === undefined) stream.end();
      };
      if (values.tls === true) {
        const servername = sni ?? defaultServername(target.host);
        const options: tls.ConnectionOptions = { socket: raw, rejectUnauthorized: values.insecure !== true };
        if (servername !== undefined) options.servername = servername;
        if (tlsAlpn.length > 0) options.ALPNProtocols = tlsAlpn;
        const secure = tls.connect(options);
        stream = secure;
        handshaking = true;
        secure.on('error', (error) =>
          fail(handshaking ? new RuntimeError(`TLS handshake with ${positionals[0]} failed: ${describeSocketError(error)}`) : error),
        );
        secure.once('close', () => {
          if (handshaking) fail(new RuntimeError(`TLS handshake with ${positionals[0]} failed: the server closed the connection`));
        });
        secure.once('secureConnect', () => {
          handshaking = false;
          if (values.quiet !== true)
            io.err(
              `* TLS ${secure.getProtocol() ?? ''} ${secure.getCipher()?.name ?? ''}${secure.alpnProtocol ? ` ALPN ${secure.alpnProtocol}` : ''}`.trimEnd(),
            );
          afterHandshake();
        });
      } else {
        afterHandshake();
      }
      stream.on('data', (chunk: Buffer) => io.write(chunk));
      stream.on('end', () => {
        // the server closed its side: finish ours
        stream.end();
      });
      stream.once('close', () => {
        raw.destroy();
        resolve(0);
      });
    });
  });
}

/**
 * The path goes into the request line as typed: a space or a control character (a pasted CRLF)
 * would end it early or start a header of its own. Other characters go as UTF-8, as curl sends them.
 */
function checkPath(path: string): void {
  if (!path.startsWith('/')) throw new UsageError(`--http: the path must start with '/', got '${path}'`);
  if (/[\s\p{Cc}]/u.test(path)) {
    throw new UsageError(
      `--http: the path cannot hold spaces or control characters (percent-encode them, e.g. %20), got ${JSON.stringify(path)}`,
    );
  }
}

function summary(init: ProxyHeaderInit, length: number, crc: boolean): string {
  const what = init.command === 'local' ? 'LOCAL' : `PROXY ${endpoint(init.source ?? null)} -> ${endpoint(init.destination ?? null)}`;
  const tlvs = init.tlvs !== undefined ? ' with TLVs' : '';
  return `v${init.version ?? 2} header (${length} bytes): ${what}${tlvs}${crc ? ' + CRC32C' : ''}`;
}

function describeSocketError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const line = oneLine(error);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(code)) return `${line} (use --insecure to skip certificate verification)`;
  return line;
}
