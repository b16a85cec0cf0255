import { createServer } from 'node:net';

/**
 * A TCP port free on loopback now, for a process that must be told its port before it starts (a
 * Redis, a Vite preview, a broker whose URL goes into another config). Another process may take it
 * first; where the server itself can take port 0, prefer that.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
