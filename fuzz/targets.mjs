// Fuzz targets for the core codec, written once and run two ways:
//  - fuzz/run.mjs: against the built package (dist/), time-boxed, random seed;
//  - test/properties/fuzz-targets.test.ts: against src/, fixed seed, few runs.
// The library is passed in, so the same checks cover both.
//
// A target is { name, arbitrary, check(value), describe(value) }: `check` throws on a broken
// invariant; `describe` prints a failing value (input as hex, options) for the report.
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Helpers

export function hex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text) {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class InvariantError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvariantError';
  }
}

function invariant(condition, message) {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message);
}

/** A header as plain data (byte views as hex) so that two headers compare with JSON equality. */
export function normalizeHeader(header) {
  const out = {
    version: header.version,
    command: header.command,
    family: header.family,
    transport: header.transport,
    source: header.source === null ? null : { ...header.source },
    destination: header.destination === null ? null : { ...header.destination },
    tlvs: header.tlvs.map((t) => ({ type: t.type, value: hex(t.value) })),
  };
  if (header.unparsed !== undefined) out.unparsed = hex(header.unparsed);
  return out;
}

function sameHeader(a, b) {
  return JSON.stringify(normalizeHeader(a)) === JSON.stringify(normalizeHeader(b));
}

function show(value) {
  return JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? `<${hex(v)}>` : v === undefined ? '<undefined>' : v));
}

/**
 * Runs `fn`; returns { ok: true, value } or { ok: false, error } for a ProxyProtocolError.
 * Anything else escaping is a bug: it is rethrown wrapped with the context.
 */
function guarded(lib, what, fn) {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (lib.isProxyProtocolError(error) && typeof error.code === 'string' && error.code.startsWith('ERR_PROXY_')) {
      return { ok: false, error };
    }
    const e = new InvariantError(`${what}: a non-ProxyProtocolError escaped: ${error?.stack ?? String(error)}`);
    e.cause = error;
    throw e;
  }
}

function resultSummary(r) {
  if (!r.ok) return `throws ${r.error.code}`;
  const v = r.value;
  return v.status === 'complete' ? `complete(length=${v.length})` : v.status;
}

function sameDecodeResult(a, b) {
  if (a.ok !== b.ok) return false;
  if (!a.ok) return a.error.code === b.error.code;
  if (a.value.status !== b.value.status) return false;
  if (a.value.status !== 'complete') return true;
  return a.value.length === b.value.length && sameHeader(a.value.header, b.value.header);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const V1_SIG = Uint8Array.from(Buffer.from('PROXY '));
const V2_SIG = fromHex('0d0a0d0a000d0a515549540a');
const ZERO4 = new Uint8Array(4);

/** Decode options, default most of the time, sometimes tight or lenient. */
export const decodeOptionsArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        maxHeaderLength: fc.oneof(fc.constantFrom(15, 16, 28, 52, 107, 108, 232, 536, 4096, 65551), fc.integer({ min: 16, max: 70000 })),
        versions: fc.constantFrom([1, 2], [1], [2], []),
        verifyCrc32c: fc.boolean(),
        maxUniqueIdLength: fc.oneof(fc.constant(128), fc.integer({ min: 0, max: 300 })),
        allowIPv4InTcp6: fc.boolean(),
        allowDottedQuadInTcp6: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  },
);

/** Raw bytes, often starting with (part of) a signature so that the decoders get past it. */
const rawBytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom(V1_SIG, V2_SIG, V2_SIG.subarray(0, 5), Uint8Array.from(Buffer.from('PROXY TCP4 '))),
      fc.uint8Array({ maxLength: 300 }),
    )
    .map(([a, b]) => concat(a, b)),
  // v1-shaped text: mostly printable characters and the line's own punctuation.
  fc
    .array(fc.constantFrom(...'PROXY TCP4 TCP6 UNKNOWN 0123456789abcdefABCDEF.: \r\n'.split('')), { maxLength: 120 })
    .map((cs) => Uint8Array.from(Buffer.from(`PROXY ${cs.join('')}`, 'latin1'))),
  // v2 fixed part with a chosen command, family and length, then random bytes.
  fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 400 }),
      fc.uint8Array({ maxLength: 420 }),
    )
    .map(([vc, fam, len, rest]) => concat(V2_SIG, Uint8Array.of(vc, fam, len >>> 8, len & 0xff), rest)),
  fc
    .tuple(fc.constantFrom(0x20, 0x21), fc.constantFrom(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32), fc.uint8Array({ maxLength: 300 }))
    .map(([vc, fam, rest]) => concat(V2_SIG, Uint8Array.of(vc, fam, rest.length >>> 8, rest.length & 0xff), rest)),
);

