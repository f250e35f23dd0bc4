/** Printing headers, TLVs and payloads: human-readable lines, JSON values and the byte map. */
import {
  isProxyProtocolError,
  type ProxyEndpoint,
  type ProxyHeader,
  readTlvs,
  SslSubtype,
  type SslTlv,
  type Tlv,
  TlvType,
  type TlvView,
} from '../index.js';

const readSsl = (value: Uint8Array): SslTlv => readTlvs([{ type: TlvType.SSL, value }]).ssl as SslTlv;

export function hex(bytes: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i > 0 ? sep : '') + (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}

export function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

const TLV_NAMES: Record<number, string> = {
  [TlvType.ALPN]: 'ALPN',
  [TlvType.AUTHORITY]: 'AUTHORITY',
  [TlvType.CRC32C]: 'CRC32C',
  [TlvType.NOOP]: 'NOOP',
  [TlvType.UNIQUE_ID]: 'UNIQUE_ID',
  [TlvType.SSL]: 'SSL',
  [TlvType.NETNS]: 'NETNS',
  [TlvType.GCP]: 'GCP',
  [TlvType.AWS]: 'AWS',
  [TlvType.AZURE]: 'AZURE',
};

const SSL_NAMES: Record<number, string> = {
  [SslSubtype.VERSION]: 'SSL_VERSION',
  [SslSubtype.CN]: 'SSL_CN',
  [SslSubtype.CIPHER]: 'SSL_CIPHER',
  [SslSubtype.SIG_ALG]: 'SSL_SIG_ALG',
  [SslSubtype.KEY_ALG]: 'SSL_KEY_ALG',
  [SslSubtype.GROUP]: 'SSL_GROUP',
  [SslSubtype.SIG_SCHEME]: 'SSL_SIG_SCHEME',
  [SslSubtype.CLIENT_CERT]: 'SSL_CLIENT_CERT',
};

export function tlvName(type: number): string {
  const name = TLV_NAMES[type];
  if (name !== undefined) return name;
  if (type >= TlvType.CUSTOM_MIN && type <= TlvType.CUSTOM_MAX) return 'custom';
  if (type >= TlvType.EXPERIMENTAL_MIN && type <= TlvType.EXPERIMENTAL_MAX) return 'experimental';
  if (type >= TlvType.FUTURE_MIN) return 'reserved';
  return 'unassigned';
}

export function sslSubName(type: number): string {
  return SSL_NAMES[type] ?? 'unknown';
}

