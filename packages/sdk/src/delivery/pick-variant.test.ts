import type { DeviceProfile, ModelFile, ModelManifest } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { DEVICES } from '../testing/profiles.js';
import { deviceFeatures, pickVariant } from './pick-variant.js';

const file = (path: string, bytes: number): ModelFile => ({ path, bytes, sha256: '0'.repeat(64), role: 'model' });
const manifest: Pick<ModelManifest, 'files' | 'variants'> = {
  files: [file('m/fp32.onnx', 400)],
  variants: [
    { name: 'fp16-gpu', precision: 'fp16', files: [file('m/fp16.onnx', 200)], requires: ['webgpu', 'shader-f16'] },
    { name: 'int8-simd', precision: 'int8', files: [file('m/int8.onnx', 100)], requires: ['wasm-simd'] },
  ],
};
const desktop = DEVICES.desktop as DeviceProfile;
const lowEnd = DEVICES['low-end'] as DeviceProfile;
const phone = DEVICES.phone as DeviceProfile;

describe('variant choice', () => {
  it('takes the first variant whose requirements the device meets', () => {
    expect(pickVariant(manifest, desktop)).toMatchObject({ name: 'fp16-gpu', bytes: 200 });
    expect(pickVariant(manifest, phone)).toMatchObject({ name: 'int8-simd', bytes: 100 });
  });

  it('falls back to the manifest files when no variant fits', () => {
    expect(pickVariant(manifest, lowEnd)).toMatchObject({ name: 'default', precision: 'default', bytes: 400 });
    expect(pickVariant({ files: manifest.files }, desktop).name).toBe('default');
  });

  it('skips an fp16 variant without shader-f16 even if it forgot to require it', () => {
    const sloppy = { files: manifest.files, variants: [{ name: 'fp16', precision: 'fp16' as const, files: [file('m/h.onnx', 1)] }] };
    const noF16 = { ...desktop, webgpu: { ...desktop.webgpu, shaderF16: false } };
    expect(pickVariant(sloppy, noF16).name).toBe('default');
    expect([...deviceFeatures(noF16)].sort()).toEqual(['wasm', 'wasm-simd', 'wasm-threads', 'webgpu']);
  });
});
