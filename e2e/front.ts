import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';

// A server in front of the field app, on its own origin, for what a test does to the network that every
// driver can take part in: drop COOP/COEP as a WebView serving the app's files would, corrupt a model on
// its way (a bad proxy or CDN), run a script before the page's own (an engine whose driver cannot), or go away altogether (the origin unreachable: the service worker and the
// SDK's cache must serve).

export interface FrontOptions {
  /** Serve on http://localhost instead of http://127.0.0.1 (another origin than the app's own). */
  localhost?: boolean;
  /** Answer without Cross-Origin-Opener-Policy / -Embedder-Policy. */
  dropIsolation?: boolean;
  /** Paths whose bodies arrive with one byte flipped (their length unchanged). */
  tamper?: (path: string) => boolean;
  /**
   * A script every HTML page runs first, as the first element of its head (served from this origin):
   * what a driver's preload script does, for drivers that have none (classic WebDriver).
   */
  headScript?: string;
}

export interface Front {
  url: string;
  /** Paths answered with a flipped byte so far. */
  tampered: string[];
  /** Stops answering: connections are refused and open ones are cut, as when the origin is unreachable. */
  close(): Promise<void>;
}

const HEAD_SCRIPT_PATH = '/__front-head-script.js';

function forwardHeaders(headers: IncomingHttpHeaders, dropIsolation: boolean): IncomingHttpHeaders {
  const out = { ...headers };
  if (dropIsolation) {
    delete out['cross-origin-opener-policy'];
    delete out['cross-origin-embedder-policy'];
  }
  return out;
}

export async function startFront(appUrl: string, options: FrontOptions = {}): Promise<Front> {
  const app = new URL(appUrl);
  const tampered: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (options.headScript !== undefined && path === HEAD_SCRIPT_PATH) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(options.headScript);
      return;
    }
    const corrupt = options.tamper?.(path) === true;
    // Uncompressed bodies, so a flipped byte lands in the file itself.
    const headers = { ...req.headers, host: app.host, 'accept-encoding': 'identity' };
    const upstream = request({ host: app.hostname, port: app.port, path: req.url, method: req.method, headers }, (answer) => {
      const out = forwardHeaders(answer.headers, options.dropIsolation === true);
      const isHtml = String(answer.headers['content-type'] ?? '').startsWith('text/html');
      if (options.headScript !== undefined && isHtml && answer.statusCode === 200) {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const html = Buffer.concat(chunks)
            .toString('utf8')
            .replace(/<head[^>]*>/i, (head) => `${head}<script src="${HEAD_SCRIPT_PATH}"></script>`);
          res.writeHead(200, { ...out, 'content-length': String(Buffer.byteLength(html)) });
          res.end(html);
        });
        return;
      }
      if (!corrupt || answer.statusCode !== 200) {
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        if (body.length > 0) body[body.length >> 1] = (body[body.length >> 1] as number) ^ 0xff;
        tampered.push(path);
        res.writeHead(200, { ...out, 'content-length': String(body.length) });
        res.end(body);
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${options.localhost ? 'localhost' : '127.0.0.1'}:${port}/`,
    tampered,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