export function endpoint(e: ProxyEndpoint | null): string {
  if (e === null) return '-';
  if ('path' in e) return `unix:${e.path}`;
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** Printable text when the bytes are mostly printable ASCII, else hex. */
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
        return `UNIQUE_ID ${showBytes(v)}`;
      case TlvType.SSL: {
        const ssl = readSsl(v);
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

function sslFlags(client: number): string {
  const flags = [client & 1 && 'SSL', client & 2 && 'CERT_CONN', client & 4 && 'CERT_SESS'].filter(Boolean);
  return flags.length > 0 ? ` (${flags.join('|')})` : '';
}

function sslSubMeaning(sub: Tlv): string {
  if (sub.type === SslSubtype.CLIENT_CERT) return `${sslSubName(sub.type)} (${sub.value.length} bytes of DER)`;
  return `${sslSubName(sub.type)} ${showBytes(sub.value)}`;
}

/** The human-readable description of a header: a few indented lines. */
export function describeHeader(header: ProxyHeader, indent = '  '): string[] {
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
    lines.push(`${indent}CRC32C      ${crc === undefined ? 'none' : `0x${hex(crc.value)} (verified)`}`);
    if (header.tlvs.length === 0) lines.push(`${indent}TLVs        none`);
    for (const tlv of header.tlvs) {
      lines.push(`${indent}TLV ${hexByte(tlv.type)}    ${tlvMeaning(tlv)}`);
      if (tlv.type === TlvType.SSL) {
        try {
          for (const sub of readSsl(tlv.value).subTlvs) lines.push(`${indent}  ${hexByte(sub.type)}     ${sslSubMeaning(sub)}`);
        } catch {
          // reported on the TLV line
        }
      }
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

/** The header as a JSON object: raw TLVs (type, name, hex value), the typed view, CRC32C status. */
export function headerJson(header: ProxyHeader): Record<string, unknown> {
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
    crc32c: crc === undefined ? null : { value: hex(crc.value), verified: true },
  };
  if (view !== undefined) out.typed = jsonValue(view);
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

const FAMILY_NAMES = ['UNSPEC', 'INET (IPv4)', 'INET6 (IPv6)', 'UNIX'];
const TRANSPORT_NAMES = ['UNSPEC', 'STREAM (TCP)', 'DGRAM (UDP)'];
const BLOCK = [0, 12, 36, 216];

/** The annotated byte map of a header that `decode` accepted (`bytes` is exactly the header). */
export function byteMap(header: ProxyHeader, bytes: Uint8Array): ByteRow[] {
  if (header.version === 1) return v1Map(bytes);
  const rows: ByteRow[] = [];
  const at = (offset: number, length: number, meaning: string) =>
    rows.push({ offset, bytes: bytes.subarray(offset, offset + length), meaning });
  at(0, 12, 'signature');
  const vc = bytes[12] as number;
  at(12, 1, `version ${vc >>> 4}, command ${(vc & 0xf) === 0 ? 'LOCAL' : 'PROXY'}`);
  const ft = bytes[13] as number;
  const fam = ft >>> 4;
  const tr = ft & 0xf;
  at(
    13,
    1,
    `family ${FAMILY_NAMES[fam] ?? `${fam} (unknown)`}, transport ${TRANSPORT_NAMES[tr] ?? `${tr} (unknown)`}${header.command === 'local' ? ' (ignored: LOCAL)' : ''}`,
  );
  const length = ((bytes[14] as number) << 8) | (bytes[15] as number);
  at(14, 2, `length ${length} (header is ${16 + length} bytes)`);
  const block = fam <= 3 && tr <= 2 ? (BLOCK[fam] as number) : 0;
  if (header.unparsed !== undefined) {
    at(16, length, 'not address information nor TLVs: ignored');
    return rows;
  }
  if (block > 0 && length >= block) {
    if (header.command === 'local' || header.source === null || header.destination === null) {
      at(16, block, 'address block (ignored: LOCAL)');
    } else if (fam === 3) {
      at(16, 108, `source path ${endpoint(header.source)}`);
      at(124, 108, `destination path ${endpoint(header.destination)}`);
    } else {
      const a = fam === 1 ? 4 : 16;
      const src = header.source as { address: string; port: number };
      const dst = header.destination as { address: string; port: number };
      at(16, a, `source address ${src.address}`);
      at(16 + a, a, `destination address ${dst.address}`);
      at(16 + 2 * a, 2, `source port ${src.port}`);
      at(18 + 2 * a, 2, `destination port ${dst.port}`);
    }
  }
  // The decoded TLVs are views into `bytes`: their offsets are where they sit on the wire.
  for (const tlv of header.tlvs) {
    const offset = tlv.value.byteOffset - bytes.byteOffset - 3;
    at(offset, 3, `TLV type ${hexByte(tlv.type)} ${tlvName(tlv.type)}, length ${tlv.value.length}`);
    if (tlv.type === TlvType.SSL && tlv.value.length >= 5) {
      let ssl: ReturnType<typeof readSsl> | undefined;
      try {
        ssl = readSsl(tlv.value);
      } catch {
        ssl = undefined;
      }
      if (ssl !== undefined) {
        at(offset + 3, 1, `  SSL client ${hexByte(ssl.client)}${sslFlags(ssl.client)}`);
        at(offset + 4, 4, `  SSL verify ${ssl.verify}${ssl.verified ? ' (client certificate verified)' : ''}`);
        for (const sub of ssl.subTlvs) {
          const subOffset = sub.value.byteOffset - bytes.byteOffset - 3;
          at(subOffset, 3, `  sub-TLV type ${hexByte(sub.type)} ${sslSubName(sub.type)}, length ${sub.value.length}`);
          if (sub.value.length > 0) at(subOffset + 3, sub.value.length, `    ${sslSubMeaning(sub)}`);
        }
        continue;
      }
    }
    if (tlv.value.length > 0) at(offset + 3, tlv.value.length, `  ${tlvMeaning(tlv)}${tlv.type === TlvType.CRC32C ? ' (verified)' : ''}`);
  }
  return rows;
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
