// Adapters for the npm peers: each one is called the way its README tells a user to call it,
// on the same bytes (a Buffer, as a socket delivers them). `decode[case]` returns the peer's
// own result; `normalize` turns it into `{command, source, destination, tlvTypes}` for the
// correctness check (outside the timed loop). `encode[case].prepare` builds the peer's input
// object from the case once; the timed loop calls `run(input)`, which constructs whatever the
// peer's API needs per header and returns the wire bytes.
import { createRequire } from 'node:module';
import { fixtures as F } from './cases.mjs';

const require = createRequire(import.meta.url);

function load(name) {
  try {
    return { mod: require(name), version: require(`${name}/package.json`).version };
  } catch (error) {
    return { error: String(error.message).split('\n')[0] };
  }
}

// ---------------------------------------------------------------------------------------------
// proxy-protocol-js

const ppjsLoaded = load('proxy-protocol-js');
const ppjs = ppjsLoaded.mod;

function ppjsBytesToV4(a) {
  return a.address.join('.');
}

function ppjsNormalizeV2(r) {
  const pa = r.proxyAddress;
  const out = { command: r.command === 0x00 ? 'local' : 'proxy', source: null, destination: null };
  if (pa?.sourceAddress && pa.sourceAddress.address.length === 4) {
    out.source = { address: ppjsBytesToV4(pa.sourceAddress), port: pa.sourcePort };
    out.destination = { address: ppjsBytesToV4(pa.destinationAddress), port: pa.destinationPort };
  } else if (pa?.sourceAddress && pa.sourceAddress.address.length === 16) {
    const text = (a) => {
      const b = Uint8Array.from(a.address);
      const g = [];
      for (let k = 0; k < 8; k++) g.push(((b[2 * k] << 8) | b[2 * k + 1]).toString(16));
      return g.join(':');
    };
    out.source = { address: text(pa.sourceAddress), port: pa.sourcePort };
    out.destination = { address: text(pa.destinationAddress), port: pa.destinationPort };
  } else if (pa?.sourceAddress && pa.sourceAddress.address.length === 108) {
    const text = (a) => {
      const b = Uint8Array.from(a.address);
      const end = b.indexOf(0);
      return Buffer.from(b.subarray(0, end < 0 ? 108 : end)).toString('utf8');
    };
    out.source = { path: text(pa.sourceAddress) };
    out.destination = { path: text(pa.destinationAddress) };
  }
  return out;
}

function ppjsNormalizeV1(r) {
  return {
    command: 'proxy',
    source: { address: r.source.ipAddress, port: r.source.port },
    destination: { address: r.destination.ipAddress, port: r.destination.port },
  };
}

const ppjsV1Decode = {
  // The string parser (a regular expression) is its fastest v1 path; the socket gives bytes.
  run: (b) => ppjs.V1ProxyProtocol.parse(b.latin1Slice(0, b.length)),
  normalize: ppjsNormalizeV1,
  note: 'regex over latin1 text; addresses as sent, no validation',
};

const ppjsV2Decode = {
  run: (b) => ppjs.V2ProxyProtocol.parse(b),
  normalize: ppjsNormalizeV2,
  note: 'raw address bytes, no strings',
};

function ppjsV1Encode(family) {
  return {
    prepare: (c) => c.init,
    run: (init) =>
      new ppjs.V1BinaryProxyProtocol(
        family,
        new ppjs.Peer(init.source.address, init.source.port),
        new ppjs.Peer(init.destination.address, init.destination.port),
      ).build(),
  };
}

function ppjsV2Encode(kind) {
  return {
    // Its API takes address bytes, not text: the conversion is done once, outside the loop.
    prepare: (_c) => {
      if (kind === 'local') return {};
      if (kind === 'unix') {
        const bytes = (p) => Array.from(Buffer.from(p.padEnd(108, '\0'), 'utf8'));
        return { src: bytes(F.UNIX_SRC), dst: bytes(F.UNIX_DST) };
      }
      if (kind === 'v4') return { src: F.V4_SRC_BYTES, dst: F.V4_DST_BYTES };
      const bytes = (groups) => groups.flatMap((g) => [g >>> 8, g & 0xff]);
      return { src: bytes(F.V6_SRC_GROUPS), dst: bytes(F.V6_DST_GROUPS) };
    },
    run:
      kind === 'v4'
        ? (x) =>
            new ppjs.V2ProxyProtocol(
              ppjs.Command.PROXY,
              ppjs.TransportProtocol.STREAM,
              new ppjs.IPv4ProxyAddress(ppjs.IPv4Address.createFrom(x.src), F.SPORT, ppjs.IPv4Address.createFrom(x.dst), F.DPORT),
            ).build()
        : kind === 'v6'
          ? (x) =>
              new ppjs.V2ProxyProtocol(
                ppjs.Command.PROXY,
                ppjs.TransportProtocol.STREAM,
                new ppjs.IPv6ProxyAddress(ppjs.IPv6Address.createFrom(x.src), F.SPORT, ppjs.IPv6Address.createFrom(x.dst), F.DPORT),
              ).build()
          : kind === 'unix'
            ? (x) =>
                new ppjs.V2ProxyProtocol(
                  ppjs.Command.PROXY,
                  ppjs.TransportProtocol.STREAM,
                  new ppjs.UnixProxyAddress(ppjs.UnixAddress.createFrom(x.src), ppjs.UnixAddress.createFrom(x.dst)),
                ).build()
            : () => new ppjs.V2ProxyProtocol(ppjs.Command.LOCAL, ppjs.TransportProtocol.UNSPEC, new ppjs.UnspecProxyAddress()).build(),
    note: 'address bytes in, not text',
  };
}

