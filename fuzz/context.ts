/** What every target is built from: the library under test and the seed corpus. */
import type * as core from '../src/index.js';
import type * as node from '../src/node/index.js';

/**
 * The core entry, passed in rather than imported: the runner hands over the built package
 * (`dist/`), the test suite the sources, and the same checks cover both.
 */
export type Core = typeof core;
/** The `proxyproto/node` entry, passed in like {@link Core}. */
export type NodeEntry = typeof node;

/** One input of the seed corpus. */
export interface Seed {
  name: string;
  bytes: Uint8Array;
}

export interface Context {
  lib: Core;
  corpus: readonly Seed[];
}

export interface NodeContext extends Context {
  node: NodeEntry;
}
