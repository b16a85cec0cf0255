import { parseArgs } from 'node:util';
import { HARDWARE_CLASSES, type HardwareClass, SplitflowError } from '@splitflow/contract';
import { type BatchingConfig, DEFAULT_BATCHING, type ModelSessionConfig, powerOfTwoBuckets } from './config.js';
import {
  GRAPH_OPTIMIZATION_LEVELS,
  type GraphOptimizationLevel,
  parseExecutionProvider,
  WEBGPU_VALIDATION_MODES,
  type WebGpuValidationMode,
} from './session/execution-provider.js';
import type { StartWorkerOptions } from './start-worker.js';

export const USAGE = `splitflow-worker: an Open Inference Protocol v2 server on onnxruntime-node

  --models <catalog.json>     model catalog (default models/catalog.json)
  --model-dir <dir>           directory of the model files (default build/ beside the catalog)
  --serve <id,id>             only these models (default every ONNX model built, tails of cuts excepted)
  --tails <id,id|all>         also serve the tails of these models' cuts (default none)
  --ep cpu|webgpu|cuda        execution provider (default cpu)
  --hardware cpu|gpu|tpu      hardware class to report (default from the provider)
  --port <n>                  port (default 8001; 0 picks a free one)
  --host <addr>               address (default 127.0.0.1)
  --grpc-port <n>             also serve OIP v2 over gRPC on this port (0 picks a free one; default off)
  --max-batch <n>             rows per merged run, 1 = no batching (default 64)
  --max-queue-delay-us <n>    longest wait for a batch to fill (default 0)
  --max-queue <n>             waiting requests per model before 503 (default 256)
  --max-queue-wait-ms <n>     longest expected queue wait before 503, 0 for none (default 2000)
  --instances <n>             concurrent runs per model, a session each (default 1)
  --batch-buckets <n,n|pow2>  pad merged runs up to these batch sizes, pow2 = 1,2,4,.. up to --max-batch (default none)
  --model-session <id:k=v,..> one model's session settings: optimization=disabled|basic|extended|all,
                              validation=<webgpu mode>; repeatable (default the worker's)
  --batch-class-runs <n>      runs of splitflow.priority=batch requests at once, all models; 0 = no priority (default 1)
  --threads <n>               onnxruntime intra-op threads (default: all cores)
  --small-model-threads <n>   intra-op threads for models under 10 MFLOP per row, 0 = as --threads (default 1)
  --spin                      let idle onnxruntime threads spin (default off)
  --webgpu-validation <mode>  webgpu: disabled|wgpuOnly|basic|full (default onnxruntime's)
  --main-thread-runs          run sessions on the event loop's thread (default: a thread each)
  --processes <n>             worker processes sharing the port, each with its own sessions (default 1)
  --http-processes <n>        HTTP front-end processes sharing the port, feeding this process, which
                              owns the sessions and batches all their rows together (default: none)
  --body-limit <bytes>        largest request body (default 67108864)
  --memory-budget-gib <x>     memory the loaded models may take together; loading past it evicts the
                              least recently used idle model (default unbounded)
  --load-on-demand            load no model at startup: each loads on its first request or on
                              POST /v2/repository/models/{name}/load (default: load at startup while they fit)
  --log-level <level>         fatal|error|warn|info|debug|trace (default info)
  --metrics on|off            serve GET /metrics (default on); with SPLITFLOW_METRICS_TOKEN in the
                              environment it answers only that bearer token
  --register <broker-url>     join a broker pool by registering and heartbeating (needs --pool and
                              SPLITFLOW_REGISTER_TOKEN in the environment, one of the broker's registration.tokens)
  --pool <name>               the pool to join with --register
  --advertise-url <url>       the URL the broker reaches this worker at (default the one it listens on)
  --help`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new SplitflowError('INVALID_REQUEST', { message: `--${name} must be an integer >= ${min}, got "${value}"` });
  return Number(value);
}

function parseBuckets(value: string, maxBatch: number): number[] {
  if (value === 'pow2') return powerOfTwoBuckets(maxBatch);
  const list = value.split(',').map((b) => integer('batch-buckets', b.trim(), 1) as number);
  if (list.some((b, i) => i > 0 && b <= (list[i - 1] as number)) || (list.at(-1) as number) < maxBatch)
    throw new SplitflowError('INVALID_REQUEST', { message: `--batch-buckets must ascend and reach --max-batch (${maxBatch}), got "${value}"` });
  return list;
}

