/** Where the long-running commands listen (dual-stack by default, IPv4 when the host has no IPv6), and how they stop. */
import type net from 'node:net';
import { type ProxyProtocolIntegration, unmapIPv4 } from '../node/index.js';
import { RuntimeError } from './args.js';
import { endpoint } from './format.js';
import { oneLine } from './io.js';

/** Errors that mean "no IPv6 here" rather than "this port is taken". */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EINVAL', 'EPROTONOSUPPORT']);

function listenOnce(server: net.Server, port: number, host: string, ipv6Only: boolean): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error);
    server.once('error', onError);
    server.listen({ port, host, ipv6Only }, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

/**
 * Listens on `host`, or without one on `::` with IPv4-mapped addresses (every interface, both
 * families), falling back to `0.0.0.0` when IPv6 is unavailable. Resolves with the text to print.
 */
export async function bind(server: net.Server, port: number, host: string | undefined): Promise<string> {
  let error = await listenOnce(server, port, host ?? '::', false);
  let fallback = false;
  if (error !== undefined && host === undefined && NO_IPV6.has(error.code ?? '')) {
    fallback = true;
    error = await listenOnce(server, port, '0.0.0.0', false);
  }
  if (error !== undefined) {
    const shown = host === undefined ? `port ${port}` : endpoint({ address: host, port });
    throw new RuntimeError(`cannot listen on ${shown}: ${oneLine(error)}`);
  }
  const address = server.address() as net.AddressInfo;
  const note = host !== undefined ? '' : fallback ? ' (IPv4 only: no IPv6 on this host)' : ' (IPv4 and IPv6)';
  return `${endpoint({ address: address.address, port: address.port })}${note}`;
}

/** `::ffff:192.0.2.1` → `192.0.2.1` ({@link unmapIPv4}): a dual-stack socket reports IPv4 peers mapped. */
export function unmapped(address: string | undefined): string | undefined {
  return address === undefined ? undefined : unmapIPv4(address);
}

/**
 * Serves until SIGINT or SIGTERM, then stops reading headers, closes `server` and destroys the
 * sockets still `open`; resolves with exit status 0 once the server has closed.
 */
export function untilSignal(server: net.Server, integration: ProxyProtocolIntegration | undefined, open: Set<net.Socket>): Promise<number> {
  return new Promise((resolve) => {
    const stop = () => {
      integration?.close();
      server.close(() => resolve(0));
      for (const socket of open) socket.destroy();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