// ---------------------------------------------------------------------------------------------
// @balena/proxy-protocol-parser

const balenaLoaded = load('@balena/proxy-protocol-parser');
const balena = balenaLoaded.mod;

function balenaNormalize(r) {
  if (r === null) return { source: null, destination: null };
  if (r.remoteAddress === undefined) return { source: null, destination: null };
  return {
    source: { address: r.remoteAddress, port: r.remotePort },
    destination: { address: r.localAddress, port: r.localPort },
  };
}

const balenaDecode = { run: (b) => balena.decode(b, true), normalize: balenaNormalize };

function balenaEncode(version, family) {
  const fn = version === 1 ? balena.v1_encode : balena.v2_encode;
  return {
    prepare: (c) => c.init,
    run: (init) =>
      fn({
        remoteFamily: family,
        remoteAddress: init.source.address,
        remotePort: init.source.port,
        localAddress: init.destination.address,
        localPort: init.destination.port,
        protocol: 'tcp',
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// findhit-proxywrap: its parser lives inside a socket listener; what can be called is the
// exported validation regexp. The adapter is that listener's own steps on one chunk.

const findhitLoaded = (() => {
  try {
    const re = require('findhit-proxywrap/lib/proxy-protocol.regexp.js');
    return { mod: re, version: require('findhit-proxywrap/package.json').version };
  } catch (error) {
    return { error: String(error.message).split('\n')[0] };
  }
})();

const findhitDecode = {
  run: (b) => {
    let header = b.toString('ascii');
    const crlf = header.indexOf('\r');
    header = header.substr(0, crlf);
    if (!findhitLoaded.mod.test(header)) throw new Error('PROXY protocol malformed header');
    const f = header.split(' ');
    return {
      remoteAddress: f[2],
      remotePort: parseInt(f[4], 10),
      proxyAddress: f[3],
      proxyPort: parseInt(f[5], 10),
    };
  },
  normalize: (r) => ({
    source: { address: r.remoteAddress, port: r.remotePort },
    destination: { address: r.proxyAddress, port: r.proxyPort },
  }),
  note: 'validation regexp + split, as in its socket listener',
};

// ---------------------------------------------------------------------------------------------

export const peers = [
  {
    name: 'proxy-protocol-js',
    short: 'ppjs',
    ...ppjsLoaded,
    decode: ppjs && {
      'v1-tcp4': ppjsV1Decode,
      'v1-tcp6': ppjsV1Decode,
      'v1-tcp6-canonical': ppjsV1Decode,
      'v2-tcp4': ppjsV2Decode,
      'v2-tcp6': ppjsV2Decode,
      'v2-tlv': { ...ppjsV2Decode, note: 'raw address bytes, TLVs not parsed, CRC32C not checked' },
      'v2-local': ppjsV2Decode,
      'v2-unix': ppjsV2Decode,
    },
    encode: ppjs && {
      'v1-tcp4': ppjsV1Encode('TCP4'),
      'v1-tcp6': ppjsV1Encode('TCP6'),
      'v1-tcp6-canonical': ppjsV1Encode('TCP6'),
      'v2-tcp4': ppjsV2Encode('v4'),
      'v2-tcp6': ppjsV2Encode('v6'),
      'v2-local': ppjsV2Encode('local'),
      'v2-unix': ppjsV2Encode('unix'),
      // No TLV encoding: its `data` bytes are appended but left out of the length field.
    },
  },
  {
    name: '@balena/proxy-protocol-parser',
    short: 'balena',
    ...balenaLoaded,
    decode: balena && {
      'v1-tcp4': balenaDecode,
      'v1-tcp6': balenaDecode,
      'v1-tcp6-canonical': balenaDecode,
      'v2-tcp4': balenaDecode,
      'v2-tcp6': balenaDecode,
      'v2-tlv': { ...balenaDecode, note: 'TLVs skipped, CRC32C not checked, header length not reported' },
      'v2-local': balenaDecode,
      // No UNIX: it reads the paths as IPv6 addresses.
    },
    encode: balena && {
      'v1-tcp4': balenaEncode(1, 'IPv4'),
      'v1-tcp6': balenaEncode(1, 'IPv6'),
      'v1-tcp6-canonical': balenaEncode(1, 'IPv6'),
      'v2-tcp4': balenaEncode(2, 'IPv4'),
      'v2-tcp6': balenaEncode(2, 'IPv6'),
    },
  },
  {
    name: 'findhit-proxywrap',
    short: 'proxywrap',
    ...findhitLoaded,
    decode: findhitLoaded.mod && { 'v1-tcp4': findhitDecode, 'v1-tcp6': findhitDecode, 'v1-tcp6-canonical': findhitDecode },
    encode: {},
  },
];
