/** Printing headers, TLVs and payloads: human-readable lines, JSON values and the byte map. */
import { Limits, SslClient, SslSubtype, TlvType, V2_SIGNATURE } from '../constants.js';
import { isProxyProtocolError, type ProxyEndpoint, type ProxyHeader, readTlvs, type SslTlv, type Tlv, type TlvView } from '../index.js';
import { familyLabel, sslSubName, tlvName, transportLabel } from './names.js';

export function hex(bytes: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i > 0 ? sep : '') + (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}

export function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

export function endpoint(e: ProxyEndpoint | null): string {
  if (e === null) return '-';
  if ('path' in e) return `unix:${e.path}`;
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/**
 * A UNIQUE_ID, the same in text and JSON: its text when every byte is printable US-ASCII
 * (0x20–0x7E), else `0x` and hex. The exact bytes are always in the raw TLV list.
 */
export function uniqueIdText(bytes: Uint8Array): string {
  return printableAscii(bytes) ? Buffer.from(bytes).toString('latin1') : `0x${hex(bytes)}`;
}

function printableAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

/** Printable text when the bytes are printable ASCII (tabs and line ends included), else hex. */
export function showBytes(bytes: Uint8Array, max = 64): string {
  if (bytes.length === 0) return '(empty)';
  const shown = bytes.subarray(0, max);
  const more = bytes.length > max ? ` … (${bytes.length} bytes)` : '';
  let printable = 0;
  for (const b of shown) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++;
  if (printable === shown.length) return JSON.stringify(Buffer.from(shown).toString('latin1')) + more;
  return hex(shown, ' ') + more;
}

/** The typed TLVs, or the error that `readTlvs` raised on an invalid registered value. */
export function safeReadTlvs(header: ProxyHeader): { view?: TlvView; error?: string } {
  try {
    return { view: readTlvs(header) };
  } catch (error) {
    return { error: isProxyProtocolError(error) ? `${error.code}: ${error.message}` : String(error) };
  }
}

/** One line per TLV meaning: `ALPN h2`, `SSL client=0x07 …`. */
function tlvMeaning(tlv: Tlv): string {
  const v = tlv.value;
  try {
    switch (tlv.type) {
      case TlvType.ALPN:
        return `ALPN ${JSON.stringify(Buffer.from(v).toString('latin1'))}`;
      case TlvType.AUTHORITY:
        return `AUTHORITY ${JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(v))}`;
      case TlvType.CRC32C:
        return v.length === 4 ? `CRC32C 0x${hex(v)}` : `CRC32C (${v.length} bytes, invalid)`;
      case TlvType.NOOP:
        return `NOOP (${v.length} bytes of padding)`;
      case TlvType.UNIQUE_ID:
        return `UNIQUE_ID ${quotedId(v)}`;
      case TlvType.SSL: {
        const ssl = sslOf(tlv);
        return `SSL client=${hexByte(ssl.client)}${sslFlags(ssl.client)} verify=${ssl.verify}${ssl.verified ? ' (client certificate verified)' : ''}`;
      }
      case TlvType.NETNS:
        return `NETNS ${JSON.stringify(Buffer.from(v).toString('latin1'))}`;
      default: {
        const view = readTlvs([tlv]);
        if (view.aws !== undefined) return `AWS vpce-id ${view.aws.vpceId}`;
        if (view.azure !== undefined) return `AZURE link-id ${view.azure.linkId}`;
        if (view.gcp !== undefined) return `GCP psc-connection-id ${view.gcp.pscConnectionId}`;
        return `${tlvName(tlv.type)} ${showBytes(v)}`;
      }
    }
  } catch (error) {
    return `${tlvName(tlv.type)} INVALID (${isProxyProtocolError(error) ? error.code : String(error)}) ${showBytes(v)}`;
  }
}

/** A UNIQUE_ID in the text output: {@link uniqueIdText}, quoted when it is text. */
function quotedId(bytes: Uint8Array): string {
  return printableAscii(bytes) ? JSON.stringify(uniqueIdText(bytes)) : uniqueIdText(bytes);
}

/** PP2_TYPE_SSL read by the core's typed view (which throws on a malformed value). */
function sslOf(tlv: Tlv): SslTlv {
  const ssl = readTlvs([tlv]).ssl;
  if (ssl === undefined) throw new TypeError('not an SSL TLV');
  return ssl;
}

function sslFlags(client: number): string {
  const flags = Object.entries(SslClient)
    .filter(([, bit]) => (client & bit) !== 0)
    .map(([name]) => name);
  return flags.length > 0 ? ` (${flags.join('|')})` : '';
}

function sslSubMeaning(sub: Tlv): string {
  if (sub.type === SslSubtype.CLIENT_CERT) return `${sslSubName(sub.type)} (${sub.value.length} bytes of DER)`;
  return `${sslSubName(sub.type)} ${showBytes(sub.value)}`;
}

/** The human-readable description of a header: a few indented lines. */
export function describeHeader(header: ProxyHeader, indent = '  ', crcVerified = true): string[] {
  const lines: string[] = [];
  const cmd = header.command.toUpperCase();
  lines.push(`${indent}version ${header.version}, command ${cmd}, family ${header.family}, transport ${header.transport}`);
  if (header.source !== null || header.destination !== null) {
    lines.push(`${indent}source      ${endpoint(header.source)}`);
    lines.push(`${indent}destination ${endpoint(header.destination)}`);
  } else {
    lines.push(`${indent}no addresses (use the connection's own endpoints)`);
  }
  if (header.version === 2) {
    const crc = header.tlvs.find((t) => t.type === TlvType.CRC32C);
    lines.push(`${indent}CRC32C      ${crc === undefined ? 'none' : `0x${hex(crc.value)} (${crcVerified ? 'verified' : 'not verified'})`}`);
    if (header.tlvs.length === 0) lines.push(`${indent}TLVs        none`);
    for (const tlv of header.tlvs) {
      lines.push(`${indent}TLV ${hexByte(tlv.type)}    ${tlvMeaning(tlv)}`);
      // A malformed SSL value is reported on the TLV line.
      const subTlvs = tlv.type === TlvType.SSL ? (safeSsl(tlv)?.subTlvs ?? []) : [];
      for (const sub of subTlvs) lines.push(`${indent}  ${hexByte(sub.type)}     ${sslSubMeaning(sub)}`);
    }
    if (header.unparsed !== undefined) lines.push(`${indent}ignored     ${header.unparsed.length} bytes after the fixed part (not TLVs)`);
  }
  return lines;
}

/** JSON-ready copy: bigints as strings, bytes as hex. */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonValue(v);
    return out;
  }
  return value;
}

