/**
 * @internal Whether bytes start a PROXY protocol signature: what every lenient reader (Node
 * sockets and Transforms, Web Streams) asks before it decides that a connection has no header.
 */
import { V1_SIGNATURE, V2_SIGNATURE } from './constants.js';

/**
 * True when `bytes` (which the decoder called incomplete) are shorter than the signature they
 * started: a stream that ends there never started a header.
 */
export function isSignaturePrefix(bytes: Uint8Array): boolean {
  const first = bytes[0];
  if (first === 0x50) return bytes.length < V1_SIGNATURE.length;
  if (first === 0x0d) return bytes.length < V2_SIGNATURE.length;
  return false;
}

/**
 * Whether `bytes` start with a whole v1 or v2 signature (`'header'`), with a proper prefix of one
 * (`'partial'`, more bytes needed), or with neither (`'none'`).
 */
export function signatureIn(bytes: Uint8Array): 'header' | 'partial' | 'none' {
  for (const signature of [V1_SIGNATURE, V2_SIGNATURE]) {
    const n = Math.min(bytes.length, signature.length);
    let i = 0;
    while (i < n && bytes[i] === signature[i]) i++;
    if (i === n) return n === signature.length ? 'header' : 'partial';
  }
  return 'none';
}
