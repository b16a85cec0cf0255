import { LOAD_HEADERS } from '@splitflow/contract';
import { type OipGrpcServer, serveOipGrpc } from '@splitflow/oip-grpc';
import { boundPort, httpUrl } from '@splitflow/server-kit';
import type { FastifyInstance } from 'fastify';
import { buildWorkerParts, type WorkerSeams } from './build-worker.js';
import type { WorkerConfig } from './config.js';
import { UNLOADED_REASON } from './http/repository-routes.js';
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
  /** Also serve OIP v2 over gRPC on this port (0: a free one), on `host`. @default no gRPC */
  grpcPort?: number;
}

export interface RunningWorker {
  /** Base URL, e.g. `http://127.0.0.1:43117` (OIP paths start with `/v2`). */
  url: string;
  port: number;
  app: FastifyInstance;
  /** The gRPC server, when `grpcPort` was given: `grpc.address` is `host:port`. */
  grpc?: OipGrpcServer;
  /** Stops accepting, finishes queued and running requests, releases the sessions. */
  close(): Promise<void>;
}

/** Builds a worker and listens (on a free loopback port unless told otherwise); `seams` as for buildWorkerParts. */
export async function startWorker(options: StartWorkerOptions, seams: WorkerSeams = {}): Promise<RunningWorker> {
  const { port = 0, host = '127.0.0.1', register, grpcPort, ...config } = options;
  const { app } = await buildWorkerParts(config, seams);
  let grpc: OipGrpcServer | undefined;
  try {
    await app.listen({ port, host });
    // gRPC calls go through the same routes as REST (app.inject), so both protocols mean the same.
    if (grpcPort !== undefined)
      grpc = await serveOipGrpc((request) => app.inject(request), { host, port: grpcPort, maxMessageBytes: app.initialConfig.bodyLimit });
  } catch (error) {
    await app.close();
    throw error;
  }
  const bound = boundPort(app.server, port);
  const url = httpUrl(host, bound);
  let registration: Registration | undefined;
  if (register) {
    registration = createRegistration({
      ...register,
      url: register.advertiseUrl ?? url,
      async describe() {
        const index = await app.inject({ method: 'POST', url: '/v2/repository/index' });
        // Models not in memory count: their first request loads them.
        const models = (index.json() as { name: string; state: string; reason?: string }[])
          .filter((m) => m.state !== 'UNAVAILABLE' || m.reason === UNLOADED_REASON)
          .map((m) => m.name);
        return { models, hardware: String(index.headers[LOAD_HEADERS.hardware]) };
      },
      onError: (error) => app.log.warn({ err: error.message, broker: register.broker }, 'registration with the broker failed; retrying'),
    });
    try {
      await registration.start();
    } catch (error) {
      await Promise.all([grpc?.close(), app.close()]);
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    app,
    ...(grpc ? { grpc } : {}),
    close: () => {
      closing ??= (async () => {
        await registration?.stop();
        // Draining starts on both protocols at once; running gRPC calls finish through the routes.
        await Promise.all([grpc?.close(), app.close()]);
      })();
      return closing;
    },
  };
}
