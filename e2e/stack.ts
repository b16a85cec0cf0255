// Starts what `npm start` starts, as separate processes where a test must stop one: a CPU worker and a
// broker (their CLIs, from source, on free loopback ports) and the built field app (Vite preview,
// cross-origin isolated, /v2 proxied to the broker).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@splitflow/test-fixtures/free-port';
import { BROKER_CLI, type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { build, type PreviewServer, preview } from 'vite';

export const ROOT = resolve(import.meta.dirname, '..');
const HOST = '127.0.0.1';

export interface E2EStack {
  appUrl: string;
  brokerUrl: string;
  workerUrl: string;
  stopBroker(): Promise<void>;
  startBroker(): Promise<void>;
  close(): Promise<void>;
}

/** The on-demand `large` model is part of the suite (auto must send it to the cloud); build it once. */
export function ensureLargeModel(): Promise<void> {
  if (existsSync(join(ROOT, 'models', 'build', 'large', 'model.onnx'))) return Promise.resolve();
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'models/build.ts', '--only', 'large'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`building the large model failed (${code})`))));
  });
}

const E2E_MODELS = ['tiny', 'vision-s', 'text-m', 'large', 'ocr-det', 'ocr-rec', 'ocr-cls', 'vad'];

/** Catalog ids of vision-s's uint8 tails. */
function visionTails(): string[] {
  const catalog = JSON.parse(readFileSync(join(ROOT, 'models', 'catalog.json'), 'utf8')) as {
    models: { id: string; tailOf?: { model: string; encoding: string } }[];
  };
  return catalog.models.filter((m) => m.tailOf?.model === 'vision-s' && m.tailOf.encoding === 'uint8').map((m) => m.id);
}

/**
 * Builds the field app, once per test run: every project's stack serves the same build (the build does
 * not depend on the stack's ports). The runner's global setup names the run; outside it, always build.
 */
async function buildAppOncePerRun(configFile: string): Promise<void> {
  const run = process.env.SPLITFLOW_TEST_RUN;
  const marker = join(ROOT, 'apps', 'field', 'dist', '.test-run');
  if (run && existsSync(marker) && readFileSync(marker, 'utf8') === run) return;
  await build({ configFile, logLevel: 'error' });
  if (run) writeFileSync(marker, run);
}

export async function startE2EStack(): Promise<E2EStack> {
  await ensureLargeModel();
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-e2e-'));
  // The uint8 tails of vision-s's cuts too, for the split route (the encoding the SDK sends for every
  // vision-s cut); each tail is a session, so not every encoding's.
  const served = [...E2E_MODELS, ...visionTails()];
  const worker = await startCli(WORKER_CLI, [
    '--models',
    join(ROOT, 'models', 'catalog.json'),
    '--serve',
    served.join(','),
    '--port',
    '0',
    '--log-level',
    'warn',
  ]);
  const brokerPort = await freePort();
  const config = join(dir, 'broker.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      listen: { host: HOST, port: brokerPort },
      catalog: join(ROOT, 'models', 'catalog.json'),
      pools: [
        {
          name: 'local-cpu',
          hardware: 'cpu',
          protocol: 'oip-v2',
          endpoints: [{ url: worker.url, kind: 'worker' }],
          costPerHour: 0.1,
          maxConcurrency: 4,
          models: served,
        },
      ],
      anonymous: { rateLimit: { requestsPerSecond: 500, burst: 1000 }, maxConcurrency: 64 },
      jobs: { store: 'memory' },
      log: { level: 'warn' },
    }),
  );
  let broker: Child | undefined;
  const startBroker = async () => {
    broker = await startCli(BROKER_CLI, ['--config', config]);
  };
  await startBroker();
  const brokerUrl = `http://${HOST}:${brokerPort}`;
  process.env.SPLITFLOW_BROKER_URL = brokerUrl;
  const configFile = join(ROOT, 'vite.config.ts');
  await buildAppOncePerRun(configFile);
  const appPort = await freePort();
  const app: PreviewServer = await preview({
    configFile,
    logLevel: 'error',
    preview: { host: HOST, port: appPort, strictPort: true, proxy: { '/v2': brokerUrl } },
  });
  return {
    appUrl: `http://${HOST}:${appPort}/`,
    brokerUrl,
    workerUrl: worker.url,
    stopBroker: async () => {
      await broker?.stop();
    },
    startBroker,
    close: async () => {
      await app.close();
      await broker?.stop();
      await worker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
