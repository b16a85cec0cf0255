import { readFile } from 'node:fs/promises';
import { type ModelFile, SplitflowError, verifyModelFile } from '@splitflow/contract';

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
  await verifyModelFile(model, file, bytes);
  return bytes;
}
