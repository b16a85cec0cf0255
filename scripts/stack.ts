// The embedded default: CPU worker(s) serving the catalog, a broker with one CPU pool over them, and the
// field app served cross-origin isolated with /v2 proxied to the broker. `npm start` and the e2e suite
// both start it through here, so what the tests exercise is what people run.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Broker, buildBroker, createLocalSupervisor, type Launched, type LocalSupervisor } from '@splitflow/broker';
import { type BrokerConfig, type ModelCatalog, validateCatalog } from '@splitflow/contract';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { build, type PreviewServer, preview } from 'vite';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CATALOG_PATH = join(ROOT, 'models', 'catalog.json');
const VITE_CONFIG = join(ROOT, 'vite.config.ts');
const WORKER_CLI = join(ROOT, 'packages', 'worker', 'src', 'cli.ts');

export interface StackOptions {
  host?: string;
  /** Port of the field app. @default 5173; 0 picks a free one */
  appPort?: number;
  /** Port of the broker. @default 8080; 0 picks a free one */
  brokerPort?: number;
  /** CPU workers in the pool. @default 1 */
  workers?: number;
  /** Use this broker instead of starting one (and no workers). */
  remoteBroker?: string;
  /** Extra pools (e.g. a GPU worker elsewhere, Triton, KServe), added beside the local CPU pool. */
  extraPools?: BrokerConfig['pools'];
  /** Also start a local GPU worker on this execution provider, as pool `local-gpu`. */
  gpu?: 'webgpu' | 'cuda';
  /** Serve only these built models. @default every built model of the catalog */
  serve?: string[];
  /** Build the app first. @default true */
  buildApp?: boolean;
  /**
   * Size the CPU pool by the broker's own plan: a local supervisor starts and stops worker processes
   * (1 to `maxWorkers`) that register with the broker, as KEDA does with the same metric in Kubernetes.
   */
  autoscale?: { maxWorkers: number };
  /** Serve the field app at all (false: the broker and workers alone). @default true */
  app?: boolean;
  /** Where the broker keeps async jobs. @default memory (the embedded default keeps no state) */
  jobsPath?: string;
  log?: (line: string) => void;
}

export interface Stack {
  appUrl: string;
  brokerUrl: string;
  workers: RunningWorker[];
  broker: Broker | undefined;
  catalog: ModelCatalog;
  /** Stops the broker alone (the e2e suite's "broker down mid-session"). */
  stopBroker(): Promise<void>;
  close(): Promise<void>;
}

/** Fails with a clear message when a fixed port is taken, before anything starts. */
export async function assertPortFree(port: number, host: string, what: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((ok, fail) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} (${what}) is taken on ${host}; stop what uses it or pick another port`
            : `cannot use port ${port} (${what}): ${error.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => ok()));
  });
}

export function readCatalogFile(): ModelCatalog {
  if (!existsSync(CATALOG_PATH)) throw new Error('models/catalog.json is missing; run `npm run models`');
  return validateCatalog(JSON.parse(readFileSync(CATALOG_PATH, 'utf8')));
}

/** Models whose cut tails the stack serves (each tail is a session of its own, so not every model's). */
export const SPLIT_MODELS = ['vision-s'];

/** Models whose files are all built (on-demand ones such as `large` usually are not), with the tails of SPLIT_MODELS. */
export function builtModels(catalog: ModelCatalog): string[] {
  return catalog.models
    .filter((m) => m.format === 'onnx' && (!m.tailOf || SPLIT_MODELS.includes(m.tailOf.model)))
    .filter((m) => m.files.every((f) => existsSync(join(ROOT, 'models', 'build', f.path))))
    .map((m) => m.id);
}

