import type { FastifyInstance } from 'fastify';
import { buildWorker } from './build-worker.js';
import type { WorkerConfig } from './config.js';

export interface StartWorkerOptions extends WorkerConfig {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

export interface RunningWorker {
  /** Base URL, e.g. `http://127.0.0.1:43117` (OIP paths start with `/v2`). */
  url: string;
  port: number;
  app: FastifyInstance;
  /** Stops accepting, finishes queued and running requests, releases the sessions. */
  close(): Promise<void>;
}

/** Builds a worker and listens (on a free loopback port unless told otherwise). */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { port = 0, host = '127.0.0.1', ...config } = options;
  const app = await buildWorker(config);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${bound}`,
    port: bound,
    app,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
