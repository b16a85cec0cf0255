// The device probe's kernel: a WebAssembly matrix multiply (168 bytes; its opcode listing is
// testing/matmul-wasm-source.ts). Wasm is compiled before it first runs, so the probe times compiled
// code from its first sample; JavaScript spends its first tens of milliseconds in the interpreter,
// which made a 15 ms JavaScript probe read 0.005 to 1.1 GFLOPS across loads of one page.
// Exports `m` (one 64 KiB page) and `mm(n, a, b, c)`: C += A x B, n x n f32 matrices at byte offsets a, b, c.
export const MATMUL_WASM_BASE64 =
  'AGFzbQEAAAABCAFgBH9/f38AAwIBAAUDAQABBwoCAW0CAAJtbQAACn8BfQMDfwF9AX8DQEEAIQUDQCABIAQgAGwgBWpBAnRqKgIAIQdBACEGA0AgAyAEIABsIAZqQQJ0aiIIIAgqAgAgByACIAUgAGwgBmpBAnRqKgIAlJI4AgAgBkEBaiIGIABIDQALIAVBAWoiBSAASA0ACyAEQQFqIgQgAEgNAAsL';

/** The largest n whose three matrices fit in the module's one page. */
export const MATMUL_WASM_MAX_N = Math.floor(Math.sqrt(65536 / 12));
