// The contract runs unchanged in browsers, Workers and Node, so it compiles without DOM or Node types.
// These are the only host globals it uses; every target it supports provides them.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
