import cluster, { type Worker } from 'node:cluster';
import { SplitflowError } from '@splitflow/contract';
import { httpUrl, onShutdownSignal } from '@splitflow/server-kit';
import { buildWorkerParts } from '../build-worker.js';
import { type RunningWorker, type StartWorkerOptions, startWorker } from '../start-worker.js';
import type { FrontEndMessage, ModelView, OwnerMessage } from './owner-protocol.js';
import { createOwnerLink } from './remote-registry.js';
import { createFrontEndHub, type FrontEndChannel } from './serve-front-ends.js';

type Say = (event: Record<string, unknown>) => void;

/**
 * `--http-processes N`: this process opens the sessions and batch queues and forks N HTTP front ends
 * sharing the port (node:cluster hands connections out in turn). Each front end parses, checks and
 * decodes its requests and answers them; their rows are batched together here. One `listening` line
 * once every front end listens; SIGTERM drains the front ends (their requests in flight are answered)
 * and the queues (run at once, without the batching delay), then `closed` and exit 0. A front end
 * dying unasked stops the rest and exits 1.
 */
export async function runOwner(options: StartWorkerOptions, count: number, say: Say): Promise<void> {
  const { port: _port, host = '127.0.0.1', register: _register, grpcPort: _grpc, ...config } = options;
  const parts = await buildWorkerParts(config, { role: 'owner' });
  const hub = createFrontEndHub(parts);
  const listening = new Set<number>();
  let stopping: string | undefined;
  let failed = false;
  let drained: Promise<void> | undefined;
  const stopAll = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  const channels = new Map<Worker, FrontEndChannel>();

  cluster.setupPrimary({ serialization: 'advanced' });
  cluster.on('fork', (worker) => {
    const channel: FrontEndChannel = {
      send: (message) => {
        if (worker.isConnected()) worker.send(message);
      },
      onMessage: (handler) => worker.on('message', (message: FrontEndMessage) => handler(message)),
    };
    channels.set(worker, channel);
    hub.attach(channel);
  });
  cluster.on('listening', (worker, address) => {
    listening.add(worker.process.pid as number);
    if (listening.size === count) say({ event: 'listening', url: httpUrl(host, address.port), pid: process.pid, pids: [...listening] });
  });
  cluster.on('exit', (worker, code, signal) => {
    const channel = channels.get(worker);
    if (channel) hub.detach(channel);
    channels.delete(worker);
    if (stopping === undefined && !failed) {
      failed = true;
      process.stderr.write(`splitflow-worker: front end ${worker.process.pid} exited (${code ?? signal}); stopping the others\n`);
      stopAll();
      drained ??= parts.app.close();
    }
    if (code !== 0) failed = true;
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    // Every front end has answered what it held; the queues finish what remains.
    (drained ?? parts.app.close()).then(
      () => {
        if (!failed && stopping) say({ event: 'closed', signal: stopping });
        process.exit(failed ? 1 : 0);
      },
      (error: unknown) => {
        process.stderr.write(`splitflow-worker: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  });
  onShutdownSignal((signal) => {
    stopping = signal;
    parts.app.log.info({ signal }, 'draining');
    stopAll();
    // The queues run what they hold at once and refuse what comes after, as in one process.
    drained ??= parts.app.close();
  });
  for (let i = 0; i < count; i++) cluster.fork();
}

/** One HTTP front end (a cluster worker of `runOwner`): fastify and the routes, the owner's queues. */
export async function runFrontEnd(options: StartWorkerOptions): Promise<RunningWorker> {
  const channel = {
    send: (message: FrontEndMessage) => {
      if (process.connected) process.send?.(message);
    },
    onMessage: (handler: (message: OwnerMessage) => void) => process.on('message', (message: OwnerMessage) => handler(message)),
  };
  // Without its owner a front end can answer nothing.
  process.on('disconnect', () => process.exit(1));
  const views = await new Promise<ModelView[]>((resolve) => {
    const onModels = (message: OwnerMessage) => {
      if (message.t !== 'models') return;
      process.off('message', onModels);
      resolve(message.models);
    };
    process.on('message', onModels);
    channel.send({ t: 'hello' });
  });
  if (views.length === 0) throw new SplitflowError('MODEL_NOT_READY', { message: 'the owning process serves no model' });
  const link = createOwnerLink(channel, views);
  return startWorker(options, {
    registry: link.registry,
    role: 'front-end',
    inFlightElsewhere: link.othersInFlight,
    metricsFrom: (own) => {
      link.useMetrics(own);
      return () => link.renderMetrics();
    },
  });
}
