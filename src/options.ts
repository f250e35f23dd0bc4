/** Options shared by the decoders. Every limit has a documented default. */
export interface DecodeOptions {
  /**
   * Largest header accepted, in bytes, both versions. A v2 header announcing more is rejected as
   * soon as its 16-byte fixed part arrives, before any of the rest is buffered.
   * Defaults to 65551 (16 + 65535, the protocol's own maximum), so that every valid header
   * decodes; servers exposed to untrusted peers may lower it (v1 lines never exceed 107).
   * Anything but a non-negative number (NaN included) is a `RangeError`.
   */
  maxHeaderLength?: number;
  /** Versions accepted. A header of another version throws `ERR_PROXY_VERSION_NOT_ALLOWED`. Defaults to `[1, 2]`. */
  versions?: readonly (1 | 2)[];
  /** Verify a CRC32C TLV when one is present. Defaults to `true`. */
  verifyCrc32c?: boolean;
  /**
   * Accept only headers that carry a CRC32C TLV (which is then verified). A v1 header, which cannot
   * carry one, is rejected too. Use it only with senders configured to checksum every header,
   * health checks included (HAProxy with `proxy-v2-options crc32c` does): a corrupted CRC32C TLV
   * type byte is otherwise indistinguishable from a header sent without a checksum. Defaults to
   * `false`.
   */
  requireCrc32c?: boolean;
  /** Longest UNIQUE_ID TLV value accepted. Defaults to 128, the spec's limit. A non-negative number, as `maxHeaderLength`. */
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

/** @internal Options with their defaults applied. */
export interface ResolvedDecodeOptions {
  maxHeaderLength: number;
  acceptV1: boolean;
  acceptV2: boolean;
  verifyCrc32c: boolean;
  requireCrc32c: boolean;
  maxUniqueIdLength: number;
  allowIPv4InTcp6: boolean;
  allowDottedQuadInTcp6: boolean;
}

const DEFAULTS: ResolvedDecodeOptions = {
  maxHeaderLength: 16 + 0xffff,
  acceptV1: true,
  acceptV2: true,
  verifyCrc32c: true,
  requireCrc32c: false,
  maxUniqueIdLength: 128,
  allowIPv4InTcp6: false,
  allowDottedQuadInTcp6: true,
};

/** @internal */
export function resolveDecodeOptions(options: DecodeOptions | undefined): ResolvedDecodeOptions {
  if (options === undefined) return DEFAULTS;
  const versions = options.versions;
  return {
    maxHeaderLength: limit(options.maxHeaderLength, 'maxHeaderLength', DEFAULTS.maxHeaderLength),
    acceptV1: versions === undefined || versions.includes(1),
    acceptV2: versions === undefined || versions.includes(2),
    verifyCrc32c: options.verifyCrc32c ?? true,
    requireCrc32c: options.requireCrc32c ?? false,
    maxUniqueIdLength: limit(options.maxUniqueIdLength, 'maxUniqueIdLength', 128),
    allowIPv4InTcp6: options.allowIPv4InTcp6 ?? false,
    allowDottedQuadInTcp6: options.allowDottedQuadInTcp6 ?? true,
  };
}

/**
 * A byte limit: the default when absent, else a non-negative number. NaN (say, `Number(undefined)`
 * from a missing setting) would compare false with every length and silently disable the limit.
 */
function limit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number of bytes, got ${String(value)}`);
  }
  return value;
}

/** Options for the encoders. */
export interface EncodeOptions {
  /**
   * v2: add a CRC32C TLV (first, as HAProxy does) computed over the final header. A CRC32C TLV
   * already present in `tlvs` is always recomputed, whatever this option says.
   */
  crc32c?: boolean;
  /**
   * v2: append a NOOP TLV so that the header is exactly this many bytes long (AWS NLB pads
   * this way). Throws if the header is already longer or the gap is 1 or 2 bytes (a TLV is at
   * least 3).
   */
  padTo?: number;
}
