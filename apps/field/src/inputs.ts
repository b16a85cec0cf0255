import { type DataByType, type Datatype, type ModelManifest, mulberry32, type NamedTensor, type TensorSpec } from '@splitflow/contract';

/** Kinds of input the Run page offers; which apply depends on the model's input specs. */
export type InputKind = 'random' | 'image' | 'text';

/** Sizes for symbolic dims when the person does not choose: one item, a short text, a small photo. */
export const DEFAULT_DIMS: Readonly<Record<string, number>> = Object.freeze({ batch: 1, seq: 16, height: 224, width: 224 });

/** Seeded PRNG from the contract, so a run's input can be reproduced from its seed. */
export { mulberry32 };

export function concreteShape(spec: TensorSpec, dims: Record<string, number>, bounds: ModelManifest['dimBounds']): number[] {
  return spec.shape.map((d) => {
    if (typeof d === 'number') return d;
    const wanted = dims[d] ?? DEFAULT_DIMS[d] ?? 1;
    const b = bounds?.[d];
    return b ? Math.min(b.max, Math.max(b.min, wanted)) : wanted;
  });
}

const isImageSpec = (s: TensorSpec) => s.datatype === 'FP32' && s.shape.length === 4 && (s.shape[1] === 3 || s.shape[3] === 3);
const isTokenSpec = (s: TensorSpec) => (s.datatype === 'INT64' || s.datatype === 'INT32') && s.shape.length === 2;

/** The input kinds that make sense for a model. */
export function inputKinds(manifest: ModelManifest): InputKind[] {
  const kinds: InputKind[] = ['random'];
  if (manifest.inputs.some(isImageSpec)) kinds.push('image');
  if (manifest.inputs.some(isTokenSpec)) kinds.push('text');
  return kinds;
}

function fill(datatype: Datatype, count: number, next: () => number, name: string): DataByType[Datatype] {
  switch (datatype) {
    case 'FP32':
      return Float32Array.from({ length: count }, () => next() * 2 - 1);
    case 'FP64':
      return Float64Array.from({ length: count }, () => next() * 2 - 1);
    case 'INT64':
      // Silero VAD's `sr` is the sample rate; elsewhere small non-negative ids are valid for any vocabulary.
      return BigInt64Array.from({ length: count }, () => (name === 'sr' ? 16000n : BigInt(Math.floor(next() * 100))));
    case 'INT32':
      return Int32Array.from({ length: count }, () => Math.floor(next() * 100));
    case 'UINT8':
    case 'BOOL':
      return Uint8Array.from({ length: count }, () => Math.floor(next() * (datatype === 'BOOL' ? 2 : 256)));
    default:
      throw new Error(`no random input for datatype ${datatype}`);
  }
}

/** Seeded random tensors for every input of a model. State inputs (named `state` or `h`/`c`) start at zero. */
export function randomInputs(manifest: ModelManifest, seed = 1, dims: Record<string, number> = {}): NamedTensor[] {
  const next = mulberry32(seed);
  return manifest.inputs.map((spec) => {
    const shape = concreteShape(spec, dims, manifest.dimBounds);
    const count = shape.reduce((n, d) => n * d, 1);
    const zero = /^(state|h|c|h0|c0)$/i.test(spec.name) && spec.datatype === 'FP32';
    const data = zero ? new Float32Array(count) : fill(spec.datatype, count, next, spec.name);
    return { name: spec.name, datatype: spec.datatype, shape, data } as NamedTensor;
  });
}

/**
 * Token ids for text: bytes of the UTF-8 text, offset past the special ids, padded or cut to the length
 * the model takes. A real tokenizer belongs to a real language model; this keeps inputs reproducible.
 */
export function textInputs(manifest: ModelManifest, text: string, dims: Record<string, number> = {}): NamedTensor[] {
  const bytes = new TextEncoder().encode(text);
  return manifest.inputs.map((spec) => {
    if (!isTokenSpec(spec)) return randomInputs({ ...manifest, inputs: [spec] }, 1, dims)[0] as NamedTensor;
    const seq = Math.max(1, Math.min(bytes.length, manifest.dimBounds?.seq?.max ?? 512));
    const shape = concreteShape(spec, { seq, ...dims }, manifest.dimBounds);
    const count = shape.reduce((n, d) => n * d, 1);
    const ids = Array.from({ length: count }, (_, i) => (bytes[i % shape[1]!] ?? 0) + 3);
    const data = spec.datatype === 'INT64' ? BigInt64Array.from(ids, (v) => BigInt(v)) : Int32Array.from(ids);
    return { name: spec.name, datatype: spec.datatype, shape, data } as NamedTensor;
  });
}

/** RGBA pixels (canvas ImageData) to a normalised FP32 tensor in NCHW or NHWC, ImageNet mean/std. */
export function imageTensor(spec: TensorSpec, rgba: Uint8ClampedArray, width: number, height: number): NamedTensor {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const nchw = spec.shape[1] === 3;
  const data = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const v = ((rgba[p + c] as number) / 255 - (mean[c] as number)) / (std[c] as number);
        data[nchw ? c * width * height + y * width + x : (y * width + x) * 3 + c] = v;
      }
    }
  }
  return { name: spec.name, datatype: 'FP32', shape: nchw ? [1, 3, height, width] : [1, height, width, 3], data };
}

/** Draws the sample picture (a line of dark text on a light card) at the size the model takes. */
export function drawSample(width: number, height: number, text = 'SPLITFLOW 2026'): Uint8ClampedArray {
  const canvas =
    typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
  const gradient = ctx.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, '#f8fafc');
  gradient.addColorStop(1, '#cbd5e1');
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#0f172a';
  ctx.font = `bold ${Math.round(height / 6)}px sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, width * 0.06, height / 2, width * 0.9);
  return ctx.getImageData(0, 0, width, height).data;
}

/** Inputs for the chosen kind; image inputs take the sample picture at the model's size. */
export function makeInputs(manifest: ModelManifest, kind: InputKind, options: { seed?: number; text?: string } = {}): NamedTensor[] {
  if (kind === 'text') return textInputs(manifest, options.text ?? 'split inference at the edge');
  if (kind === 'image') {
    return manifest.inputs.map((spec, i) => {
      if (!isImageSpec(spec)) return randomInputs({ ...manifest, inputs: [spec] }, (options.seed ?? 1) + i)[0] as NamedTensor;
      const shape = concreteShape(spec, {}, manifest.dimBounds);
      const [h, w] = spec.shape[1] === 3 ? [shape[2]!, shape[3]!] : [shape[1]!, shape[2]!];
      return imageTensor(spec, drawSample(w, h), w, h);
    });
  }
  return randomInputs(manifest, options.seed ?? 1);
}

/** First values of the first output, rounded: a short digest to compare runs by eye and in exports. */
export function digest(outputs: readonly NamedTensor[], count = 4): string {
  const first = outputs[0];
  if (!first || first.datatype === 'BYTES') return '';
  const values = Array.from(first.data as ArrayLike<number | bigint>).slice(0, count);
  return values.map((v) => (typeof v === 'bigint' ? v.toString() : Number(v).toPrecision(5))).join(',');
}
