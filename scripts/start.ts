// `npm start`: the embedded default on localhost. Flags: --port N (app), --broker-port N, --workers N,
// --autoscale MAX (1 to MAX CPU worker processes, started and stopped by the broker's capacity plan),
// --gpu webgpu|cuda (add a local GPU worker as a pool), --pools FILE (more pools: a YAML or JSON list of
// the broker's pool entries, e.g. Triton or KServe endpoints), --broker URL (use a remote broker; start
// no local pool), --no-build.
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
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm start -- [--port 5173] [--broker-port 8080] [--workers 1 | --autoscale MAX] [--gpu webgpu|cuda] [--pools pools.yaml] [--broker https://remote] [--no-build]',
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
    log: (line) => console.log(`splitflow: ${line}`),
  });
  console.log(`\n  Splitflow field app:  ${stack.appUrl}\n  Broker (OIP v2):      ${stack.brokerUrl}/v2\n\n  Ctrl-C stops everything.\n`);
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
