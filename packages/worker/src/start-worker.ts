import { LOAD_HEADERS } from '@splitflow/contract';
import type { FastifyInstance } from 'fastify';
import { buildWorker } from './build-worker.js';
import type { WorkerConfig } from './config.js';
import { createRegistration, type Registration } from './registration/register-with-broker.js';

export interface StartWorkerOptions extends WorkerConfig {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Join a broker's pool by registering and heartbeating, instead of being listed in its config. */
  register?: {
    broker: string;
    pool: string;
    token: string;
    /** The URL the broker reaches this worker at. @default the URL it listens on */
    advertiseUrl?: string;
  };
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
  const { port = 0, host = '127.0.0.1', register, ...config } = options;
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
  const url = `http://${shownHost}:${bound}`;
  let registration: Registration | undefined;
  if (register) {
    registration = createRegistration({
      ...register,
      url: register.advertiseUrl ?? url,
      async describe() {
        const index = await app.inject({ method: 'POST', url: '/v2/repository/index' });
        const models = (index.json() as { name: string; state: string }[]).filter((m) => m.state === 'READY').map((m) => m.name);
        return { models, hardware: String(index.headers[LOAD_HEADERS.hardware]) };
      },
      onError: (error) => app.log.warn({ err: error.message, broker: register.broker }, 'registration with the broker failed; retrying'),
    });
    try {
      await registration.start();
    } catch (error) {
      await app.close();
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    app,
    close: () => {
      closing ??= (async () => {
        await registration?.stop();
        await app.close();
      })();
      return closing;
    },
  };
}
