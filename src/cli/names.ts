/**
 * Names for wire numbers, derived from the core's table of constants so that the CLI never keeps
 * a second copy: `TlvType.UNIQUE_ID` prints as `UNIQUE_ID` and is typed as `unique-id`.
 */
import { SslSubtype, TlvType } from '../constants.js';
import type { ProxyFamily, ProxyTransport } from '../index.js';

/** The range markers of `TlvType` (`CUSTOM_MIN` …) name no type. */
const isRangeMarker = (key: string) => /_(MIN|MAX)$/.test(key);

const TLV_NAME_BY_TYPE = new Map<number, string>();
for (const [key, type] of Object.entries(TlvType)) if (!isRangeMarker(key) && !TLV_NAME_BY_TYPE.has(type)) TLV_NAME_BY_TYPE.set(type, key);

const SSL_NAME_BY_TYPE = new Map<number, string>(Object.entries(SslSubtype).map(([key, type]) => [type, `SSL_${key}`]));

/** `UNIQUE_ID`, or the range an unregistered type falls in (`custom`, `experimental`, `reserved`, `unassigned`). */
export function tlvName(type: number): string {
  const name = TLV_NAME_BY_TYPE.get(type);
  if (name !== undefined) return name;
  if (type >= TlvType.CUSTOM_MIN && type <= TlvType.CUSTOM_MAX) return 'custom';
  if (type >= TlvType.EXPERIMENTAL_MIN && type <= TlvType.EXPERIMENTAL_MAX) return 'experimental';
  if (type >= TlvType.FUTURE_MIN) return 'reserved';
  return 'unassigned';
}

/** The TLV type a command-line name stands for: `alpn`, `unique-id` (or `unique_id`), `aws` … */
export function tlvTypeNamed(name: string): number | undefined {
  const key = name.toUpperCase().replace(/-/g, '_');
  return Object.hasOwn(TlvType, key) && !isRangeMarker(key) ? TlvType[key as keyof typeof TlvType] : undefined;
}

/** Every TLV name `--tlv` takes, lower case. */
export const tlvNames: readonly string[] = [...TLV_NAME_BY_TYPE.values()].map((name) => name.toLowerCase().replace(/_/g, '-'));

/** `SSL_VERSION` … for a sub-TLV of PP2_TYPE_SSL. */
export function sslSubName(type: number): string {
  return SSL_NAME_BY_TYPE.get(type) ?? 'unknown';
}

/** The spec's names for the family nibble (`AF_INET6` …), by the core's name for it. */
const FAMILY_LABEL: Record<ProxyFamily, string> = { unspec: 'UNSPEC', ipv4: 'INET (IPv4)', ipv6: 'INET6 (IPv6)', unix: 'UNIX' };
const TRANSPORT_LABEL: Record<ProxyTransport, string> = { unspec: 'UNSPEC', stream: 'STREAM (TCP)', dgram: 'DGRAM (UDP)' };

/** `INET6 (IPv6)` for `ipv6`. */
export function familyLabel(family: ProxyFamily): string {
  return FAMILY_LABEL[family];
}

/** `STREAM (TCP)` for `stream`. */
export function transportLabel(transport: ProxyTransport): string {
  return TRANSPORT_LABEL[transport];
}
