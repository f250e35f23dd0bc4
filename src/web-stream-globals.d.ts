// The Web Streams types that src/web-stream.ts names in its public API. Every target runtime
// (Node, Deno, Bun, workerd, browsers) has these globals, and its own typings (lib.dom, @types/node,
// Deno's and Bun's, workers-types) declare them in full; these minimal interfaces only let the core
// compile without any of them, and merge with whichever is present. The constructors are reached
// through `globalThis` inside src/web-stream.ts, so no value is declared here.
// biome-ignore-all lint/suspicious/noExplicitAny: the type parameter defaults must match lib.dom and @types/node exactly to merge
// biome-ignore-all lint/correctness/noUnusedVariables: ambient declarations, used by name
interface ReadableStream<R = any> {
  readonly locked: boolean;
}
interface WritableStream<W = any> {
  readonly locked: boolean;
}
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: any;
}