/** One mutation of a seed. Positions are fractions so that they fit any seed length. */
const mutationArb = fc.oneof(
  fc.record({ op: fc.constant('flip'), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant('set'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    value: fc.constantFrom(0x00, 0xff, 0x20, 0x0d, 0x0a, 0x3a, 0x2e, 0x30, 0x7f, 0x80),
  }),
  fc.record({
    op: fc.constant('insert'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ op: fc.constant('delete'), at: fc.double({ min: 0, max: 1, noNaN: true }), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    op: fc.constant('duplicate'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    count: fc.integer({ min: 1, max: 40 }),
    to: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ op: fc.constant('truncate'), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('v2length'), delta: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.integer({ min: -0xffff, max: 0xffff })) }),
  fc.record({ op: fc.constant('tlvSplice'), donor: fc.nat(), which: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('tlvDuplicate'), which: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('tlvRemove'), which: fc.nat() }),
);

function position(at, length) {
  return Math.min(length, Math.floor(at * (length + 1)));
}

/** TLVs of a v2 header in `bytes` as [start, end) ranges, or [] if it has no well-formed TLV area. */
function tlvRanges(bytes) {
  if (bytes.length < 16 || !sameBytes(bytes.subarray(0, 12), V2_SIG)) return { start: -1, end: -1, ranges: [] };
  const total = Math.min(bytes.length, 16 + ((bytes[14] << 8) | bytes[15]));
  const block = [0, 12, 36, 216][bytes[13] >>> 4] ?? 0;
  const start = Math.min(total, 16 + block);
  const ranges = [];
  let i = start;
  while (i + 3 <= total) {
    const end = i + 3 + ((bytes[i + 1] << 8) | bytes[i + 2]);
    if (end > total) break;
    ranges.push([i, end]);
    i = end;
  }
  return { start, end: i, ranges };
}

function setV2Length(bytes, length) {
  if (bytes.length >= 16 && sameBytes(bytes.subarray(0, 12), V2_SIG)) {
    bytes[14] = (length >>> 8) & 0xff;
    bytes[15] = length & 0xff;
  }
}

function insertTlv(bytes, tlv, atIndex) {
  const { start, ranges } = tlvRanges(bytes);
  if (start < 0) return bytes;
  const boundaries = [start, ...ranges.map((r) => r[1])];
  const at = boundaries[atIndex % boundaries.length];
  const out = concat(bytes.subarray(0, at), tlv, bytes.subarray(at));
  setV2Length(out, ((bytes[14] << 8) | bytes[15]) + tlv.length);
  return out;
}

/** Applies `mutations` to a copy of `seed`; `seeds` lends TLVs for splicing. */
export function mutate(seed, mutations, seeds) {
  let b = Uint8Array.from(seed);
  for (const m of mutations) {
    switch (m.op) {
      case 'flip':
        if (b.length > 0) b[Math.min(b.length - 1, Math.floor(m.at * b.length))] ^= 1 << m.bit;
        break;
      case 'set':
        if (b.length > 0) b[Math.min(b.length - 1, Math.floor(m.at * b.length))] = m.value;
        break;
      case 'insert': {
        const at = position(m.at, b.length);
        b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      }
      case 'delete': {
        const at = position(m.at, b.length);
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + m.count)));
        break;
      }
      case 'duplicate': {
        const at = position(m.at, b.length);
        const piece = b.slice(at, Math.min(b.length, at + m.count));
        const to = position(m.to, b.length);
        b = concat(b.subarray(0, to), piece, b.subarray(to));
        break;
      }
      case 'truncate':
        b = b.slice(0, position(m.at, b.length));
        break;
      case 'v2length':
        if (b.length >= 16) setV2Length(b, (((b[14] << 8) | b[15]) + m.delta + 0x10000) & 0xffff);
        break;
      case 'tlvSplice': {
        const donor = seeds[m.donor % seeds.length];
        const { ranges } = tlvRanges(donor);
        if (ranges.length === 0) break;
        const [s, e] = ranges[m.which % ranges.length];
        b = insertTlv(b, donor.slice(s, e), m.at);
        break;
      }
      case 'tlvDuplicate': {
        const { ranges } = tlvRanges(b);
        if (ranges.length === 0) break;
        const [s, e] = ranges[m.which % ranges.length];
        b = insertTlv(b, b.slice(s, e), m.at);
        break;
      }
      case 'tlvRemove': {
        const { ranges } = tlvRanges(b);
        if (ranges.length === 0) break;
        const [s, e] = ranges[m.which % ranges.length];
        const length = (b[14] << 8) | b[15];
        b = concat(b.subarray(0, s), b.subarray(e));
        setV2Length(b, length - (e - s));
        break;
      }
    }
  }
  return b;
}

/** Recomputes a CRC32C TLV found in a v2 header so that mutated headers get past the checksum. */
export function fixCrc(lib, bytes) {
  const { ranges } = tlvRanges(bytes);
  const total = 16 + ((bytes[14] << 8) | bytes[15]);
  if (total > bytes.length) return bytes;
  for (const [s, e] of ranges) {
    if (bytes[s] === 0x03 && e - s === 7) {
      const out = Uint8Array.from(bytes);
      out.set(ZERO4, s + 3);
      const crc = lib.crc32c(out.subarray(0, total));
      out[s + 3] = crc >>> 24;
      out[s + 4] = (crc >>> 16) & 0xff;
      out[s + 5] = (crc >>> 8) & 0xff;
      out[s + 6] = crc & 0xff;
      return out;
    }
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Header inits for encode: valid ones, and invalid ones of every kind

const ipv4Arb = fc.ipV4();
const ipv6Arb = fc.oneof(
  fc.ipV6(),
  fc.constantFrom('::', '::1', '::ffff:1.2.3.4', '2001:DB8::1', '1:0:0:1:0:0:0:1', '0:0:0:0:0:ffff:102:304'),
);
const portArb = fc.integer({ min: 0, max: 65535 });
const anyPathArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('/run/a.sock', '', '\ufeffbom', 'a'.repeat(108), 'é'.repeat(54)),
);
/** Paths encode can carry: no NUL, well-formed UTF-16, at most 108 bytes of UTF-8. */
const pathArb = anyPathArb.filter((p) => !p.includes('\0') && p.isWellFormed() && Buffer.byteLength(p) <= 108);
const tlvValueArb = fc.uint8Array({ maxLength: 64 });
const validTlvArb = fc.oneof(
  fc.record({ type: fc.integer({ min: 0, max: 255 }).filter((t) => t !== 0x03 && t !== 0x05 && t !== 0x20), value: tlvValueArb }),
  fc.record({ type: fc.constant(0x05), value: fc.uint8Array({ maxLength: 128 }) }),
  fc.record({ type: fc.constant(0x03), value: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
  fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 4 }),
    )
    .map(([client, verify, subs]) => {
      const parts = [Uint8Array.of(client), verify];
      for (const s of subs) parts.push(Uint8Array.of(s.type, s.value.length >>> 8, s.value.length & 0xff), s.value);
      return { type: 0x20, value: concat(...parts) };
    }),
);

