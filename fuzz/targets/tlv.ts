/** Typed TLVs: what encode writes from them, readTlvs reads back; and readTlvs on any TLV list. */
import fc from 'fast-check';
import type { ProxyHeaderInit, Tlv, TlvView } from '../../src/index.js';
import { type TypedTlvs, typedTlvs, v2Case } from '../../test/support/arbitraries.js';
import { sameBytes } from '../../test/support/bytes.js';
import { anyTlvs } from '../../test/support/malformed.js';
import type { Context, Core } from '../context.js';
import { guarded, invariant, show } from '../invariant.js';
import { type FuzzTarget, target } from '../target.js';

const utf8 = new TextEncoder();

/** Each typed field of `view` is what `sent` asked for, and nothing else was read. */
function checkView(view: TlvView, sent: TypedTlvs): void {
  const same = (field: string, got: unknown, want: unknown) =>
    invariant(got === want, () => `${field}: sent ${show(want)}, read ${show(got)}`);
  same('alpn', view.alpn, sent.alpn);
  same('authority', view.authority, sent.authority);
  same('netns', view.netns, sent.netns);
  same('aws.vpceId', view.aws?.vpceId, sent.aws?.vpceId);
  same('azure.linkId', view.azure?.linkId, sent.azure?.linkId);
  same('gcp.pscConnectionId', view.gcp?.pscConnectionId, sent.gcp === undefined ? undefined : BigInt(sent.gcp.pscConnectionId));
  same('crc32c', view.crc32c, undefined);
  same('noop', view.noop, 0);
  if (sent.uniqueId === undefined) same('uniqueId', view.uniqueId, undefined);
  else {
    const want = typeof sent.uniqueId === 'string' ? utf8.encode(sent.uniqueId) : sent.uniqueId;
    invariant(
      view.uniqueId !== undefined && sameBytes(view.uniqueId, want),
      () => `uniqueId: sent ${show(want)}, read ${show(view.uniqueId)}`,
    );
  }
  const ssl = sent.ssl;
  if (ssl === undefined) same('ssl', view.ssl, undefined);
  else {
    invariant(view.ssl !== undefined, 'ssl: sent, not read');
    same('ssl.clientSsl', view.ssl.clientSsl, ssl.clientSsl ?? true);
    same('ssl.certConnection', view.ssl.certConnection, ssl.certConnection ?? false);
    same('ssl.certSession', view.ssl.certSession, ssl.certSession ?? false);
    same('ssl.verify', view.ssl.verify, ssl.verify ?? 0);
    for (const key of ['version', 'cn', 'cipher', 'sigAlg', 'keyAlg', 'group', 'sigScheme'] as const)
      same(`ssl.${key}`, view.ssl[key], ssl[key]);
    const cert = view.ssl.clientCert;
    invariant(
      ssl.clientCert === undefined ? cert === undefined : cert !== undefined && sameBytes(cert, ssl.clientCert),
      () => `ssl.clientCert: sent ${show(ssl.clientCert)}, read ${show(cert)}`,
    );
  }
  const raw = sent.raw ?? [];
  invariant(
    view.others.length === raw.length && raw.every((t, k) => view.others[k]?.type === t.type && sameBytes(view.others[k].value, t.value)),
    () => `others: sent ${show(raw)}, read ${show(view.others)}`,
  );
}

/** readTlvs on any list: only ERR_PROXY_TLV_INVALID escapes, and every TLV lands in exactly one place. */
function checkRead(lib: Core, tlvs: readonly Tlv[]): void {
  const r = guarded(lib, 'readTlvs', () => lib.readTlvs(tlvs));
  if (!r.ok) {
    invariant(r.error.code === 'ERR_PROXY_TLV_INVALID', () => `readTlvs throws ${r.error.code}`);
    return;
  }
  const view = r.value;
  const typed = [view.alpn, view.authority, view.crc32c, view.uniqueId, view.netns, view.ssl, view.aws, view.azure, view.gcp];
  const accounted = typed.filter((f) => f !== undefined).length + view.noop + view.others.length;
  invariant(accounted === tlvs.length, () => `${tlvs.length} TLVs in, ${accounted} read`);
  let k = 0;
  for (const t of tlvs) if (t === view.others[k]) k++;
  invariant(k === view.others.length, '`others` is not the uninterpreted TLVs in wire order');
}

export function tlvTargets({ lib }: Context): FuzzTarget[] {
  const typed = fc
    .record({ c: v2Case, tlvs: typedTlvs })
    .map(({ c, tlvs }) => ({ init: { ...c.init, tlvs } satisfies ProxyHeaderInit, tlvs }));
  return [
    target({
      name: 'tlv-typed',
      arbitrary: typed,
      check: ({ init, tlvs }) => {
        const bytes = guarded(lib, 'encode', () => lib.encode(init));
        invariant(bytes.ok, () => `encode refuses typed TLVs: ${bytes.ok ? '' : `${bytes.error.code}: ${bytes.error.message}`}`);
        const d = guarded(lib, 'decode', () => lib.decode(bytes.value));
        invariant(d.ok && d.value.status === 'complete', 'decode does not accept what encode wrote');
        checkView(lib.readTlvs(d.value.header), tlvs);
      },
      describe: (v) => `init=${show(v.init)}`,
    }),
    target<Tlv[]>({
      name: 'tlv-read',
      arbitrary: anyTlvs,
      check: (tlvs) => checkRead(lib, tlvs),
      describe: show,
    }),
  ];
}
