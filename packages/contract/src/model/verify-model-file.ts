import { SplitflowError } from '../errors/splitflow-error.js';
import type { ModelFile } from '../schema/manifest.js';

// Web Crypto, read off globalThis: the contract compiles without DOM or Node types.
interface Digester {
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
}

/** Lower-case hex SHA-256 of `bytes`, with Web Crypto (browsers in secure contexts, Node 20 and later). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: Digester } }).crypto?.subtle;
  if (!subtle) {
    throw new SplitflowError('LOCAL_UNAVAILABLE', { message: 'crypto.subtle is unavailable (not a secure context), so model files cannot be verified' });
  }
  const digest = await subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws MODEL_INTEGRITY unless `bytes` has the size and SHA-256 the manifest gives for `file`. */
export async function verifyModelFile(model: string, file: ModelFile, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength !== file.bytes) {
    throw new SplitflowError('MODEL_INTEGRITY', {
      message: `model "${model}" file ${file.path}: expected ${file.bytes} bytes, got ${bytes.byteLength}`,
      details: { model, file: file.path, expectedBytes: file.bytes, actualBytes: bytes.byteLength },
    });
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new SplitflowError('MODEL_INTEGRITY', {
      message: `model "${model}" file ${file.path}: SHA-256 ${actual} does not match the manifest's ${file.sha256}`,
      details: { model, file: file.path, expectedSha256: file.sha256, actualSha256: actual },
    });
  }
}
