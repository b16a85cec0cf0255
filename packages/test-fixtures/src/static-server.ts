import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface StaticServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Replace the bytes served for a path (e.g. to tamper with a model file). */
  override(path: string, bytes: Uint8Array | undefined): void;
  close(): Promise<void>;
}

/** A real HTTP server on loopback serving files from `root` (or overrides), for Node tests. */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const requests: string[] = [];
  const overrides = new Map<string, Uint8Array>();
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const own = overrides.get(path);
    if (own) return void res.writeHead(200, { 'content-length': own.byteLength }).end(own);
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root))) return void res.writeHead(403).end();
    try {
      const bytes = await readFile(file);
      res.writeHead(200, { 'content-length': bytes.byteLength }).end(bytes);
    } catch {
      res.writeHead(404).end();
    }
  });
  // Longer than any model run between two downloads, so a client never reuses a socket the server just closed.
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    override: (path, bytes) => (bytes ? overrides.set(path, bytes) : overrides.delete(path)),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