/** `id:optimization=disabled,validation=wgpuOnly` to one entry of `modelSessions`. */
function parseModelSession(value: string): [string, ModelSessionConfig] {
  const bad = (why: string) => new SplitflowError('INVALID_REQUEST', { message: `--model-session ${why}, got "${value}"` });
  const at = value.indexOf(':');
  if (at < 1) throw bad('must be <model id>:<key>=<value>[,<key>=<value>]');
  const own: ModelSessionConfig = {};
  for (const pair of value.slice(at + 1).split(',')) {
    const [key, setting] = pair.split('=');
    if (key === 'optimization' && (GRAPH_OPTIMIZATION_LEVELS as readonly string[]).includes(setting ?? ''))
      own.graphOptimization = setting as GraphOptimizationLevel;
    else if (key === 'validation' && (WEBGPU_VALIDATION_MODES as readonly string[]).includes(setting ?? ''))
      own.webgpu = { validationMode: setting as WebGpuValidationMode };
    else throw bad(`takes optimization=${GRAPH_OPTIMIZATION_LEVELS.join('|')} and validation=${WEBGPU_VALIDATION_MODES.join('|')}`);
  }
  return [value.slice(0, at), own];
}

export interface CliOptions extends StartWorkerOptions {
  /** Worker processes sharing the port (node:cluster), each with its own sessions. @default 1 */
  processes?: number;
  /** HTTP front-end processes feeding this one, which owns the sessions and batches their rows together. */
  httpProcesses?: number;
}

