import type { DeviceProfile, ModelFile, ModelManifest, Precision } from '@splitflow/contract/core';

export interface ChosenVariant {
  /** `default` for the manifest's own files. */
  name: string;
  precision: Precision | 'default';
  files: ModelFile[];
  bytes: number;
}

/** Device features a variant's `requires` may name. */
export function deviceFeatures(device: DeviceProfile): Set<string> {
  const features = new Set<string>();
  if (device.webgpu.available) features.add('webgpu');
  if (device.webgpu.shaderF16) features.add('shader-f16');
  if (device.wasm.available) features.add('wasm');
  if (device.wasm.simd === true) features.add('wasm-simd');
  if (device.wasm.threads === true) features.add('wasm-threads');
  return features;
}

const sum = (files: readonly ModelFile[]) => files.reduce((n, f) => n + f.bytes, 0);

/**
 * The variant this device can run: the first of the manifest's variants (publishers list them best
 * first) whose `requires` the device meets, else the manifest's own files. An fp16 variant on a
 * device without `shader-f16` is skipped even if it forgot to say so: it would run in emulation.
 */
export function pickVariant(manifest: Pick<ModelManifest, 'files' | 'variants'>, device: DeviceProfile): ChosenVariant {
  const features = deviceFeatures(device);
  for (const v of manifest.variants ?? []) {
    const requires = v.requires ?? [];
    if (v.precision === 'fp16' && !features.has('shader-f16')) continue;
    if (requires.every((r) => features.has(r))) return { name: v.name, precision: v.precision, files: v.files, bytes: sum(v.files) };
  }
  return { name: 'default', precision: 'default', files: manifest.files, bytes: sum(manifest.files) };
}
