/**
 * The options of the decoders and encoders, their defaults, and the checks that refuse what they
 * cannot mean: an unknown key or a wrong type is a `TypeError`, an impossible value a `RangeError`.
 */
import { Limits } from './constants.js';

/** Options shared by the decoders. Every limit has a documented default. */
export interface DecodeOptions {
  /**
   * Largest header accepted, in bytes, both versions. A v2 header announcing more is rejected as
   * soon as its 16-byte fixed part arrives, before any of the rest is buffered; a v1 line is
   * bounded by the smaller of this and 107.
   * Defaults to 65551 (16 + 65535, the protocol's own maximum), so that every valid header
   * decodes; servers exposed to untrusted peers may lower it. At least 16 (the v2 fixed part):
   * a smaller value is a `RangeError`, since it would make "not a header" depend on how the
   * bytes were split.
   */
  maxHeaderLength?: number;
  /** Versions accepted. A header of another version throws `ERR_PROXY_VERSION_NOT_ALLOWED`. Defaults to `[1, 2]`. */
  versions?: readonly (1 | 2)[];
  /**
   * What to do with the CRC32C TLV:
   * - `'verify'` (the default): verify it when present;
   * - `'require'`: reject headers without one (`ERR_PROXY_CRC32C_MISSING`), v1 included, and verify it.
   *   Use it only with senders configured to checksum every header, health checks included
   *   (HAProxy with `proxy-v2-options crc32c` does): a corrupted CRC32C TLV type byte is otherwise
   *   indistinguishable from a header sent without a checksum;
   * - `'ignore'`: do not verify it (it is still checked to be 4 bytes and unique).
   */
  crc32c?: 'verify' | 'require' | 'ignore';
  /** Longest UNIQUE_ID TLV value accepted. Defaults to 128, the spec's limit. A non-negative number. */
  maxUniqueIdLength?: number;
  /**
   * v1: accept plain IPv4 text in a `TCP6` line (some nginx builds send it) and report it as
   * IPv4-mapped IPv6 (`::ffff:a.b.c.d`). Defaults to `false`: the spec says TCP6 carries IPv6.
   */
  allowIPv4InTcp6?: boolean;
  /**
   * v1: accept IPv6 text with a dotted-quad tail in a `TCP6` line (`::ffff:127.0.0.1`, as
   * HAProxy sends for IPv4-mapped addresses). Defaults to `true`.
   */
  allowDottedQuadInTcp6?: boolean;
}

/**
 * @internal The keys of {@link DecodeOptions}, for integrations that accept these options
 * among their own and pass them on.
 */
export const DECODE_OPTION_NAMES: readonly (keyof DecodeOptions)[] = [
  'maxHeaderLength',
  'versions',
  'crc32c',
  'maxUniqueIdLength',
  'allowIPv4InTcp6',
  'allowDottedQuadInTcp6',
];

/** Options for the encoders. */
export interface EncodeOptions {
  /**
   * Add a CRC32C TLV (first, as HAProxy does) computed over the final header. v2 only: `true`
   * with a v1 header is a `RangeError`. A CRC32C TLV already present in `tlvs` is always
   * recomputed, whatever this option says. Defaults to `false`.
   */
  crc32c?: boolean;
  /**
   * Append a NOOP TLV so that the header is exactly this many bytes long (AWS NLB pads this way).
   * v2 only (a `RangeError` with a v1 header). Throws `ERR_PROXY_INVALID_HEADER` if the header is
   * already longer or the gap is 1 or 2 bytes (a TLV is at least 3).
   */
  padTo?: number;
}

/** @internal The keys of {@link EncodeOptions}. */
export const ENCODE_OPTION_NAMES: readonly (keyof EncodeOptions)[] = ['crc32c', 'padTo'];

/** @internal What to do with a CRC32C TLV: 0 ignore, 1 verify when present, 2 require and verify. */
export type Crc32cMode = 0 | 1 | 2;

/** @internal Options with their defaults applied. */
export interface ResolvedDecodeOptions {
  readonly maxHeaderLength: number;
  readonly acceptV1: boolean;
  readonly acceptV2: boolean;
  readonly crc32c: Crc32cMode;
  readonly maxUniqueIdLength: number;
  readonly allowIPv4InTcp6: boolean;
  readonly allowDottedQuadInTcp6: boolean;
}

/** @internal */
export const DEFAULT_DECODE_OPTIONS: ResolvedDecodeOptions = Object.freeze({
  maxHeaderLength: Limits.V2_MAX_LENGTH,
  acceptV1: true,
  acceptV2: true,
  crc32c: 1,
  maxUniqueIdLength: Limits.UNIQUE_ID_MAX_LENGTH,
  allowIPv4InTcp6: false,
  allowDottedQuadInTcp6: true,
});

/** Former or misplaced names, and what to use instead. */
const RENAMED: Record<string, string> = {
  verifyCrc32c: 'now crc32c',
  requireCrc32c: "now crc32c: 'require'",
  timeout: 'now headerTimeout',
};

