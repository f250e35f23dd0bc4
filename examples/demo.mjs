// A tour of the codec: decode the headers real load balancers send, then build our own.
// Run with `npm run demo` (it builds first).
import { decode, encode, ProxyProtocolError } from '../dist/index.js';

const hex = (bytes) => Buffer.from(bytes).toString('hex').replace(/(..)/g, '$1 ').trim();
const endpoint = (e, none) =>
  e === null ? none : 'path' in e ? e.path : e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
const show = (label, bytes) => {
  try {
    const result = decode(bytes);
    if (result.status !== 'complete') return console.log(`${label}: ${result.status}`);
    const { header, length } = result;
    const from = endpoint(header.source, '(real peer)');
    const to = endpoint(header.destination, '(real local)');
    const tlvs = header.tlvs.map((t) => `0x${t.type.toString(16)}(${t.value.length}B)`).join(' ') || 'none';
    const after = Buffer.from(bytes.subarray(length)).toString('latin1').split('\r\n')[0];
    console.log(
      `${label}: v${header.version} ${header.command} ${header.family}/${header.transport} ${from} -> ${to}; TLVs: ${tlvs}; ${length}-byte header${after ? `, then ${JSON.stringify(after)}` : ''}`,
    );
  } catch (error) {
    if (!(error instanceof ProxyProtocolError)) throw error;
    console.log(`${label}: rejected with ${error.code} at byte ${error.offset}: ${error.message}`);
  }
};

console.log('-- the codec: decoding what load balancers send');
show('HAProxy send-proxy (v1)', Buffer.from('PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\n'));
show('nginx, IPv6 (v1)', Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 42096 8080\r\n'));
show('HAProxy health check (v2 LOCAL)', Buffer.from('0d0a0d0a000d0a515549540a20000000', 'hex'));
show(
  'AWS NLB (v2 + CRC32C + VPC endpoint + padding)',
  Buffer.from(
    '0d0a0d0a000d0a515549540a21110054ac1f0771ac1f0a1fc8f20050030004e8d6892dea001701767063652d3038643262663135666163353030316339040024000000000000000000000000000000000000000000000000000000000000000000000000',
    'hex',
  ),
);
show('a plain HTTP request (no header)', Buffer.from('GET / HTTP/1.1\r\n'));
show('half a v2 header', Buffer.from('0d0a0d0a000d0a515549540a2111', 'hex'));
show('a forged v1 line', Buffer.from('PROXY TCP4 10.0.0.01 10.0.0.2 80 443\r\n'));

console.log('\n-- the codec: encoding');
const client = { source: { address: '203.0.113.9', port: 51234 }, destination: { address: '10.0.0.5', port: 443 } };
const v1 = encode({ ...client, version: 1 });
console.log(`v1: ${JSON.stringify(Buffer.from(v1).toString('latin1'))}`);
const v2 = encode(
  {
    ...client,
    tlvs: [
      { type: 0x01, value: Buffer.from('h2') },
      { type: 0x02, value: Buffer.from('example.com') },
    ],
  },
  { crc32c: true },
);
console.log(`v2 with ALPN, AUTHORITY and CRC32C (${v2.length} bytes): ${hex(v2)}`);
show('decoded back', v2);