/** A valid init (for v2; v1 ignores TLVs so they are dropped there). */
export const validInitArb = fc
  .oneof(
    fc.record({
      version: fc.constantFrom(1, 2),
      command: fc.constantFrom('proxy', undefined),
      transport: fc.constantFrom('stream', 'dgram', undefined),
      source: fc.record({ address: ipv4Arb, port: portArb }),
      destination: fc.record({ address: ipv4Arb, port: portArb }),
      tlvs: fc.array(validTlvArb, { maxLength: 4 }),
    }),
    fc.record({
      version: fc.constantFrom(1, 2),
      transport: fc.constantFrom('stream', 'dgram', undefined),
      source: fc.record({ address: ipv6Arb, port: portArb }),
      destination: fc.record({ address: ipv6Arb, port: portArb }),
      tlvs: fc.array(validTlvArb, { maxLength: 4 }),
    }),
    fc.record({
      version: fc.constant(2),
      transport: fc.constantFrom('stream', 'dgram'),
      source: fc.record({ path: pathArb }),
      destination: fc.record({ path: pathArb }),
      tlvs: fc.array(validTlvArb, { maxLength: 4 }),
    }),
    fc.record({
      version: fc.constantFrom(1, 2),
      command: fc.constantFrom('local', 'proxy'),
      tlvs: fc.array(validTlvArb, { maxLength: 4 }),
    }),
  )
  .map((init) => {
    const { tlvs, ...rest } = init;
    if (init.version === 1) return rest;
    // At most one CRC32C TLV in a valid init.
    let seenCrc = false;
    return {
      ...rest,
      tlvs: tlvs.filter((t) => {
        if (t.type !== 0x03) return true;
        if (seenCrc) return false;
        seenCrc = true;
        return true;
      }),
    };
  });

const junkArb = fc.oneof(
  fc.constantFrom(undefined, null, '', 0, -1, 1.5, NaN, Infinity, true, 'bogus', '80', [], {}),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);
const endpointJunkArb = fc.oneof(
  junkArb,
  fc.record(
    { address: fc.oneof(ipv4Arb, ipv6Arb, junkArb, fc.string({ maxLength: 45 })), port: fc.oneof(portArb, junkArb) },
    { requiredKeys: [] },
  ),
  fc.record({ path: fc.oneof(anyPathArb, junkArb, fc.string({ minLength: 100, maxLength: 200 })) }, { requiredKeys: [] }),
);
const tlvJunkArb = fc.oneof(
  validTlvArb,
  junkArb,
  fc.record(
    {
      type: fc.oneof(fc.integer({ min: 0, max: 255 }), junkArb, fc.integer()),
      value: fc.oneof(tlvValueArb, junkArb, fc.uint8Array({ minLength: 4, maxLength: 4 })),
    },
    { requiredKeys: [] },
  ),
  fc.record({ type: fc.constantFrom(0x03, 0x05, 0x20), value: fc.oneof(tlvValueArb, fc.uint8Array({ minLength: 129, maxLength: 140 })) }),
);

/** Inits where any field may be wrong: wrong strings, wrong types, missing or extra parts. */
const invalidInitArb = fc.record(
  {
    version: fc.oneof(fc.constantFrom(1, 2), junkArb),
    command: fc.oneof(fc.constantFrom('proxy', 'local'), junkArb),
    family: fc.oneof(fc.constantFrom('ipv4', 'ipv6', 'unix', 'unspec'), junkArb),
    transport: fc.oneof(fc.constantFrom('stream', 'dgram', 'unspec'), junkArb),
    source: endpointJunkArb,
    destination: endpointJunkArb,
    tlvs: fc.oneof(fc.array(tlvJunkArb, { maxLength: 4 }), junkArb),
  },
  { requiredKeys: [] },
);

const encodeOptionsArb = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      crc32c: fc.oneof(fc.boolean(), junkArb),
      padTo: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 65000, max: 70000 }), junkArb),
    },
    { requiredKeys: [] },
  ),
);

// ---------------------------------------------------------------------------------------------
// Checks

/** The decode invariants, for one input and one set of options. */
export function checkDecode(lib, input, options, extra = Uint8Array.of(0x50, 0x0d, 0x0a, 0x00, 0xff)) {
  const r = guarded(lib, 'decode', () => lib.decode(input, options));
  const max = options?.maxHeaderLength ?? 65551;
  if (r.ok && r.value.status === 'complete') {
    const { header, length } = r.value;
    invariant(Number.isInteger(length) && length > 0 && length <= input.length, `length ${length} outside 1..${input.length}`);
    invariant(length <= max, `length ${length} exceeds maxHeaderLength ${max}`);
    invariant(header.version === 1 ? length >= 15 && length <= 107 : length >= 16, `length ${length} impossible for v${header.version}`);
    // Never reads past the header: the header bytes alone, or followed by anything, decode the same.
    const alone = guarded(lib, 'decode(header only)', () => lib.decode(input.slice(0, length), options));
    invariant(sameDecodeResult(r, alone), () => `header bytes alone give ${resultSummary(alone)}, whole input gives ${resultSummary(r)}`);
    const longer = guarded(lib, 'decode(input + extra)', () => lib.decode(concat(input.subarray(0, length), extra), options));
    invariant(sameDecodeResult(r, longer), () => `appending bytes changes the result: ${resultSummary(longer)}`);
    // Every strict prefix of a complete header is incomplete.
    for (let k = 0; k < length; k++) {
      const p = guarded(lib, `decode(prefix ${k})`, () => lib.decode(input.subarray(0, k), options));
      invariant(p.ok && p.value.status === 'incomplete', () => `prefix of ${k} bytes of a complete header gives ${resultSummary(p)}`);
    }
    checkReencode(lib, input.subarray(0, length), header, options);
  } else {
    // Incomplete, none or an error: more bytes never change none or the error.
    const longer = guarded(lib, 'decode(input + extra)', () => lib.decode(concat(input, extra), options));
    if (!r.ok) {
      invariant(
        !longer.ok && longer.error.code === r.error.code,
        () => `error ${r.error.code} becomes ${resultSummary(longer)} once more bytes follow`,
      );
      invariant(r.error instanceof lib.ProxyProtocolError && r.error.name === 'ProxyProtocolError', 'error is not branded');
    } else if (r.value.status === 'none') {
      invariant(input.length > 0, 'none for empty input');
      invariant(longer.ok && longer.value.status === 'none', () => `none becomes ${resultSummary(longer)} once more bytes follow`);
    }
  }
  return r;
}

