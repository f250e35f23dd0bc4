/**
 * Wire constants of the PROXY protocol (HAProxy `doc/proxy-protocol.txt`, revision 2026/04/27):
 * the one table every module (the command-line tool included) reads names, numbers, offsets and
 * sizes from.
 */

/** `PROXY` — the first five bytes of every v1 header. */
export const V1_SIGNATURE: Uint8Array = /* @__PURE__ */ Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59);

/** `\r\n\r\n\0\r\nQUIT\n` — the first twelve bytes of every v2 header. It contains a NUL: never treat it as a C string. */
export const V2_SIGNATURE: Uint8Array = /* @__PURE__ */ Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** Size limits fixed by the specification. */
export const Limits = {
  /** Longest v1 line, CRLF included (`PROXY UNKNOWN` + two full IPv6 addresses and ports). */
  V1_MAX_LENGTH: 107,
  /** Shortest v1 line: `PROXY UNKNOWN\r\n`. */
  V1_MIN_LENGTH: 15,
  /** Signature, version/command, family/transport and the 16-bit length. */
  V2_FIXED_LENGTH: 16,
  /** Largest value of the v2 length field. */
  V2_MAX_PAYLOAD_LENGTH: 0xffff,
  /** Largest v2 header: 16 + 65535. */
  V2_MAX_LENGTH: 16 + 0xffff,
  /** Largest UNIQUE_ID value the specification allows. */
  UNIQUE_ID_MAX_LENGTH: 128,
  /** Size of one UNIX address in the v2 address block. */
  UNIX_PATH_LENGTH: 108,
  /** TLV framing: type (1) + length (2). */
  TLV_HEADER_LENGTH: 3,
} as const;

/** Registered v2 TLV types (`PP2_TYPE_*`) and the well-known vendor types of the custom range. */
export const TlvType = {
  ALPN: 0x01,
  AUTHORITY: 0x02,
  CRC32C: 0x03,
  NOOP: 0x04,
  UNIQUE_ID: 0x05,
  SSL: 0x20,
  NETNS: 0x30,
  /** Google Cloud Private Service Connect: 8-byte big-endian connection id (custom range). */
  GCP: 0xe0,
  /** AWS: sub-type 0x01 then the VPC endpoint id (custom range). */
  AWS: 0xea,
  /** Azure: sub-type 0x01 then a little-endian u32 private endpoint LINKID (custom range). */
  AZURE: 0xee,
  /** First and last type of the application-specific range. */
  CUSTOM_MIN: 0xe0,
  CUSTOM_MAX: 0xef,
  /** First and last type of the experimental range. */
  EXPERIMENTAL_MIN: 0xf0,
  EXPERIMENTAL_MAX: 0xf7,
  /** First and last type reserved for future use. */
  FUTURE_MIN: 0xf8,
  FUTURE_MAX: 0xff,
} as const;

/** Sub-types inside a PP2_TYPE_SSL value (`PP2_SUBTYPE_SSL_*`). */
export const SslSubtype = {
  VERSION: 0x21,
  CN: 0x22,
  CIPHER: 0x23,
  SIG_ALG: 0x24,
  KEY_ALG: 0x25,
  GROUP: 0x26,
  SIG_SCHEME: 0x27,
  CLIENT_CERT: 0x28,
} as const;

/** Bits of the `client` field of a PP2_TYPE_SSL value (`PP2_CLIENT_*`). */
export const SslClient = { SSL: 0x01, CERT_CONN: 0x02, CERT_SESS: 0x04 } as const;

/** The first byte of a vendor TLV's value, which names what follows (`PP2_SUBTYPE_AWS_*`, `PP2_SUBTYPE_AZURE_*`). */
export const VendorSubtype = {
  /** In an AWS TLV: the VPC endpoint id follows. */
  AWS_VPCE_ID: 0x01,
  /** In an Azure TLV: the private endpoint LINKID follows. */
  AZURE_PRIVATE_ENDPOINT_LINKID: 0x01,
} as const;

// ---------------------------------------------------------------------------------------------
// Internal: the v2 layout and the v1 tokens, by name. Not part of the public entry.

/** @internal Byte offsets in a v2 header. */
export const V2 = {
  /** High nibble: version (2); low nibble: command. */
  VERSION_COMMAND: 12,
  /** High nibble: address family; low nibble: transport. */
  FAMILY_TRANSPORT: 13,
  /** Big-endian length of everything after the fixed part. */
  LENGTH: 14,
  /** Start of the address block (then the TLVs). */
  ADDRESSES: 16,
  /** The version nibble, already shifted into place. */
  VERSION: 0x20,
} as const;

/** @internal The v2 command nibble's meanings, by value. */
export const COMMANDS = ['local', 'proxy'] as const;
/** @internal The v2 family nibble's meanings, by value (the order of `AF_UNSPEC`, `AF_INET`, `AF_INET6`, `AF_UNIX`). */
export const FAMILIES = ['unspec', 'ipv4', 'ipv6', 'unix'] as const;
/** @internal The v2 transport nibble's meanings, by value. */
export const TRANSPORTS = ['unspec', 'stream', 'dgram'] as const;
/** @internal Size of the v2 address block, by family nibble: two addresses, then two ports for IP. */
export const ADDRESS_BLOCK_LENGTH = [0, 12, 36, 216] as const;

/** @internal Characters of the v1 grammar. */
export const CR = 0x0d;
/** @internal */
export const LF = 0x0a;
/** @internal */
export const SPACE = 0x20;
