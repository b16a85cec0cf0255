import { createReadStream, existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';

// What the SDK's browser test page (and the SDK benchmark page) serve besides the page itself:
//   /ort/*             onnxruntime-web's .wasm/.mjs files (the SDK's `wasmPaths`)
//   /models/*          models/catalog.json and models/build/** (as the field app serves them)
//   /fixture/<dir>/*   test catalogs written under the OS temp dir by the Playwright specs
//   /cloud/<port>/*    a proxy to an OIP v2 server on 127.0.0.1:<port> (the worker has no CORS;
//                      a page calls its broker on its own origin, as the field app does)
// Every answer is cross-origin isolated (COOP/COEP), so onnxruntime-web gets wasm threads.
const repo = resolve(import.meta.dirname, '../../..');
const ortDir = join(repo, 'node_modules/onnxruntime-web/dist');
const modelsDir = join(repo, 'models');
export const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const MIME: Record<string, string> = { '.json': 'application/json', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

function sendFile(res: Parameters<Connect.NextHandleFunction>[1], file: string, base: string, cacheControl = 'no-store'): void {
  if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) {
    res.statusCode = 404;
    res.end('not found');
    return;
  }
  res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(statSync(file).size));
  res.setHeader('Cache-Control', cacheControl);
  for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
  createReadStream(file).pipe(res);
}

function proxy(req: Connect.IncomingMessage, res: Parameters<Connect.NextHandleFunction>[1], port: number, path: string): void {
  const upstream = request({ host: '127.0.0.1', port, path, method: req.method, headers: { ...req.headers, host: `127.0.0.1:${port}` } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...isolation });
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    // What a broker says when its pool is gone: 502 with the OIP error body and a stable code.
    if (res.headersSent) return void res.destroy();
    res.writeHead(502, { 'content-type': 'application/json', ...isolation });
    res.end(JSON.stringify({ error: `upstream 127.0.0.1:${port}: ${error.message}`, code: 'UPSTREAM_FAILED' }));
  });
  req.pipe(upstream);
}

export function testFiles(): Plugin {
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    // The runtime's files are versioned and immutable, as a CDN would serve them; model files are
    // not HTTP-cached, so only the SDK's Cache API store can make a second load free.
    if (path.startsWith('/ort/')) return sendFile(res, normalize(join(ortDir, path.slice(5))), ortDir, 'public, max-age=3600, immutable');
    if (path === '/models/catalog.json') return sendFile(res, join(modelsDir, 'catalog.json'), modelsDir);
    if (path.startsWith('/models/')) return sendFile(res, normalize(join(modelsDir, 'build', path.slice(8))), join(modelsDir, 'build'));
    const fixture = /^\/fixture\/(splitflow-[\w-]+)\/(.+)$/.exec(path);
    if (fixture) {
      const dir = join(tmpdir(), fixture[1] as string);
      return sendFile(res, normalize(join(dir, fixture[2] as string)), dir);
    }
    const cloud = /^\/cloud\/(\d+)(\/.*)$/.exec(path);
    if (cloud) return proxy(req, res, Number(cloud[1]), `${cloud[2]}${url.search}`);
    next();
  };
  return {
    name: 'splitflow-sdk-test-files',
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
  };
}
