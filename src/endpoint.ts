/**
 * What both encoders check about a header before they write a byte: the shape of the init, its
 * command, family and transport, and its endpoints (addresses parsed, ports in range, the
 * family inferred from the addresses when not given).
 */
import { CANONICAL, parseAddress } from './address.js';
import { FAMILIES, TRANSPORTS } from './constants.js';
import { fail } from './errors.js';
import { checkKeys, describe } from './options.js';
import type { ProxyEndpoint, ProxyFamily, ProxyHeaderInit, ProxyTransport } from './types.js';

/** The keys of {@link ProxyHeaderInit}. */
const HEADER_KEYS: readonly (keyof ProxyHeaderInit)[] = [
  'version',
  'command',
  'family',
  'transport',
  'source',
  'destination',
  'tlvs',
  'unparsed',
];

/**
 * Whether `key` is in {@link HEADER_KEYS}. The cases are compared in order, so the keys every IP
 * header has come first: the check of a header of just those two took 12 ns instead of 15.
 */
function isHeaderKey(key: string): boolean {
  switch (key) {
    case 'source':
    case 'destination':
    case 'version':
    case 'tlvs':
    case 'command':
    case 'family':
    case 'transport':
    case 'unparsed':
      return true;
    default:
      return false;
  }
}

/**
 * Throws a `TypeError` unless `header` is an object with known keys only, and returns its
 * version: a `RangeError` for a number other than 1 or 2, a `TypeError` for anything else.
 */
export function headerVersion(header: unknown): 1 | 2 {
  if (header === undefined) throw new TypeError('encode needs a header: { source, destination } or { command: "local" }');
  if (typeof header !== 'object' || header === null || Array.isArray(header)) checkKeys(header, HEADER_KEYS, 'header');
  // By a switch, not checkKeys's search of a list: a header is checked on every encode, and the
  // shared loop was a third of the planning of a v2 TCP4 header. checkKeys then names the key.
  for (const key in header as object) if (!isHeaderKey(key)) checkKeys(header, HEADER_KEYS, 'header');
  const version = (header as ProxyHeaderInit).version;
  if (version === undefined || version === 2) return 2;
  if (version === 1) return 1;
  const message = `version must be 1 or 2, got ${describe(version)}`;
  throw typeof version === 'number' ? new RangeError(message) : new TypeError(message);
}

/** `header.command` as its wire value: 1 PROXY (the default), 0 LOCAL. */
export function commandOf(header: ProxyHeaderInit): 0 | 1 {
  const command = header.command;
  if (command === undefined || command === 'proxy') return 1;
  if (command === 'local') return 0;
  return fail('ERR_PROXY_INVALID_HEADER', `command must be 'proxy' or 'local': ${describe(command)}`);
}

/** `family` as its wire nibble, or -1 when absent. */
export function familyIndex(family: ProxyFamily | undefined): number {
  if (family === undefined) return -1;
  const index = FAMILIES.indexOf(family);
  if (index < 0) fail('ERR_PROXY_INVALID_HEADER', `family must be one of ${FAMILIES.join(', ')}: ${describe(family)}`);
  return index;
}

/** `transport` as its wire nibble, or -1 when absent. */
export function transportIndex(transport: ProxyTransport | undefined): number {
  if (transport === undefined) return -1;
  const index = TRANSPORTS.indexOf(transport);
  if (index < 0) fail('ERR_PROXY_INVALID_HEADER', `transport must be one of ${TRANSPORTS.join(', ')}: ${describe(transport)}`);
  return index;
}

/** What {@link endpointKind} finds. */
export const NO_ENDPOINTS = 0;
export const IP_ENDPOINTS = 1;
export const UNIX_ENDPOINTS = 2;

/**
 * Checks a header's `source` and `destination` (each read once by the caller, `null` when
 * absent): both or neither, objects, and both IP or both UNIX. Returns which.
 */
export function endpointKind(source: ProxyEndpoint | null, destination: ProxyEndpoint | null): number {
  if (source === null && destination === null) return NO_ENDPOINTS;
  if (source === null || destination === null) {
    fail('ERR_PROXY_INVALID_HEADER', 'a header with addresses needs both a source and a destination');
  }
  if (typeof source !== 'object' || typeof destination !== 'object') {
    fail('ERR_PROXY_INVALID_HEADER', 'source and destination must be { address, port } or { path } objects');
  }
  const unix = 'path' in source;
  if (unix !== 'path' in destination) {
    fail('ERR_PROXY_INVALID_HEADER', 'source and destination must both be UNIX paths or both IP endpoints');
  }
  return unix ? UNIX_ENDPOINTS : IP_ENDPOINTS;
}

/**
 * Parses both IP addresses into `out` (source at 0, destination at 16) and returns their family
 * nibble, 1 (IPv4) or 2 (IPv6): the given one, or the one both addresses share; plus
 * {@link SOURCE_CANONICAL} and {@link DESTINATION_CANONICAL} when that text is already the
 * canonical one (always for IPv4), whose length is then the length of the text written.
 */
export function ipFamily(sourceAddress: unknown, destinationAddress: unknown, given: number, out: Uint8Array): number {
  const want = given === 1 ? 4 : given === 2 ? 6 : 0;
  const a = parseAddress(sourceAddress, want, out, 0);
  if (a === 0) invalidAddress(sourceAddress, want);
  const b = parseAddress(destinationAddress, want, out, 16);
  if (b === 0) invalidAddress(destinationAddress, want);
  if ((a & 7) !== (b & 7)) {
    fail('ERR_PROXY_INVALID_HEADER', 'source and destination are of different families; map IPv4 to ::ffff:a.b.c.d to send them as IPv6');
  }
  if (a === 4) return 1 | SOURCE_CANONICAL | DESTINATION_CANONICAL;
  return 2 | (a & CANONICAL ? SOURCE_CANONICAL : 0) | (b & CANONICAL ? DESTINATION_CANONICAL : 0);
}

/** Flags in {@link ipFamily}'s answer, above the family nibble. */
export const SOURCE_CANONICAL = 4;
export const DESTINATION_CANONICAL = 8;

function invalidAddress(address: unknown, family: 0 | 4 | 6): never {
  const what = family === 4 ? 'IPv4' : family === 6 ? 'IPv6' : 'IPv4 or IPv6';
  return fail('ERR_PROXY_INVALID_ADDRESS', `not a valid ${what} address: ${JSON.stringify(address) ?? String(address)}`);
}

/** `port`, if it is an integer 0..65535. */
export function checkedPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    fail('ERR_PROXY_INVALID_PORT', `port must be an integer 0..65535: ${String(port)}`);
  }
  return port;
}
