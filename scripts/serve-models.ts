import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';

// The dev and preview servers' `/models/` route: models/catalog.json and the built files under
// models/build/, nothing else. Imported by vite.config.ts.

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain',
};

function refuse(res: ServerResponse, status: number, code: string, error: string): void {
  const body = JSON.stringify({ error, code });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.end(body);
}

/**
 * A connect handler for `/models/`: `catalog.json` from `modelsDir`, any other path only when it
 * names a file inside `modelsDir/build` (after decoding, so `..%2f` cannot climb out). A malformed
 * escape is a 400, a missing file a 404; neither carries a stack or a path of this machine.
 */
export function createModelsHandler(modelsDir: string, headers: Record<string, string> = {}) {
  const buildDir = resolve(modelsDir, 'build');
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const pathname = (req.url ?? '/').split('?')[0] as string;
    if (!pathname.startsWith('/models/')) {
      next();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname.slice('/models/'.length));
    } catch {
      refuse(res, 400, 'INVALID_REQUEST', 'the path has a malformed percent-encoding');
      return;
    }
    let file: string | undefined;
    if (rel === 'catalog.json') file = join(modelsDir, 'catalog.json');
    else if (!rel.includes('\0')) {
      const candidate = resolve(buildDir, rel);
      const inside = relative(buildDir, candidate);
      if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)) file = candidate;
    }
    let size = -1;
    try {
      if (file !== undefined) {
        const stat = statSync(file);
        if (stat.isFile()) size = stat.size;
      }
    } catch {}
    if (file === undefined || size < 0) {
      refuse(res, 404, 'NOT_FOUND', `no model file ${JSON.stringify(rel.slice(0, 200))}`);
      return;
    }
    res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-cache');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    createReadStream(file).pipe(res);
  };
}
