import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type ModelFile, SplitflowError } from '@splitflow/contract';

/**
 * Reads a model file and checks its size and SHA-256 against the manifest. The verified bytes are what
 * the session is created from, so the file cannot change between the check and the load.
 */
export async function readVerifiedFile(path: string, file: ModelFile, model: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SplitflowError('MODEL_INTEGRITY', {
      message: `model "${model}": cannot read ${file.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      details: { model, file: file.path },
      cause: error,
    });
  }
  if (bytes.length !== file.bytes) {
    throw new SplitflowError('MODEL_INTEGRITY', {
      message: `model "${model}": ${file.path} has ${bytes.length} bytes, the manifest says ${file.bytes}`,
      details: { model, file: file.path, expectedBytes: file.bytes, actualBytes: bytes.length },
    });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== file.sha256) {
    throw new SplitflowError('MODEL_INTEGRITY', {
      message: `model "${model}": ${file.path} has SHA-256 ${sha256}, the manifest says ${file.sha256}`,
      details: { model, file: file.path, expectedSha256: file.sha256, actualSha256: sha256 },
    });
  }
  return bytes;
}
