import { createServer, type Server } from 'node:http';
import { type E2EStack, startE2EStack } from './stack.js';

// One field-app stack (worker, broker, built app) for the whole browser run: the `e2e` project and each
// engine's project use the same one instead of starting their own. The runner's global setup serves a
// small control endpoint; the stack starts on the first suite that asks for it (a run of the SDK suites
// alone starts none), and a suite stops and starts its broker through the endpoint.

const ENV = 'SPLITFLOW_E2E_STACK';

interface StackUrls {
  appUrl: string;
  brokerUrl: string;
  workerUrl: string;
}

/** Global setup's part: the control endpoint, in the runner's process; resolves with its teardown. */
export async function serveSharedStack(): Promise<() => Promise<void>> {
  let stack: Promise<E2EStack> | undefined;
  const get = () => {
    stack ??= startE2EStack();
    return stack;
  };
  const server: Server = createServer((req, res) => {
    const answer = async () => {
      const s = await get();
      if (req.method === 'POST' && req.url === '/broker/stop') await s.stopBroker();
      else if (req.method === 'POST' && req.url === '/broker/start') await s.startBroker();
      else if (req.method !== 'GET' || req.url !== '/') return res.writeHead(404).end();
      const urls: StackUrls = { appUrl: s.appUrl, brokerUrl: s.brokerUrl, workerUrl: s.workerUrl };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(urls));
    };
    answer().catch((error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error.stack ?? error)));
  });
  // Starting the stack can take minutes on a busy machine; the control requests wait for it.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  process.env[ENV] = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    if (stack) await (await stack).close();
  };
}

async function call(control: string, method: 'GET' | 'POST', path: string): Promise<StackUrls> {
  const response = await fetch(`${control}${path}`, { method, signal: AbortSignal.timeout(600_000) });
  if (!response.ok) throw new Error(`the shared e2e stack answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as StackUrls;
}

/**
 * The run's shared stack where the runner serves one; else (a suite run on its own, outside the
 * runner's global setup) a stack of the suite's own, closed with it.
 */
export async function useE2EStack(): Promise<E2EStack> {
  const control = process.env[ENV];
  if (!control) return startE2EStack();
  const urls = await call(control, 'GET', '/');
  return {
    ...urls,
    stopBroker: async () => void (await call(control, 'POST', '/broker/stop')),
    startBroker: async () => void (await call(control, 'POST', '/broker/start')),
    // The runner's global teardown closes it.
    close: async () => {},
  };
}