/** The typed view as JSON, with UNIQUE_ID shown by the same rule as the text output. */
function typedJson(view: TlvView): unknown {
  const typed = jsonValue(view) as Record<string, unknown>;
  if (view.uniqueId !== undefined) typed.uniqueId = uniqueIdText(view.uniqueId);
  return typed;
}

/** The header as a JSON object: raw TLVs (type, name, hex value), the typed view, CRC32C status. */
export function headerJson(header: ProxyHeader, crcVerified = true): Record<string, unknown> {
  const { view, error } = safeReadTlvs(header);
  const crc = header.tlvs.find((t) => t.type === TlvType.CRC32C);
  const out: Record<string, unknown> = {
    version: header.version,
    command: header.command,
    family: header.family,
    transport: header.transport,
    source: header.source,
    destination: header.destination,
    tlvs: header.tlvs.map((t) => ({ type: t.type, name: tlvName(t.type), length: t.value.length, value: hex(t.value) })),
    crc32c: crc === undefined ? null : { value: hex(crc.value), verified: crcVerified },
  };
  if (view !== undefined) out.typed = typedJson(view);
  if (error !== undefined) out.typedError = error;
  if (header.unparsed !== undefined) out.unparsed = hex(header.unparsed);
  return out;
}

/** One row of the byte map. */
export interface ByteRow {
  offset: number;
  bytes: Uint8Array;
  meaning: string;
  /** Show the bytes as quoted text (v1) rather than hex. */
  text?: boolean;
}

/** Offsets of the v2 fixed part, after the signature. */
const VERSION_COMMAND = V2_SIGNATURE.length;
const FAMILY_TRANSPORT = VERSION_COMMAND + 1;
const LENGTH = FAMILY_TRANSPORT + 1;
/** SSL value: client (1 byte), verify (4 bytes), then sub-TLVs. */
const SSL_FIXED_LENGTH = 5;