/** A decoded header re-encodes to bytes that decode to the same header. */
function checkReencode(lib, headerBytes, header, options) {
  const defaults = options === undefined || (options.maxUniqueIdLength ?? 128) <= 128;
  const re = guarded(lib, 'encode(decoded header)', () => lib.encode(header));
  if (!re.ok) {
    invariant(!defaults, () => `encode rejects a header decode accepted: ${re.error.code} ${re.error.message}`);
    return;
  }
  const bytes = re.value;
  const back = guarded(lib, 'decode(encode(decoded header))', () => lib.decode(bytes));
  invariant(
    back.ok && back.value.status === 'complete' && back.value.length === bytes.length,
    () => `decode(encode(header)) gives ${resultSummary(back)}`,
  );
  const again = back.value.header;
  if (header.version === 1) {
    invariant(sameHeader(header, again), () => `v1 header changes through encode: ${show(normalizeHeader(again))}`);
    return;
  }
  const crcKept = options?.verifyCrc32c !== false || !header.tlvs.some((t) => t.type === 0x03);
  if (sameHeader(header, again) && crcKept) {
    // Canonical: the same header must take the same number of bytes, and the same bytes
    // whenever the family/transport byte is the one encode writes.
    invariant(
      bytes.length === headerBytes.length,
      () => `canonical header re-encodes to ${bytes.length} bytes, decoded from ${headerBytes.length}`,
    );
    // (UNIX paths end at their first NUL: bytes after it are not kept.)
    if (bytes[13] === headerBytes[13] && header.family !== 'unix') {
      invariant(sameBytes(bytes, headerBytes), () => `canonical header re-encodes to different bytes: ${hex(bytes)}`);
    }
  }
}

/** Pushes `chunks` into `parser`; returns what happened. */
function feed(lib, parser, chunks) {
  let pushed = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    const r = guarded(lib, 'parser.push', () => parser.push(chunk));
    if (!r.ok) return { kind: 'error', code: r.error.code, pushed: pushed + chunk.length };
    pushed += chunk.length;
    const step = r.value;
    if (step.status === 'complete') {
      return { kind: 'complete', step, after: chunks.slice(i + 1), pushed, bufferedAfter: parser.bufferedLength };
    }
    if (step.status === 'none') return { kind: 'none', step, pushed, bufferedAfter: parser.bufferedLength };
    invariant(parser.bufferedLength === pushed, () => `bufferedLength ${parser.bufferedLength} after ${pushed} bytes pushed`);
  }
  return { kind: 'incomplete', pushed };
}

function split(input, cuts) {
  const points = [...new Set(cuts.map((c) => position(c, input.length)))].sort((a, b) => a - b);
  const chunks = [];
  let last = 0;
  for (const p of points) {
    chunks.push(input.slice(last, p));
    last = p;
  }
  chunks.push(input.slice(last));
  return chunks;
}

const VALID_V2 = fromHex('0d0a0d0a000d0a515549540a21110011010203040506070800500' + '1bb0200026162');
const VALID_V1 = Uint8Array.from(Buffer.from('PROXY UNKNOWN\r\nxyz'));

/** The parser agrees with one-shot decode for any chunking, and keeps working afterwards. */
export function checkChunking(lib, input, cuts, options, parser = new lib.HeaderParser(options)) {
  const oneShot = guarded(lib, 'decode', () => lib.decode(input, options));
  const chunks = split(input, cuts);
  const got = feed(lib, parser, chunks);
  const expected = oneShot.ok ? oneShot.value.status : 'error';
  invariant(got.kind === expected, () => `chunked: ${got.kind}${got.code ? ` ${got.code}` : ''}, one-shot: ${resultSummary(oneShot)}`);
  if (got.kind === 'error') {
    invariant(got.code === oneShot.error.code, () => `chunked error ${got.code}, one-shot error ${oneShot.error.code}`);
    invariant(parser.bufferedLength === 0, 'parser keeps bytes after an error');
  } else if (got.kind === 'complete') {
    const { step } = got;
    invariant(step.length === oneShot.value.length, () => `chunked length ${step.length}, one-shot ${oneShot.value.length}`);
    invariant(sameHeader(step.header, oneShot.value.header), () => `chunked header differs: ${show(normalizeHeader(step.header))}`);
    const payload = concat(step.rest, ...got.after);
    invariant(sameBytes(payload, input.subarray(step.length)), () => `rest + later chunks (${hex(payload)}) differ from the payload`);
    invariant(got.bufferedAfter === 0, 'parser keeps bytes after a header');
  } else if (got.kind === 'none') {
    invariant(sameBytes(got.step.data, input.subarray(0, got.pushed)), 'none: data is not every byte pushed');
    invariant(got.bufferedAfter === 0, 'parser keeps bytes after none');
  } else {
    invariant(parser.bufferedLength === input.length, 'incomplete: not every byte is buffered');
    const end = guarded(lib, 'parser.end', () => parser.end());
    if (input.length > 0)
      invariant(!end.ok && end.error.code === 'ERR_PROXY_HEADER_INCOMPLETE', 'end() after a partial header does not throw INCOMPLETE');
    else invariant(end.ok, 'end() with nothing buffered throws');
    invariant(parser.bufferedLength === 0, 'parser keeps bytes after end()');
  }
  // The same instance still decodes a valid header, whatever came before.
  const versions = options?.versions ?? [1, 2];
  const room = options?.maxHeaderLength ?? 65551;
  const valid = versions.includes(2) && room >= VALID_V2.length ? VALID_V2 : versions.includes(1) && room >= 16 ? VALID_V1 : undefined;
  if (valid !== undefined) {
    const after = feed(lib, parser, split(valid, [0.3, 0.5]));
    invariant(
      after.kind === 'complete',
      () => `the parser no longer decodes a valid header after that input: ${after.kind} ${after.code ?? ''}`,
    );
  }
  return got;
}

