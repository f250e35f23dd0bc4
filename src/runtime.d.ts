// The few web-platform globals the core uses. Every target runtime (Node, Deno, Bun, browsers,
// edge workers) provides them; declaring them here keeps Node's types out of the core.
interface TextDecoderOptionsLite {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
declare class TextDecoder {
  constructor(label?: string, options?: TextDecoderOptionsLite);
  decode(input?: Uint8Array): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