/** CLI arguments to worker options; a bad flag or value throws INVALID_REQUEST naming it. Undefined means --help. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions | undefined {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        models: { type: 'string' },
        'model-dir': { type: 'string' },
        serve: { type: 'string' },
        tails: { type: 'string' },
        ep: { type: 'string' },
        hardware: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'grpc-port': { type: 'string' },
        'max-batch': { type: 'string' },
        'max-queue-delay-us': { type: 'string' },
        'max-queue': { type: 'string' },
        'max-queue-wait-ms': { type: 'string' },
        instances: { type: 'string' },
        'batch-buckets': { type: 'string' },
        'model-session': { type: 'string', multiple: true },
        'batch-class-runs': { type: 'string' },
        threads: { type: 'string' },
        'small-model-threads': { type: 'string' },
        'body-limit': { type: 'string' },
        'memory-budget-gib': { type: 'string' },
        'load-on-demand': { type: 'boolean' },
        'log-level': { type: 'string' },
        metrics: { type: 'string' },
        register: { type: 'string' },
        pool: { type: 'string' },
        'advertise-url': { type: 'string' },
        spin: { type: 'boolean' },
        'webgpu-validation': { type: 'string' },
        'main-thread-runs': { type: 'boolean' },
        processes: { type: 'string' },
        'http-processes': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SplitflowError('INVALID_REQUEST', { message: `${(error as Error).message}\n\n${USAGE}` });
  }
  if (values.help) return undefined;
  const str = (k: string) => values[k] as string | undefined;
  const hardware = str('hardware');
  if (hardware !== undefined && !(HARDWARE_CLASSES as readonly string[]).includes(hardware)) {
    throw new SplitflowError('INVALID_REQUEST', { message: `--hardware must be one of ${HARDWARE_CLASSES.join(', ')}, got "${hardware}"` });
  }
  const logLevel = str('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new SplitflowError('INVALID_REQUEST', { message: `--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"` });
  }
  const batching: Partial<BatchingConfig> = {};
  const maxBatch = integer('max-batch', str('max-batch'), 1);
  const delay = integer('max-queue-delay-us', str('max-queue-delay-us'), 0);
  const maxQueue = integer('max-queue', str('max-queue'), 0);
  const instances = integer('instances', str('instances'), 1);
  const maxWait = integer('max-queue-wait-ms', str('max-queue-wait-ms'), 0);
  if (maxWait !== undefined) batching.maxQueueWaitMs = maxWait;
  if (maxBatch !== undefined) batching.maxBatch = maxBatch;
  if (delay !== undefined) batching.maxQueueDelayUs = delay;
  if (maxQueue !== undefined) batching.maxQueue = maxQueue;
  if (instances !== undefined) batching.instances = instances;
  const buckets = str('batch-buckets');
  if (buckets !== undefined) batching.buckets = parseBuckets(buckets, maxBatch ?? DEFAULT_BATCHING.maxBatch);

  const options: CliOptions = {
    catalog: str('models') ?? 'models/catalog.json',
    provider: parseExecutionProvider(str('ep') ?? 'cpu'),
    port: integer('port', str('port'), 0) ?? 8001,
    host: str('host') ?? '127.0.0.1',
    batching,
    logLevel: logLevel as (typeof LOG_LEVELS)[number],
  };
  if (hardware !== undefined) options.hardware = hardware as HardwareClass;
  const modelDir = str('model-dir');
  if (modelDir !== undefined) options.modelDir = modelDir;
  const serve = str('serve');
  if (serve !== undefined) options.models = serve.split(',').filter((s) => s !== '');
  const tails = str('tails');
  if (tails !== undefined) options.tails = tails === 'all' ? 'all' : tails.split(',').filter((s) => s !== '');
  const threads = integer('threads', str('threads'), 1);
  if (threads !== undefined) options.intraOpThreads = threads;
  const small = integer('small-model-threads', str('small-model-threads'), 0);
  if (small !== undefined) options.smallModelThreads = small === 0 ? false : small;
  if (values.spin) options.spinning = true;
  const validation = str('webgpu-validation');
  if (validation !== undefined) {
    if (!(WEBGPU_VALIDATION_MODES as readonly string[]).includes(validation)) {
      throw new SplitflowError('INVALID_REQUEST', { message: `--webgpu-validation must be one of ${WEBGPU_VALIDATION_MODES.join(', ')}, got "${validation}"` });
    }
    options.webgpu = { validationMode: validation as WebGpuValidationMode };
  }
  if (values['main-thread-runs']) options.mainThreadRuns = true;
  const modelSessions = values['model-session'] as string[] | undefined;
  if (modelSessions !== undefined) options.modelSessions = Object.fromEntries(modelSessions.map(parseModelSession));
  const batchClassRuns = integer('batch-class-runs', str('batch-class-runs'), 0);
  if (batchClassRuns !== undefined) options.batchClassRuns = batchClassRuns;
  const grpcPort = integer('grpc-port', str('grpc-port'), 0);
  if (grpcPort !== undefined) options.grpcPort = grpcPort;
  const processes = integer('processes', str('processes'), 1);
  if (processes !== undefined) options.processes = processes;
  const httpProcesses = integer('http-processes', str('http-processes'), 1);
  if (httpProcesses !== undefined) options.httpProcesses = httpProcesses;
  const budget = str('memory-budget-gib');
  if (budget !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(budget) || !(Number(budget) > 0))
      throw new SplitflowError('INVALID_REQUEST', { message: `--memory-budget-gib must be a positive number, got "${budget}"` });
    options.memoryBudgetGiB = Number(budget);
  }
  if (values['load-on-demand']) options.loadOnDemand = true;
  const bodyLimit = integer('body-limit', str('body-limit'), 1);
  if (bodyLimit !== undefined) options.bodyLimitBytes = bodyLimit;
  const metrics = str('metrics');
  if (metrics !== undefined && metrics !== 'on' && metrics !== 'off') {
    throw new SplitflowError('INVALID_REQUEST', { message: `--metrics must be on or off, got "${metrics}"` });
  }
  if (metrics === 'off') options.metrics = false;
  // From the environment, not an argument: the process list shows arguments to every user.
  if (env.SPLITFLOW_METRICS_TOKEN) options.metricsToken = env.SPLITFLOW_METRICS_TOKEN;
  const broker = str('register');
  const pool = str('pool');
  if (broker !== undefined) {
    if (!/^https?:\/\/\S+$/.test(broker))
      throw new SplitflowError('INVALID_REQUEST', { message: `--register must be the broker's http(s) URL, got "${broker}"` });
    if (pool === undefined) throw new SplitflowError('INVALID_REQUEST', { message: '--register needs --pool <name>: the pool to join' });
    const token = env.SPLITFLOW_REGISTER_TOKEN;
    if (!token)
      throw new SplitflowError('INVALID_REQUEST', { message: '--register needs SPLITFLOW_REGISTER_TOKEN in the environment (kept out of the process list)' });
    options.register = { broker, pool, token };
    const advertise = str('advertise-url');
    if (advertise !== undefined) options.register.advertiseUrl = advertise;
  } else if (pool !== undefined || str('advertise-url') !== undefined) {
    throw new SplitflowError('INVALID_REQUEST', { message: '--pool and --advertise-url go with --register' });
  }
  // Each process would register the one shared URL as an endpoint of its own.
  if (options.register !== undefined && (options.processes ?? 1) > 1)
    throw new SplitflowError('INVALID_REQUEST', { message: '--processes and --register do not go together: start one worker per registration' });
  if (options.httpProcesses !== undefined) {
    // The owner loads every model at startup and speaks for its front ends over one channel.
    const clash = [
      (options.processes ?? 1) > 1 && '--processes',
      options.register !== undefined && '--register',
      options.grpcPort !== undefined && '--grpc-port',
      options.loadOnDemand && '--load-on-demand',
      options.memoryBudgetGiB !== undefined && '--memory-budget-gib',
    ].filter((f): f is string => typeof f === 'string');
    if (clash.length > 0)
      throw new SplitflowError('INVALID_REQUEST', {
        message: `--http-processes does not go with ${clash.join(', ')}: the owning process loads every model at startup and serves HTTP only`,
      });
  }
  return options;
}
