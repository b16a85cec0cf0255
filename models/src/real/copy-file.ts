import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelFile } from '@splitflow/contract';
import type { BuildContext } from '../catalog/entry.js';

/** Writes `bytes` to `<outDir>/<path>` (when the build writes) and describes the file for the manifest. */
export function emitFile(ctx: BuildContext, path: string, bytes: Uint8Array, role: ModelFile['role']): ModelFile {
  if (ctx.write) {
    const target = join(ctx.outDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  return { path, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), role };
}

export const copyFile = (ctx: BuildContext, from: string, path: string, role: ModelFile['role']): ModelFile => emitFile(ctx, path, readFileSync(from), role);
