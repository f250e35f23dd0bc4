/** Every corpus input through the decoding checks, before any random search: the known cases first. */
import type { Core, Seed } from './context.js';
import { InvariantError } from './invariant.js';
import { checkDecodeDatagram } from './targets/datagram.js';
import { checkDecode } from './targets/decode.js';
import { checkChunking } from './targets/parser.js';

/** Byte-by-byte cuts for inputs up to this length (beyond it, the replay would dominate the run). */
const BYTEWISE_LIMIT = 600;

/**
 * Decodes each seed one-shot, in two chunks and (when short) byte by byte, and as a datagram;
 * throws an InvariantError naming the seed that breaks an invariant. Returns how many were replayed.
 */
export function replayCorpus(lib: Core, seeds: readonly Seed[]): number {
  for (const { name, bytes } of seeds) {
    try {
      checkDecode(lib, bytes);
      checkChunking(lib, bytes, [0.5]);
      if (bytes.length <= BYTEWISE_LIMIT) {
        checkChunking(
          lib,
          bytes,
          Array.from({ length: bytes.length }, (_, k) => (k + 0.5) / (bytes.length + 1)),
        );
      }
      checkDecodeDatagram(lib, { input: bytes, options: undefined });
    } catch (error) {
      throw new InvariantError(`corpus input ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return seeds.length;
}