/** The encode invariants: only ProxyProtocolError escapes; what encode returns, decode accepts. */
export function checkEncode(lib, init, options) {
  const r = guarded(lib, 'encode', () => lib.encode(init, options));
  const len = guarded(lib, 'encodingLength', () => lib.encodingLength(init, options));
  if (!r.ok) {
    // encodingLength does not validate addresses, ports, paths or TLV types (encode does, as it
    // writes): it may return a number for an init that encode rejects, but never another error.
    invariant(len.ok || len.error.code === r.error.code, () => `encode throws ${r.error.code} but encodingLength throws ${len.error.code}`);
    return r;
  }
  const bytes = r.value;
  invariant(bytes instanceof Uint8Array, 'encode did not return a Uint8Array');
  invariant(
    len.ok && len.value === bytes.length,
    () => `encodingLength ${len.ok ? len.value : len.error.code} but encode wrote ${bytes.length}`,
  );
  // encodeInto at an offset writes the same bytes and nothing else.
  const target = new Uint8Array(bytes.length + 7).fill(0xaa);
  const into = guarded(lib, 'encodeInto', () => lib.encodeInto(init, target, 5, options));
  invariant(into.ok && into.value === bytes.length, () => `encodeInto gives ${into.ok ? into.value : into.error.code}`);
  invariant(sameBytes(target.subarray(5, 5 + bytes.length), bytes), 'encodeInto wrote different bytes');
  invariant(target[4] === 0xaa && target[5 + bytes.length] === 0xaa, 'encodeInto wrote outside its range');

  const d = guarded(lib, 'decode(encode(init))', () => lib.decode(bytes));
  invariant(d.ok, () => `decode rejects what encode produced: ${d.ok ? '' : `${d.error.code}: ${d.error.message}`} (bytes ${hex(bytes)})`);
  invariant(
    d.value.status === 'complete' && d.value.length === bytes.length,
    () => `decode(encode(init)) gives ${resultSummary(d)} for ${bytes.length} bytes`,
  );
  const h = d.value.header;
  const version = init.version === 1 ? 1 : 2;
  invariant(h.version === version, `version ${h.version}, asked for ${version}`);
  if (h.source !== null && 'address' in h.source) {
    for (const [got, want] of [
      [h.source, init.source],
      [h.destination, init.destination],
    ]) {
      const canonical = lib.canonicalAddress(String(want.address));
      invariant(
        got.address === canonical || got.address === `::ffff:${canonical}`,
        () => `address ${show(want.address)} decodes as ${got.address}`,
      );
      invariant(got.port === want.port, () => `port ${show(want.port)} decodes as ${got.port}`);
    }
  }
  if (h.source !== null && 'path' in h.source) {
    invariant(
      h.source.path === init.source.path && h.destination.path === init.destination.path,
      () =>
        `UNIX paths change through encode: ${show([init.source.path, init.destination.path])} -> ${show([h.source.path, h.destination.path])}`,
    );
  }
  if (version === 2) {
    // The init's TLVs come back in order, byte for byte (a CRC32C value is recomputed, a NOOP may pad).
    const want = Array.isArray(init.tlvs) ? init.tlvs : [];
    let tlvs = h.tlvs;
    if (options?.crc32c === true && !want.some((t) => t.type === 0x03)) {
      invariant(tlvs[0]?.type === 0x03, 'crc32c option did not put a CRC32C TLV first');
      tlvs = tlvs.slice(1);
    }
    if (typeof options?.padTo === 'number' && tlvs.length === want.length + 1) tlvs = tlvs.slice(0, -1);
    invariant(tlvs.length === want.length, () => `${want.length} TLVs given, ${tlvs.length} decoded`);
    for (let k = 0; k < want.length; k++) {
      invariant(tlvs[k].type === want[k].type, 'TLV type changed');
      if (want[k].type !== 0x03) invariant(sameBytes(tlvs[k].value, want[k].value), 'TLV value changed');
    }
  }
  // Encoding is stable: the decoded header encodes to the same bytes (a LOCAL header's
  // addresses are dropped by decode, so it is exempt).
  if (h.command !== 'local') {
    const again = guarded(lib, 'encode(decode(encode(init)))', () => lib.encode(h));
    invariant(
      again.ok && sameBytes(again.value, bytes),
      () => `re-encoding the decoded header gives ${again.ok ? hex(again.value) : again.error.code}, first encoding ${hex(bytes)}`,
    );
  }
  return r;
}

/** Typed TLV helpers on arbitrary bytes: only ProxyProtocolError escapes; results tile the input. */
export function checkTlvHelpers(lib, bytes, start, end) {
  const s = Math.min(start, bytes.length);
  const e = Math.min(Math.max(end, s), bytes.length);
  const loose = guarded(lib, 'splitTlvs', () => lib.splitTlvs(bytes, s, e));
  invariant(loose.ok, 'splitTlvs (not strict) threw');
  const strict = guarded(lib, 'splitTlvs strict', () => lib.splitTlvs(bytes, s, e, true));
  if (loose.value === undefined) {
    invariant(
      !strict.ok && strict.error.code === 'ERR_PROXY_TLV_MALFORMED',
      'strict splitTlvs does not throw TLV_MALFORMED where the loose one fails',
    );
  } else {
    invariant(strict.ok, 'strict splitTlvs throws where the loose one succeeds');
    let at = s;
    for (const t of loose.value) {
      invariant(t.value.byteOffset - bytes.byteOffset === at + 3 && t.type === bytes[at], 'TLVs do not tile the area');
      invariant(t.value.length === ((bytes[at + 1] << 8) | bytes[at + 2]), 'TLV length differs from the wire');
      at += 3 + t.value.length;
    }
    invariant(at === e, 'TLVs do not cover the area exactly');
    invariant(lib.tlvsLength(loose.value) === e - s, 'tlvsLength disagrees');
  }
  const value = bytes.subarray(s, e);
  const ssl = guarded(lib, 'splitSsl', () => lib.splitSsl(value));
  if (ssl.ok) {
    invariant(value.length >= 5 && ssl.value.client === value[0], 'splitSsl client');
    invariant(ssl.value.verify === new DataView(value.buffer, value.byteOffset + 1, 4).getUint32(0), 'splitSsl verify');
    invariant(5 + lib.tlvsLength(ssl.value.subTlvs) === value.length, 'SSL sub-TLVs do not fill the value');
  } else {
    invariant(ssl.error.code === 'ERR_PROXY_TLV_INVALID', () => `splitSsl throws ${ssl.error.code}`);
  }
}

/**
 * Declared lengths are never allocated ahead of the bytes: a v2 fixed part announcing `declared`
 * bytes, fed `fed` bytes of it one byte at a time, leaves exactly the pushed bytes buffered.
 */