/**
 * @internal Throws a `TypeError` unless `value` is an object whose enumerable keys (`for…in`,
 * as the options and headers are read) are all in `names`.
 */
export function checkKeys(value: unknown, names: readonly string[], what: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${what} must be an object, got ${describe(value)}`);
  }
  for (const key in value) if (!names.includes(key)) unknownKey(key, names, what);
}

function unknownKey(key: string, names: readonly string[], what: string): never {
  const hint = RENAMED[key];
  throw new TypeError(`unknown ${what} key '${key}'${hint ? ` (${hint})` : ''}; valid keys: ${names.join(', ')}`);
}

/** @internal A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' && value !== null ? Object.prototype.toString.call(value) : String(value);
}

/** @internal Throws `kind` saying what `name` must be and what it was. */
export function wrong(kind: typeof TypeError | typeof RangeError, name: string, expected: string, value: unknown): never {
  throw new kind(`${name} must be ${expected}, got ${describe(value)}`);
}

/** @internal Validates `options` and applies the defaults. */
export function resolveDecodeOptions(options: DecodeOptions | undefined): ResolvedDecodeOptions {
  if (options === undefined) return DEFAULT_DECODE_OPTIONS;
  checkKeys(options, DECODE_OPTION_NAMES, 'decode option');
  const versions = options.versions as unknown;
  let acceptV1 = true;
  let acceptV2 = true;
  if (versions !== undefined) {
    if (!Array.isArray(versions)) wrong(TypeError, 'versions', 'an array of 1 and/or 2', versions);
    if (versions.length === 0 || versions.some((v) => v !== 1 && v !== 2))
      wrong(RangeError, 'versions', 'a list of 1 and/or 2', `[${versions}]`);
    acceptV1 = versions.includes(1);
    acceptV2 = versions.includes(2);
  }
  const crc32c = options.crc32c as unknown;
  const mode = crc32c === undefined ? 1 : ['ignore', 'verify', 'require'].indexOf(crc32c as string);
  if (mode < 0) wrong(typeof crc32c === 'string' ? RangeError : TypeError, 'crc32c', "'verify', 'require' or 'ignore'", crc32c);
  return {
    maxHeaderLength: byteLimit(options.maxHeaderLength, 'maxHeaderLength', Limits.V2_MAX_LENGTH, Limits.V2_FIXED_LENGTH),
    acceptV1,
    acceptV2,
    crc32c: mode as Crc32cMode,
    maxUniqueIdLength: byteLimit(options.maxUniqueIdLength, 'maxUniqueIdLength', Limits.UNIQUE_ID_MAX_LENGTH, 0),
    allowIPv4InTcp6: flag(options.allowIPv4InTcp6, 'allowIPv4InTcp6', false),
    allowDottedQuadInTcp6: flag(options.allowDottedQuadInTcp6, 'allowDottedQuadInTcp6', true),
  };
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return typeof value === 'boolean' ? value : wrong(TypeError, name, 'a boolean', value);
}

/**
 * A byte limit: the default when absent, else a number of at least `min`. NaN (say,
 * `Number(undefined)` from a missing setting) would compare false with every length and
 * silently disable the limit.
 */
function byteLimit(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') wrong(TypeError, name, 'a number of bytes', value);
  return value >= min ? value : wrong(RangeError, name, `a number of bytes of at least ${min}`, value);
}

/** @internal Encode options checked against the header's version. */
export interface ResolvedEncodeOptions {
  readonly crc32c: boolean;
  /** -1 for none. */
  readonly padTo: number;
}

const NO_ENCODE_OPTIONS: ResolvedEncodeOptions = Object.freeze({ crc32c: false, padTo: -1 });
const CRC32C_ONLY: ResolvedEncodeOptions = Object.freeze({ crc32c: true, padTo: -1 });

/** @internal Validates `options` for a header of `version`. */
export function resolveEncodeOptions(options: EncodeOptions | undefined, version: 1 | 2): ResolvedEncodeOptions {
  if (options === undefined) return NO_ENCODE_OPTIONS;
  checkKeys(options, ENCODE_OPTION_NAMES, 'encode option');
  const crc32c = options.crc32c;
  const padTo = options.padTo;
  if (crc32c !== undefined && typeof crc32c !== 'boolean') wrong(TypeError, 'crc32c', 'a boolean', crc32c);
  if (padTo !== undefined && typeof padTo !== 'number') wrong(TypeError, 'padTo', 'a number of bytes', padTo);
  if (padTo !== undefined && !(Number.isInteger(padTo) && padTo >= 0)) wrong(RangeError, 'padTo', 'a whole number of bytes', padTo);
  if (version === 1 && (crc32c === true || padTo !== undefined)) {
    throw new RangeError(`${crc32c === true ? 'crc32c' : 'padTo'} is a v2 option: a v1 line has no TLVs`);
  }
  if (padTo === undefined) return crc32c === true ? CRC32C_ONLY : NO_ENCODE_OPTIONS;
  return { crc32c: crc32c === true, padTo };
}
