// `npm start`: the embedded default on localhost. Flags: --port N (app), --broker-port N, --workers N,
// --autoscale MAX (1 to MAX CPU worker processes, started and stopped by the broker's capacity plan),
// --gpu webgpu|cuda (add a local GPU worker as a pool), --pools FILE (more pools: a YAML or JSON list of
// the broker's pool entries, e.g. Triton or KServe endpoints), --broker URL (use a remote broker; start
// no local pool), --serve id,id (only these models), --no-models (skip `npm run models`), --no-build, --no-app (broker
// and workers only).
//
// npm runs this script through `sh -c`; the script is `exec node ...`, so the shell gives its place to
// this process and the signals npm forwards (SIGTERM, SIGINT) reach it. The model build runs as a child
// that is stopped with it; workers and the broker run in this process, so stopping it stops everything.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { builtModels, ROOT, readCatalogFile, type StackOptions, startStack } from './stack.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5173' },
    'broker-port': { type: 'string', default: '8080' },
    workers: { type: 'string', default: '1' },
    autoscale: { type: 'string' },
    broker: { type: 'string' },
    gpu: { type: 'string' },
    pools: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'no-models': { type: 'boolean', default: false },
    'no-app': { type: 'boolean', default: false },
    serve: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm start -- [--port 5173] [--broker-port 8080] [--workers 1 | --autoscale MAX] [--gpu webgpu|cuda] [--pools pools.yaml] [--broker https://remote] [--serve tiny,vision-s] [--no-models] [--no-build] [--no-app]',
  );
  process.exit(0);
}
const int = (name: string, value: string, min: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 65535) {
    console.error(`splitflow: --${name} must be an integer >= ${min}, got "${value}"`);
    process.exit(2);
  }
  return n;
};

if (!values['no-models']) {
  // The model build (`npm run models`) as a child of this process: a signal now stops it too.
  const build = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'models', 'build.ts')], { cwd: ROOT, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => build.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const [code, signal] = (await once(build, 'exit')) as [number | null, NodeJS.Signals | null];
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  if (signal !== null) process.exit(1);
  if (code !== 0) {
    console.error(`splitflow: the model build failed (exit ${code})`);
    process.exit(1);
  }
}

if (!existsSync(join(ROOT, 'models', 'catalog.json')) || builtModels(readCatalogFile()).length === 0) {
  console.error('splitflow: the model catalog is not built; run `npm run models` first (npm start does this for you).');
  process.exit(1);
}

if (values.gpu !== undefined && values.gpu !== 'webgpu' && values.gpu !== 'cuda') {
  console.error(`splitflow: --gpu must be webgpu or cuda, got "${values.gpu}"`);
  process.exit(2);
}
let extraPools: StackOptions['extraPools'] = [];
if (values.pools) {
  try {
    const parsed: unknown = parseYaml(readFileSync(values.pools, 'utf8'));
    if (!Array.isArray(parsed)) throw new Error('expected a list of pools');
    extraPools = parsed as StackOptions['extraPools'];
  } catch (error) {
    console.error(`splitflow: --pools ${values.pools}: ${(error as Error).message}`);
    process.exit(2);
  }
}

try {
  const stack = await startStack({
    appPort: int('port', values.port, 0),
    brokerPort: int('broker-port', values['broker-port'], 0),
    workers: int('workers', values.workers, 1),
    ...(values.autoscale !== undefined ? { autoscale: { maxWorkers: int('autoscale', values.autoscale, 1) } } : {}),
    ...(values.broker ? { remoteBroker: values.broker } : {}),
    ...(values.gpu ? { gpu: values.gpu as 'webgpu' | 'cuda' } : {}),
    extraPools,
    buildApp: !values['no-build'],
    app: !values['no-app'],
    ...(values.serve ? { serve: values.serve.split(',') } : {}),
    log: (line) => console.log(`splitflow: ${line}`),
  });
  const appLine = stack.appUrl ? `  Splitflow field app:  ${stack.appUrl}\n` : '';
  console.log(`\n${appLine}  Broker (OIP v2):      ${stack.brokerUrl}/v2\n\n  Ctrl-C stops everything.\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nsplitflow: ${signal}: draining and stopping...`);
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`splitflow: stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  // Config errors from the broker name the path and the rule (e.g. pools[1].hardware: expected one of gpu, tpu, cpu).
  console.error(`splitflow: ${(error as Error).message}`);
  process.exit(1);
}