/** The annotated byte map of a header that `decode` accepted (`bytes` is exactly the header). */
export function byteMap(header: ProxyHeader, bytes: Uint8Array, crcVerified = true): ByteRow[] {
  if (header.version === 1) return v1Map(bytes);
  const rows: ByteRow[] = [];
  const at = (offset: number, length: number, meaning: string) =>
    rows.push({ offset, bytes: bytes.subarray(offset, offset + length), meaning });
  const T = Limits.TLV_HEADER_LENGTH;
  at(0, V2_SIGNATURE.length, 'signature');
  const vc = bytes[VERSION_COMMAND] as number;
  at(VERSION_COMMAND, 1, `version ${vc >>> 4}, command ${header.command.toUpperCase()}`);
  at(
    FAMILY_TRANSPORT,
    1,
    `family ${familyLabel(header.family)}, transport ${transportLabel(header.transport)}${header.command === 'local' ? ' (ignored: LOCAL)' : ''}`,
  );
  const fixed = Limits.V2_FIXED_LENGTH;
  const length = bytes.length - fixed;
  at(LENGTH, 2, `length ${length} (header is ${bytes.length} bytes)`);
  if (header.unparsed !== undefined) {
    at(fixed, length, 'not address information nor TLVs: ignored');
    return rows;
  }
  // The TLVs end the header, so what lies between the fixed part and them is the address block.
  const tlvBytes = header.tlvs.reduce((sum, tlv) => sum + T + tlv.value.length, 0);
  const block = length - tlvBytes;
  let offset = fixed;
  if (block > 0) {
    if (header.command === 'local' || header.source === null || header.destination === null) {
      at(fixed, block, 'address block (ignored: LOCAL)');
    } else if (header.family === 'unix') {
      at(fixed, Limits.UNIX_PATH_LENGTH, `source path ${endpoint(header.source)}`);
      at(fixed + Limits.UNIX_PATH_LENGTH, Limits.UNIX_PATH_LENGTH, `destination path ${endpoint(header.destination)}`);
    } else {
      // Two addresses, then two 16-bit ports.
      const a = (block - 4) / 2;
      const src = header.source as { address: string; port: number };
      const dst = header.destination as { address: string; port: number };
      at(fixed, a, `source address ${src.address}`);
      at(fixed + a, a, `destination address ${dst.address}`);
      at(fixed + 2 * a, 2, `source port ${src.port}`);
      at(fixed + 2 + 2 * a, 2, `destination port ${dst.port}`);
    }
    offset += block;
  }
  // The TLVs follow the address block back to back, in wire order.
  for (const tlv of header.tlvs) {
    at(offset, T, `TLV type ${hexByte(tlv.type)} ${tlvName(tlv.type)}, length ${tlv.value.length}`);
    const ssl = tlv.type === TlvType.SSL ? safeSsl(tlv) : undefined;
    if (ssl !== undefined) {
      at(offset + T, 1, `  SSL client ${hexByte(ssl.client)}${sslFlags(ssl.client)}`);
      at(offset + T + 1, 4, `  SSL verify ${ssl.verify}${ssl.verified ? ' (client certificate verified)' : ''}`);
      let subOffset = offset + T + SSL_FIXED_LENGTH;
      for (const sub of ssl.subTlvs) {
        at(subOffset, T, `  sub-TLV type ${hexByte(sub.type)} ${sslSubName(sub.type)}, length ${sub.value.length}`);
        if (sub.value.length > 0) at(subOffset + T, sub.value.length, `    ${sslSubMeaning(sub)}`);
        subOffset += T + sub.value.length;
      }
    } else if (tlv.value.length > 0) {
      at(
        offset + T,
        tlv.value.length,
        `  ${tlvMeaning(tlv)}${tlv.type === TlvType.CRC32C ? ` (${crcVerified ? 'verified' : 'not verified'})` : ''}`,
      );
    }
    offset += T + tlv.value.length;
  }
  return rows;
}

function safeSsl(tlv: Tlv): SslTlv | undefined {
  try {
    return sslOf(tlv);
  } catch {
    return undefined;
  }
}

function v1Map(bytes: Uint8Array): ByteRow[] {
  const line = Buffer.from(bytes).toString('latin1');
  const rows: ByteRow[] = [];
  const at = (offset: number, length: number, meaning: string) =>
    rows.push({ offset, bytes: bytes.subarray(offset, offset + length), meaning, text: true });
  const body = line.slice(0, line.length - 2);
  at(0, 5, 'signature');
  const fields = body.split(' ');
  const labels = ['protocol', 'source address', 'destination address', 'source port', 'destination port'];
  let offset = 6;
  for (let i = 1; i < fields.length; i++) {
    const f = fields[i] as string;
    if (i === 1) at(offset, f.length, `protocol ${f}${f === 'UNKNOWN' ? ' (no addresses)' : ''}`);
    else if (fields[1] === 'UNKNOWN') {
      at(offset, body.length - offset, 'ignored (after UNKNOWN)');
      break;
    } else at(offset, f.length, labels[i - 1] ?? 'field');
    offset += f.length + 1;
  }
  at(bytes.length - 2, 2, 'CRLF');
  return rows;
}

/** Renders the byte map as aligned columns. Long fields are cut at 16 bytes. */
export function renderByteMap(rows: ByteRow[]): string[] {
  const cells = rows.map((r) => {
    let shown: string;
    if (r.text === true) {
      shown = JSON.stringify(Buffer.from(r.bytes).toString('latin1'));
    } else {
      shown = hex(r.bytes.subarray(0, 16), ' ');
      if (r.bytes.length > 16) shown += ` … (${r.bytes.length})`;
    }
    return { offset: String(r.offset), shown, meaning: r.meaning };
  });
  const wo = Math.max(6, ...cells.map((c) => c.offset.length));
  const wb = Math.max(5, ...cells.map((c) => c.shown.length));
  const lines = [`${'offset'.padEnd(wo)}  ${'bytes'.padEnd(wb)}  meaning`];
  for (const c of cells) lines.push(`${c.offset.padStart(wo)}  ${c.shown.padEnd(wb)}  ${c.meaning}`);
  return lines;
}
