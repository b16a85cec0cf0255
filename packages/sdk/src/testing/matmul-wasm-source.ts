// The source of the probe's WebAssembly matrix multiply (probe/matmul-wasm.ts ships its bytes):
// the module assembled from its opcodes, so it can be read and checked without a toolchain.
// matmul-wasm.test.ts asserts that the shipped bytes are these.
//
// Exports `m` (one 64 KiB page of memory) and `mm(n, a, b, c)`: C += A x B for n x n f32 matrices
// at byte offsets a, b, c of `m`.

const I32 = 0x7f;
const F32 = 0x7d;
const op = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  i32LtS: 0x48,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f32Add: 0x92,
  f32Mul: 0x94,
};
const VOID = 0x40;
// Locals: parameters n, a, b, c; then i, k, j (i32), aik (f32), addr (i32).
const [N, A, B, C, I, K, J, AIK, ADDR] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const f32Load = [op.f32Load, 2, 0];
const f32Store = [op.f32Store, 2, 0];
/** ((row * n + col) << 2) + base */
const at = (base: number, row: number, col: number) => [
  op.get,
  base,
  op.get,
  row,
  op.get,
  N,
  op.i32Mul,
  op.get,
  col,
  op.i32Add,
  op.i32Const,
  2,
  op.i32Shl,
  op.i32Add,
];
/** x = x + 1; branch back while x < n */
const next = (x: number) => [op.get, x, op.i32Const, 1, op.i32Add, op.tee, x, op.get, N, op.i32LtS, op.brIf, 0];

// biome-ignore format: an opcode listing reads best as written
const body = [
  3, 3, I32, 1, F32, 1, I32, // local declarations
  op.loop, VOID,
  op.i32Const, 0, op.set, K,
  op.loop, VOID,
  ...at(A, I, K), ...f32Load, op.set, AIK,
  op.i32Const, 0, op.set, J,
  op.loop, VOID,
  ...at(C, I, J), op.tee, ADDR,
  op.get, ADDR, ...f32Load,
  op.get, AIK, ...at(B, K, J), ...f32Load,
  op.f32Mul, op.f32Add, ...f32Store,
  ...next(J), op.end,
  ...next(K), op.end,
  ...next(I), op.end,
  op.end,
];

const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

// biome-ignore format: a module listing reads best as written
export const MATMUL_WASM_SOURCE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 4, I32, I32, I32, I32, 0]), // type: (i32 i32 i32 i32) -> ()
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(5, [1, 0, 1]), // one memory of one page
  ...section(7, [2, 1, 0x6d, 2, 0, 2, 0x6d, 0x6d, 0, 0]), // export "m" (memory 0), "mm" (function 0)
  ...section(10, [1, ...leb(body.length), ...body]),
]);