/** A worker process of the catalog (from the sources, as `npm start` runs), resolved once it listens. */
function launchWorker(args: string[], token: string): Promise<Launched> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', WORKER_CLI, '--models', CATALOG_PATH, '--port', '0', '--log-level', 'warn', ...args],
    {
      env: { ...process.env, SPLITFLOW_REGISTER_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.startsWith('{"event":"listening"')) return;
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
        exited,
      });
    });
    child.once('exit', (code) => reject(new Error(`a worker exited with ${code} before listening`)));
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const appPort = options.appPort ?? 5173;
  const brokerPort = options.brokerPort ?? 8080;
  await assertPortFree(appPort, host, 'field app');
  if (!options.remoteBroker) await assertPortFree(brokerPort, host, 'broker');

  const catalog = readCatalogFile();
  const served = builtModels(catalog).filter((id) => options.serve === undefined || options.serve.includes(id));
  if (served.length === 0) throw new Error('no model of the catalog is built; run `npm run models`');

  const workers: RunningWorker[] = [];
  let supervisor: LocalSupervisor | undefined;
  let broker: Broker | undefined;
  let brokerUrl = options.remoteBroker ?? '';
  let app: PreviewServer | undefined;
  const close = async () => {
    await app?.close();
    await supervisor?.stop();
    await broker?.close();
    await Promise.all(workers.map((w) => w.close()));
  };
  try {
    if (!options.remoteBroker) {
      const token = randomBytes(24).toString('hex');
      if (!options.autoscale) {
        for (let i = 0; i < (options.workers ?? 1); i++) {
          workers.push(await startWorker({ catalog: CATALOG_PATH, models: served, host, port: 0, logLevel: false }));
        }
        log(`worker${workers.length > 1 ? 's' : ''} ${workers.map((w) => w.url).join(', ')} serving ${served.join(', ')}`);
      }
      let gpuPool: BrokerConfig['pools'] = [];
      if (options.gpu) {
        const gpu = await startWorker({ catalog: CATALOG_PATH, models: served, host, port: 0, provider: options.gpu, logLevel: false });
        workers.push(gpu);
        log(`gpu worker ${gpu.url} (${options.gpu})`);
        gpuPool = [
          {
            name: 'local-gpu',
            hardware: 'gpu',
            protocol: 'oip-v2',
            endpoints: [{ url: gpu.url, kind: 'worker' }],
            costPerHour: 3,
            maxConcurrency: 8,
            maxQueue: 256,
            models: served,
          },
        ];
      }
      const config: BrokerConfig = {
        listen: { host, port: brokerPort },
        pools: [
          {
            name: 'local-cpu',
            hardware: 'cpu',
            protocol: 'oip-v2',
            ...(options.autoscale ? { discovery: { register: true } } : { endpoints: workers.map((w) => ({ url: w.url, kind: 'worker' as const })) }),
            costPerHour: 0.1,
            maxConcurrency: 4,
            maxQueue: 256,
            models: served,
          },
          ...gpuPool,
          ...(options.extraPools ?? []),
        ],
        anonymous: { rateLimit: { requestsPerSecond: 500, burst: 1000 }, maxConcurrency: 64 },
        ...(options.autoscale ? { registration: { tokens: [token] }, autoscale: { minReplicas: 1 } } : {}),
        jobs: options.jobsPath ? { store: 'sqlite', path: options.jobsPath } : { store: 'memory' },
        log: { level: 'warn' },
      };
      broker = await buildBroker(config, { catalog, baseDir: ROOT });
      brokerUrl = await broker.listen({ host, port: brokerPort });
      log(`broker ${brokerUrl} (pool local-cpu)`);
      if (options.autoscale) {
        const pool = broker.scheduler.pools.find((p) => p.name === 'local-cpu');
        const plan = broker.capacity;
        supervisor = createLocalSupervisor({
          pool: 'local-cpu',
          desired: () => plan().find((p) => p.pool === 'local-cpu')?.desiredReplicas ?? 1,
          healthy: () => pool?.healthyCount ?? 0,
          launch: () => launchWorker(['--serve', served.join(','), '--host', host, '--register', brokerUrl, '--pool', 'local-cpu'], token),
          maxReplicas: options.autoscale.maxWorkers,
          onChange: (e) =>
            log(`autoscale: ${e.action === 'start' ? 'started' : 'stopped'} worker ${e.url}: ${e.replicas} running, the broker wants ${e.desired}`),
          onError: (error) => log(`autoscale: ${error.message}`),
        });
        await supervisor.tick();
        supervisor.start();
        log(`autoscale: 1 to ${options.autoscale.maxWorkers} CPU worker processes, following splitflow_broker_pool_desired_replicas{pool="local-cpu"}`);
      }
    }
    process.env.SPLITFLOW_BROKER_URL = brokerUrl;
    let appUrl = '';
    if (options.app ?? true) {
      if (options.buildApp ?? true) {
        log('building the field app...');
        await build({ configFile: VITE_CONFIG, logLevel: 'warn' });
      }
      app = await preview({ configFile: VITE_CONFIG, logLevel: 'warn', preview: { host, port: appPort, strictPort: true, proxy: { '/v2': brokerUrl } } });
      const address = app.httpServer.address();
      const port = typeof address === 'object' && address ? address.port : appPort;
      appUrl = `http://${host}:${port}/`;
    }
    return {
      appUrl,
      brokerUrl,
      workers,
      broker,
      catalog,
      stopBroker: async () => {
        await broker?.close();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
