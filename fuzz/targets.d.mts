import type { Arbitrary } from 'fast-check';

export interface FuzzTarget {
  name: string;
  arbitrary: Arbitrary<any>;
  check(value: any): void;
  describe(value: any): string;
}

export declare function createTargets(context: { lib: unknown; corpus: { name: string; bytes: Uint8Array }[] }): FuzzTarget[];
export declare function checkNoEagerAllocation(lib: unknown, famByte: number, declared: number, fed: number, measureMemory?: boolean): void;
export declare function checkDecode(lib: unknown, input: Uint8Array, options?: unknown, extra?: Uint8Array): unknown;
export declare function checkChunking(lib: unknown, input: Uint8Array, cuts: number[], options?: unknown, parser?: unknown): unknown;
export declare function checkEncode(lib: unknown, init: unknown, options?: unknown): unknown;
export declare function checkTlvHelpers(lib: unknown, bytes: Uint8Array, start: number, end: number): void;
export declare function hex(bytes: Uint8Array): string;
export declare function fromHex(text: string): Uint8Array;

export interface AsyncFuzzTarget {
  name: string;
  async: true;
  arbitrary: Arbitrary<any>;
  check(value: any): Promise<void>;
  describe(value: any): string;
}

export declare function createNodeTargets(context: {
  lib: unknown;
  node: unknown;
  corpus: { name: string; bytes: Uint8Array }[];
}): AsyncFuzzTarget[];

/** Valid header inits (v1 and v2, every family, TLVs for v2). */
export declare const validInitArb: Arbitrary<any>;
