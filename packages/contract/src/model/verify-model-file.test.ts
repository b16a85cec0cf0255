import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSplitflowError, type SplitflowError } from '../errors/splitflow-error.js';
import type { ModelFile } from '../schema/manifest.js';
import { sha256Hex, verifyModelFile } from './verify-model-file.js';

const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251);
const file: ModelFile = { path: 'm/model.onnx', bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), role: 'model' };

const failure = async (promise: Promise<unknown>): Promise<SplitflowError> => {
  try {
    await promise;
  } catch (error) {
    if (isSplitflowError(error)) return error;
    throw error;
  }
  throw new Error('expected a SplitflowError');
};

describe('model file integrity (the SDK and the worker check files with this)', () => {
  it('hashes as node:crypto does', async () => {
    expect(await sha256Hex(bytes)).toBe(file.sha256);
    expect(await sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('passes the bytes the manifest describes', async () => {
    await expect(verifyModelFile('m', file, bytes)).resolves.toBeUndefined();
  });

  it('refuses a file of another size before hashing it, with both sizes', async () => {
    const error = await failure(verifyModelFile('m', file, bytes.subarray(1)));
    expect(error.code).toBe('MODEL_INTEGRITY');
    expect(error.details).toEqual({ model: 'm', file: 'm/model.onnx', expectedBytes: 70_000, actualBytes: 69_999 });
  });

  it('refuses a file of the right size whose SHA-256 differs, with both digests', async () => {
    const tampered = bytes.slice();
    tampered[123] = (tampered[123] as number) ^ 1;
    const error = await failure(verifyModelFile('m', file, tampered));
    expect(error.code).toBe('MODEL_INTEGRITY');
    expect(error.details).toMatchObject({ model: 'm', expectedSha256: file.sha256, actualSha256: createHash('sha256').update(tampered).digest('hex') });
    expect(error.message).toMatch(/model "m" file m\/model.onnx: SHA-256 [0-9a-f]{64} does not match/);
  });
});
