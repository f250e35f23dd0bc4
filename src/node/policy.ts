/** Which connections must, may or must not carry a header: go-proxyproto's policies plus an allowlist. */
import { BlockList, isIP, type Socket } from 'node:net';
import { checkAddressList, describe } from './validate.js';

/**
 * What to do with one connection, chosen per upstream peer (go-proxyproto's policies):
 *
 * | policy    | header present                        | no header                      |
 * | --------- | ------------------------------------- | ------------------------------ |
 * | `require` | used                                  | rejected (`ERR_PROXY_HEADER_MISSING`) |
 * | `use`     | used                                  | accepted, real peer address    |
 * | `ignore`  | read and discarded, real peer address | accepted, real peer address    |
 * | `reject`  | rejected (`ERR_PROXY_CONNECTION_REJECTED`) | accepted, real peer address |
 * | `skip`    | not read: the bytes reach the application | not read                    |
 */
export type ProxyPolicy = 'use' | 'ignore' | 'reject' | 'require' | 'skip';

/** Chooses the policy for a peer. `address` has IPv4-mapped IPv6 (`::ffff:a.b.c.d`) unmapped to IPv4. */
export type ProxyPolicyFunction = (address: string, socket: Socket) => ProxyPolicy;

/**
 * Upstreams allowed to send a header: addresses and CIDR blocks (`'10.0.0.0/8'`, `'::1'`,
 * `'fd00::/8'`), a `net.BlockList`, or a predicate over the peer address (IPv4-mapped IPv6
 * unmapped).
 */
export type TrustedPeers = readonly string[] | BlockList | ((address: string, socket: Socket) => boolean);

const POLICIES: ReadonlySet<string> = new Set(['use', 'ignore', 'reject', 'require', 'skip']);

/** @internal */
export function assertPolicy(value: unknown, name: string): asserts value is ProxyPolicy {
  if (typeof value !== 'string' || !POLICIES.has(value)) {
    throw new TypeError(`${name} must be one of 'use', 'ignore', 'reject', 'require', 'skip'`);
  }
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; anything else unchanged. @throws {TypeError} unless `address` is a string. */
export function unmapIPv4(address: string): string {
  if (typeof address !== 'string') throw new TypeError(`unmapIPv4 takes an address string, got ${describe(address)}`);
  if (address.length > 7 && address.slice(0, 7).toLowerCase() === '::ffff:') {
    const tail = address.slice(7);
    if (isIP(tail) === 4) return tail;
  }
  return address;
}

/**
 * Builds a `net.BlockList` from addresses and CIDR blocks. @throws {TypeError} unless `entries`
 * is an array of strings, or on an entry that is not an address or CIDR block.
 */
export function trustedList(entries: readonly string[]): BlockList {
  checkAddressList(entries, 'trustedList takes an array of addresses or CIDR blocks', 'trustedList');
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const address = unmapIPv4(slash === -1 ? entry : entry.slice(0, slash));
    const version = isIP(address);
    if (version === 0) throw new TypeError(`not an IP address or CIDR block: ${JSON.stringify(entry)}`);
    const type = version === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1) {
      list.addAddress(address, type);
      continue;
    }
    const text = entry.slice(slash + 1);
    const prefix = Number(text);
    if (!/^\d{1,3}$/.test(text) || prefix > (version === 4 ? 32 : 128)) {
      throw new TypeError(`invalid prefix length in ${JSON.stringify(entry)}`);
    }
    list.addSubnet(address, prefix, type);
  }
  return list;
}

/** @internal Compiles the policy options into one function of the socket. */
export function compilePolicy(
  base: ProxyPolicy | ProxyPolicyFunction,
  trusted: TrustedPeers | undefined,
  untrusted: ProxyPolicy,
): (socket: Socket) => ProxyPolicy {
  if (trusted === undefined && typeof base !== 'function') {
    // One policy for every peer: no need to ask the socket for its peer address (a syscall).
    return () => checked(base);
  }
  const choose = typeof base === 'function' ? base : () => base;
  if (trusted === undefined) return (socket) => checked(choose(peerOf(socket), socket));
  let isTrusted: (address: string, socket: Socket) => boolean;
  if (typeof trusted === 'function') isTrusted = trusted;
  else if (trusted instanceof BlockList) isTrusted = (address) => inList(trusted, address);
  else {
    // The list is ours and never changes, and the peers are few (the load balancers): remember
    // the answer per address, as BlockList.check costs more than the rest of the policy.
    const list = trustedList(trusted as readonly string[]);
    const known = new Map<string, boolean>();
    isTrusted = (address) => {
      let answer = known.get(address);
      if (answer === undefined) {
        answer = inList(list, address);
        if (known.size >= KNOWN_PEERS) known.clear();
        known.set(address, answer);
      }
      return answer;
    };
  }
  return (socket) => {
    const address = peerOf(socket);
    return isTrusted(address, socket) ? checked(choose(address, socket)) : untrusted;
  };
}

/** Peers whose trust is remembered at once; beyond that the memory starts over. */
const KNOWN_PEERS = 1024;

function inList(list: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

function peerOf(socket: Socket): string {
  const address = socket.remoteAddress;
  return typeof address === 'string' ? unmapIPv4(address) : '';
}

function checked(policy: unknown): ProxyPolicy {
  assertPolicy(policy, 'the policy function result');
  return policy;
}