export function checkNoEagerAllocation(lib, famByte, declared, fed, measureMemory = false) {
  const parser = new lib.HeaderParser();
  const fixed = concat(V2_SIG, Uint8Array.of(0x21, famByte, declared >>> 8, declared & 0xff));
  const one = new Uint8Array(1);
  const before = measureMemory ? process.memoryUsage().arrayBuffers : 0;
  let pushed = 0;
  const total = 16 + declared;
  const push = (byte) => {
    one[0] = byte;
    const step = guarded(lib, 'parser.push', () => parser.push(one));
    pushed++;
    return step;
  };
  for (const byte of fixed) {
    const step = push(byte);
    if (!step.ok) return; // an invalid family/length combination: rejected, nothing buffered
    invariant(step.value.status === 'incomplete' || pushed === total, () => `status ${step.value.status} after ${pushed} bytes`);
    invariant(
      parser.bufferedLength === (step.value.status === 'incomplete' ? pushed : 0),
      () => `bufferedLength ${parser.bufferedLength} after ${pushed} bytes`,
    );
  }
  if (measureMemory) {
    const grown = process.memoryUsage().arrayBuffers - before;
    invariant(grown < 32 * 1024, () => `${grown} bytes of ArrayBuffer allocated after the 16-byte fixed part declaring ${declared}`);
  }
  const stop = Math.min(total, 16 + fed);
  while (pushed < stop) {
    const step = push(0);
    if (!step.ok) return; // zero bytes may be invalid TLVs/addresses once complete
    if (pushed < total) {
      invariant(step.value.status === 'incomplete', () => `status ${step.value.status} after ${pushed} of ${total} bytes`);
      invariant(parser.bufferedLength === pushed, () => `bufferedLength ${parser.bufferedLength} after ${pushed} bytes pushed`);
    } else {
      invariant(step.value.status === 'complete' && step.value.length === total, () => `status ${step.value.status} at the last byte`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

/** @param {{ lib: any, corpus: { name: string, bytes: Uint8Array }[] }} context */
export function createTargets({ lib, corpus }) {
  // Besides the corpus: the largest possible v2 header (65551 bytes, CRC32C and one big TLV).
  corpus = [
    ...corpus,
    {
      name: 'generated: largest v2 header',
      bytes: lib.encode(
        {
          source: { address: '10.0.0.1', port: 1 },
          destination: { address: '10.0.0.2', port: 2 },
          tlvs: [{ type: 0xe0, value: new Uint8Array(65513).fill(0x41) }],
        },
        { crc32c: true },
      ),
    },
  ];
  const seeds = corpus.map((c) => c.bytes);
  const seedArb = fc.nat({ max: seeds.length - 1 });
  const mutatedArb = fc
    .record({
      seed: seedArb,
      mutations: fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
      fixCrc: fc.boolean(),
      options: decodeOptionsArb,
    })
    .map((v) => {
      let input = mutate(seeds[v.seed], v.mutations, seeds);
      if (v.fixCrc) input = fixCrc(lib, input);
      return { ...v, input };
    });
  const describeInput = (v) =>
    `input=${hex(v.input)}\noptions=${show(v.options)}${v.seed === undefined ? '' : `\nseed input=${corpus[v.seed].name} mutations=${show(v.mutations)}`}`;
  const withPayload = fc
    .tuple(fc.oneof(mutatedArb, fc.record({ input: rawBytesArb, options: decodeOptionsArb })), fc.uint8Array({ maxLength: 40 }))
    .map(([v, payload]) => ({ ...v, input: concat(v.input, payload) }));

  return [
    {
      name: 'decode-raw',
      arbitrary: fc.record({ input: rawBytesArb, options: decodeOptionsArb, extra: fc.uint8Array({ minLength: 1, maxLength: 20 }) }),
      check: (v) => void checkDecode(lib, v.input, v.options, v.extra),
      describe: (v) => `${describeInput(v)}\nextra=${hex(v.extra)}`,
    },
    {
      name: 'decode-corpus-mutations',
      arbitrary: fc.tuple(mutatedArb, fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([v, extra]) => ({ ...v, extra })),
      check: (v) => void checkDecode(lib, v.input, v.options, v.extra),
      describe: (v) => `${describeInput(v)}\nextra=${hex(v.extra)}`,
    },
    {
      name: 'parser-chunking',
      arbitrary: fc.record({
        v: fc.oneof(
          mutatedArb,
          withPayload,
          seedArb.map((seed) => ({ seed, mutations: [], input: seeds[seed], options: undefined })),
        ),
        cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
      }),
      check: ({ v, cuts }) => void checkChunking(lib, v.input, cuts, v.options),
      describe: ({ v, cuts }) => `${describeInput(v)}\nchunks=${split(v.input, cuts).map(hex).join(' | ')}`,
    },
    {
      name: 'parser-reuse',
      // One parser instance across a sequence of inputs, good and bad.
      arbitrary: fc.record({
        inputs: fc.array(
          fc.record({
            v: fc.oneof(mutatedArb, fc.record({ input: rawBytesArb })),
            cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
      }),
      check: ({ inputs }) => {
        const parser = new lib.HeaderParser();
        for (const { v, cuts } of inputs) {
          const got = checkChunking(lib, v.input, cuts, undefined, parser);
          if (got.kind === 'incomplete') parser.reset();
        }
      },
      describe: ({ inputs }) =>
        inputs.map(({ v, cuts }) => `input=${hex(v.input)} chunks=${split(v.input, cuts).map(hex).join('|')}`).join('\n'),
    },
    {
      name: 'encode-valid',
      arbitrary: fc.record({ init: validInitArb, options: fc.option(fc.record({ crc32c: fc.boolean() }), { nil: undefined }) }),
      check: ({ init, options }) => {
        const r = checkEncode(lib, init, options);
        const hasCrc = Array.isArray(init.tlvs) && init.tlvs.some((t) => t.type === 0x03);
        invariant(
          r.ok || (options?.crc32c !== undefined && hasCrc),
          () => `encode rejects a valid init: ${r.error.code}: ${r.error.message}`,
        );
      },
      describe: (v) => `init=${show(v.init)}\noptions=${show(v.options)}`,
    },
    {
      name: 'encode-invalid',
      arbitrary: fc.record({ init: fc.oneof(validInitArb, invalidInitArb), options: encodeOptionsArb }),
      check: ({ init, options }) => void checkEncode(lib, init, options),
      describe: (v) => `init=${show(v.init)}\noptions=${show(v.options)}`,
    },
    {
      name: 'tlv-helpers',
      arbitrary: fc.record({
        bytes: fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          seedArb.map((i) => seeds[i]),
        ),
        start: fc.nat({ max: 220 }),
        end: fc.nat({ max: 400 }),
      }),
      check: ({ bytes, start, end }) => checkTlvHelpers(lib, bytes, start, end),
      describe: (v) => `bytes=${hex(v.bytes)} start=${v.start} end=${v.end}`,
    },
    {
      name: 'parser-no-eager-allocation',
      arbitrary: fc.record({
        famByte: fc.constantFrom(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32),
        declared: fc.oneof(fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })),
        fed: fc.integer({ min: 0, max: 600 }),
      }),
      check: ({ famByte, declared, fed }) => checkNoEagerAllocation(lib, famByte, declared, fed),
      describe: (v) => show(v),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Node targets: the stream and socket integrations (proxyproto/node), driven in memory.
// Their checks are async (they return a Promise); `target.async` is true.

/** Waits for `promise`, failing if it has not settled within `ms` (a stream that never ends). */
function settled(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new InvariantError(`${what}: nothing happened within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A short prefix of a signature (what a lenient reader passes through when the stream ends there). */
function isShortSignaturePrefix(bytes) {
  if (bytes[0] === 0x50) return bytes.length < 5;
  if (bytes[0] === 0x0d) return bytes.length < 12;
  return false;
}

/**
 * What a stream reader must do with `input` (possible header + payload) as a whole, from one-shot
 * decode: { kind: 'header', header, length } | { kind: 'none' } | { kind: 'error', code }.
 * `eofLenientPassThrough`: whether a lenient reader passes a short signature prefix on at the end.
 */
function expectedStreamOutcome(lib, input, options, lenient, eofLenientPassThrough) {
  const r = guarded(lib, 'decode', () => lib.decode(input, options));
  if (!r.ok) return { kind: 'error', code: r.error.code };
  const v = r.value;
  if (v.status === 'complete') return { kind: 'header', header: v.header, length: v.length };
  if (v.status === 'none') return lenient ? { kind: 'none' } : { kind: 'error', code: 'ERR_PROXY_HEADER_MISSING' };
  // incomplete: the stream ends inside what could still be a header.
  if (input.length === 0) return lenient ? { kind: 'none' } : { kind: 'error', code: 'ERR_PROXY_HEADER_MISSING' };
  if (lenient && eofLenientPassThrough && isShortSignaturePrefix(input)) return { kind: 'none' };
  return { kind: 'error', code: 'ERR_PROXY_HEADER_INCOMPLETE' };
}

function describeOutcome(o) {
  return o.kind === 'error' ? `error ${o.code}` : o.kind === 'header' ? `header (length ${o.length})` : 'none';
}

function checkErrorIsOurs(lib, error, what) {
  invariant(
    lib.isProxyProtocolError(error) && typeof error.code === 'string' && error.code.startsWith('ERR_PROXY_'),
    () => `${what}: a non-ProxyProtocolError reached 'error': ${error?.stack ?? String(error)}`,
  );
}

/**
 * ProxyProtocolDecoder over `chunks`: the header event comes once, before any data; the output is
 * exactly the bytes after the header (or every byte, lenient without a header); only a
 * ProxyProtocolError reaches 'error', and it is the one decode reports.
 */
export async function checkStreamDecoder(lib, node, input, chunks, { mode, options, highWaterMark, pauses }) {
  const lenient = mode === 'lenient';
  const expected = expectedStreamOutcome(lib, input, options, lenient, true);
  const decoder = new node.ProxyProtocolDecoder({ ...options, mode, ...(highWaterMark === undefined ? {} : { highWaterMark }) });
  const out = [];
  const headers = [];
  let errors = 0;
  decoder.on('header', (header) => headers.push({ header, dataBefore: out.length }));
  decoder.on('data', (chunk) => out.push(chunk));
  const outcome = new Promise((resolve) => {
    decoder.on('error', (error) => {
      errors++;
      resolve({ error });
    });
    decoder.on('end', () => resolve({}));
  });
  for (let i = 0; i < chunks.length; i++) {
    if (decoder.destroyed) break;
    if (pauses[i % pauses.length]) await tick();
    if (decoder.destroyed) break;
    decoder.write(chunks[i]);
  }
  if (!decoder.destroyed) decoder.end();
  const result = await settled(outcome, 5000, 'ProxyProtocolDecoder');
  await tick();
  invariant(errors <= 1, `'error' emitted ${errors} times`);
  invariant(headers.length <= 1, `'header' emitted ${headers.length} times`);
  const output = Buffer.concat(out);
  if (expected.kind === 'error') {
    invariant(
      result.error !== undefined,
      () =>
        `expected ${describeOutcome(expected)}, the stream ended (header ${headers.length ? 'emitted' : 'not emitted'}, ${output.length} bytes out)`,
    );
    checkErrorIsOurs(lib, result.error, 'ProxyProtocolDecoder');
    invariant(result.error.code === expected.code, () => `expected ${expected.code}, got ${result.error.code}`);
    invariant(headers.length === 0 && output.length === 0, 'data or a header came out before the error');
    return;
  }
  if (result.error !== undefined) checkErrorIsOurs(lib, result.error, 'ProxyProtocolDecoder');
  invariant(
    result.error === undefined,
    () => `expected ${describeOutcome(expected)}, got error ${result.error.code}: ${result.error.message}`,
  );
  invariant(headers.length === 1, "'header' was not emitted");
  invariant(headers[0].dataBefore === 0, "data came out before 'header'");
  if (expected.kind === 'header') {
    invariant(
      headers[0].header !== null && sameHeader(headers[0].header, expected.header),
      () => `header differs: ${show(headers[0].header && normalizeHeader(headers[0].header))}`,
    );
    invariant(decoder.header === headers[0].header, 'decoder.header is not the emitted header');
    invariant(
      sameBytes(output, input.subarray(expected.length)),
      () => `payload differs: got ${hex(output)}, want ${hex(input.subarray(expected.length))}`,
    );
  } else {
    invariant(headers[0].header === null && decoder.header === null, 'lenient pass-through: the header is not null');
    invariant(sameBytes(output, input), () => `lenient pass-through is not byte-exact: got ${hex(output)}, want ${hex(input)}`);
  }
}

/**
 * readProxyHeader over an in-memory PassThrough: resolves with the header decode gives (or null,
 * lenient), rejects with the same code otherwise; whatever follows the header stays readable,
 * byte for byte; no listener of its own is left behind.
 */
export async function checkReadProxyHeader(lib, node, input, chunks, { mode, options, pauses, timeout }) {
  const { PassThrough } = await import('node:stream');
  const lenient = mode === 'lenient';
  const expected = expectedStreamOutcome(lib, input, options, lenient, true);
  const stream = new PassThrough();
  const events = ['readable', 'end', 'error', 'close', 'data'];
  const counts = () => events.map((e) => stream.listenerCount(e)).join(',');
  const before = counts();
  const reading = node.readProxyHeader(stream, { ...options, mode, headerTimeout: timeout }).then(
    (header) => ({ header }),
    (error) => ({ error }),
  );
  let written = 0;
  for (let i = 0; i < chunks.length; i++) {
    if (pauses[i % pauses.length]) await tick();
    stream.write(chunks[i]);
    written += chunks[i].length;
  }
  stream.end();
  const result = await settled(reading, 5000, 'readProxyHeader');
  invariant(counts() === before, () => `listeners left on the stream: ${counts()} (before ${before})`);
  if (expected.kind === 'error') {
    invariant(
      result.error !== undefined,
      () => `expected ${describeOutcome(expected)}, resolved with ${result.header === null ? 'null' : 'a header'}`,
    );
    checkErrorIsOurs(lib, result.error, 'readProxyHeader');
    invariant(result.error.code === expected.code, () => `expected ${expected.code}, got ${result.error.code}`);
    stream.destroy();
    return;
  }
  if (result.error !== undefined) checkErrorIsOurs(lib, result.error, 'readProxyHeader');
  invariant(
    result.error === undefined,
    () => `expected ${describeOutcome(expected)}, got error ${result.error.code}: ${result.error.message}`,
  );
  const rest = [];
  stream.on('data', (chunk) => rest.push(chunk));
  if (!stream.readableEnded) {
    await settled(
      new Promise((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
      }),
      5000,
      'reading the rest',
    );
  }
  const output = Buffer.concat(rest);
  invariant(written === input.length, 'not every chunk was written');
  if (expected.kind === 'header') {
    invariant(
      result.header !== null && sameHeader(result.header, expected.header),
      () => `header differs: ${show(result.header && normalizeHeader(result.header))}`,
    );
    invariant(node.getProxyHeader(stream) === result.header, 'getProxyHeader does not return the header');
    invariant(
      sameBytes(output, input.subarray(expected.length)),
      () => `bytes after the header differ: got ${hex(output)}, want ${hex(input.subarray(expected.length))}`,
    );
  } else {
    invariant(result.header === null, 'lenient: expected null');
    invariant(sameBytes(output, input), () => `lenient: bytes left on the stream differ: got ${hex(output)}, want ${hex(input)}`);
  }
}

/** @param {{ lib: any, node: any, corpus: { name: string, bytes: Uint8Array }[] }} context */
export function createNodeTargets({ lib, node, corpus }) {
  const seeds = corpus.map((c) => c.bytes);
  const seedArb = fc.nat({ max: seeds.length - 1 });
  const payloadArb = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ minLength: 200, maxLength: 2000 }),
  );
  const headArb = fc.oneof(
    { weight: 4, arbitrary: seedArb.map((seed) => ({ seed, mutations: [], head: seeds[seed] })) },
    {
      weight: 3,
      arbitrary: fc
        .record({ seed: seedArb, mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fixCrc: fc.boolean() })
        .map((v) => {
          const head = mutate(seeds[v.seed], v.mutations, seeds);
          return { ...v, head: v.fixCrc ? fixCrc(lib, head) : head };
        }),
    },
    { weight: 2, arbitrary: rawBytesArb.map((head) => ({ head })) },
    // Short inputs: empty, prefixes of a signature, a byte that is not one.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', 'P', 'PRO', 'PROXY', 'PROXY ', '\r\n', '\r\n\r\n\0\r\nQUI', 'G', 'GET / HTTP/1.1\r\n')
        .map((s) => ({ head: Uint8Array.from(Buffer.from(s, 'latin1')) })),
    },
  );
  const arbitrary = fc
    .record({
      h: headArb,
      payload: payloadArb,
      mode: fc.constantFrom('strict', 'lenient'),
      options: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: decodeOptionsArb }),
      cuts: fc.oneof(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), fc.constant('bytes')),
      pauses: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      highWaterMark: fc.constantFrom(undefined, 1, 16),
      timeout: fc.constantFrom(0, 10_000),
    })
    .map((v) => {
      const input = concat(v.h.head, v.payload);
      // 'bytes': one byte per chunk, for inputs short enough to keep the run cheap.
      const n = input.length;
      const cuts =
        v.cuts === 'bytes' ? (n <= 300 ? Array.from({ length: Math.max(0, n - 1) }, (_, k) => (k + 1.5) / (n + 1)) : [0.5]) : v.cuts;
      return { ...v, input, chunks: split(input, cuts) };
    });
  const describe = (v) =>
    `mode=${v.mode} options=${show(v.options)} highWaterMark=${v.highWaterMark} pauses=${show(v.pauses)}\ninput=${hex(v.input)}${v.h.seed === undefined ? '' : `\nseed input=${corpus[v.h.seed].name} mutations=${show(v.h.mutations)}`}\nchunks=${v.chunks.map(hex).join(' | ')}`;
  return [
    {
      name: 'stream-decoder',
      async: true,
      arbitrary,
      check: (v) => checkStreamDecoder(lib, node, v.input, v.chunks, v),
      describe,
    },
    {
      name: 'read-proxy-header',
      async: true,
      arbitrary,
      check: (v) => checkReadProxyHeader(lib, node, v.input, v.chunks, v),
      describe,
    },
  ];
}
