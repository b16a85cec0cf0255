import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { boundPort, httpUrl } from './listen-address.js';

it('httpUrl brackets an IPv6 host', () => {
  expect(httpUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080');
  expect(httpUrl('::1', 8080)).toBe('http://[::1]:8080');
  expect(httpUrl('localhost', 80)).toBe('http://localhost:80');
});

it('boundPort reads the port the OS picked for port 0, and the fallback before listening', async () => {
  const server = createServer();
  expect(boundPort(server, 1234)).toBe(1234);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = boundPort(server, 0);
  expect(port).toBeGreaterThan(0);
  expect(port).toBe((server.address() as { port: number }).port);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
