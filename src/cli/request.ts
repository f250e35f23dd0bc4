/** What `send` and `probe` write after the header: the TLS server name, a minimal HTTP/1.1 GET. */
import net from 'node:net';

/** The SNI a client sends by default: the host when it is a name, none for an IP literal. */
export function defaultServername(host: string): string | undefined {
  return net.isIP(host) === 0 ? host : undefined;
}

/** `GET path` with Host (its port left out when it is the scheme's default), then Connection: close. */
export function httpGet(path: string, host: string, port: number, tls: boolean): string {
  const name = host.includes(':') ? `[${host}]` : host;
  const shownPort = port === (tls ? 443 : 80) ? '' : `:${port}`;
  return `GET ${path} HTTP/1.1\r\nHost: ${name}${shownPort}\r\nUser-Agent: proxyproto-cli\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
}
