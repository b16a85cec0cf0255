// The files unwrapped from nsfwjs load in tfjs (the SDK's second runtime) and classify.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { floatFeed } from '../runtime/feeds.js';
import { BUILD_DIR, loadCatalog } from '../testing/paths.js';

const manifest = loadCatalog().models.find((m) => m.id === 'nsfw-mobilenet');

describe('nsfw-mobilenet', () => {
  it('loads as a tfjs layers model from model.json and its shard, and outputs five probabilities', async () => {
    await tf.setBackend('cpu');
    const modelJson = JSON.parse(readFileSync(join(BUILD_DIR, 'nsfw-mobilenet/model.json'), 'utf8'));
    const group = modelJson.weightsManifest[0];
    const shard = readFileSync(join(BUILD_DIR, 'nsfw-mobilenet', group.paths[0]));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: group.weights,
        weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength),
      }),
    );
    expect(model.countParams() * 4).toBe(manifest?.cost.parameterBytes);
    expect(model.inputs[0]?.shape).toEqual([null, 224, 224, 3]);
    const input = floatFeed('input_1', [1, 224, 224, 3], 'nsfw', 0, 1);
    const output = model.predict(tf.tensor4d(input.data as Float32Array, [1, 224, 224, 3])) as tf.Tensor;
    const probs = Array.from(await output.data());
    expect(output.shape).toEqual([1, manifest?.labels?.length]);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(probs.every((p) => p >= 0 && p <= 1)).toBe(true);
    model.dispose();
  });
});
