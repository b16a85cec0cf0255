import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GraphSpec } from './graph.js';
import { serializeModel } from './proto.js';

export interface WrittenFile {
  bytes: number;
  sha256: string;
}

/** Streams the model to `path` (or only through the hash when `path` is null). */
export function writeModel(graph: GraphSpec, path: string | null): WrittenFile {
  const hash = createHash('sha256');
  let bytes = 0;
  let fd: number | null = null;
  if (path !== null) {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'w');
  }
  try {
    for (const chunk of serializeModel(graph)) {
      hash.update(chunk);
      bytes += chunk.byteLength;
      if (fd !== null) writeSync(fd, chunk);
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** The whole model in memory (small models, tests). */
export function modelBytes(graph: GraphSpec): Uint8Array {
  return Buffer.concat([...serializeModel(graph)]);
}
