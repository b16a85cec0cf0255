import { isSplitflowError } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';

describe('parseCliArgs', () => {
  it('joins a broker pool with --register, the token from the environment only', () => {
    const env = { SPLITFLOW_REGISTER_TOKEN: 'secret-token-0000001' };
    expect(parseCliArgs(['--register', 'http://broker:8080', '--pool', 'cpu', '--advertise-url', 'http://10.0.0.5:8001'], env)?.register).toEqual({
      broker: 'http://broker:8080',
      pool: 'cpu',
      token: 'secret-token-0000001',
      advertiseUrl: 'http://10.0.0.5:8001',
    });
    const refused = (argv: string[], e: NodeJS.ProcessEnv = env) => {
      try {
        parseCliArgs(argv, e);
      } catch (error) {
        expect(isSplitflowError(error, 'INVALID_REQUEST')).toBe(true);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refused(['--register', 'http://broker:8080'])).toMatch(/needs --pool/);
    expect(refused(['--register', 'http://broker:8080', '--pool', 'cpu'], {})).toMatch(/SPLITFLOW_REGISTER_TOKEN/);
    expect(refused(['--register', 'broker:8080', '--pool', 'cpu'])).toMatch(/http\(s\) URL/);
    expect(refused(['--pool', 'cpu'])).toMatch(/go with --register/);
    expect(refused(['--register', 'http://broker:8080', '--pool', 'cpu', '--processes', '2'])).toMatch(/--processes and --register/);
  });

  it('reads batch buckets and per-model session settings', () => {
    expect(parseCliArgs(['--max-batch', '12', '--batch-buckets', 'pow2'])?.batching?.buckets).toEqual([1, 2, 4, 8, 12]);
    expect(parseCliArgs(['--batch-buckets', '8,64'])?.batching?.buckets).toEqual([8, 64]);
    expect(
      parseCliArgs(['--model-session', 'large:optimization=disabled,validation=wgpuOnly', '--model-session', 'tiny:optimization=basic'])?.modelSessions,
    ).toEqual({
      large: { graphOptimization: 'disabled', webgpu: { validationMode: 'wgpuOnly' } },
      tiny: { graphOptimization: 'basic' },
    });
    for (const argv of [
      ['--batch-buckets', '8,4,64'],
      ['--batch-buckets', '1,2'],
      ['--batch-buckets', 'x'],
      ['--model-session', 'large'],
      ['--model-session', 'large:optimization=most'],
    ]) {
      expect(() => parseCliArgs(argv)).toThrow(/--batch-buckets|--model-session/);
    }
  });

  it('turns /metrics off with --metrics off, and puts it behind a token from the environment only', () => {
    expect(parseCliArgs([], {})?.metrics).toBeUndefined();
    expect(parseCliArgs(['--metrics', 'off'], {})?.metrics).toBe(false);
    expect(parseCliArgs(['--metrics', 'on'], { SPLITFLOW_METRICS_TOKEN: 'scrape-0001' })).toMatchObject({ metricsToken: 'scrape-0001' });
    expect(() => parseCliArgs(['--metrics', 'maybe'], {})).toThrow(/--metrics must be on or off/);
  });

  it('maps the flags of the issue to worker options', () => {
    expect(
      parseCliArgs([
        '--models',
        'm/catalog.json',
        '--ep',
        'cpu',
        '--port',
        '0',
        '--hardware',
        'tpu',
        '--max-batch',
        '8',
        '--max-queue-delay-us',
        '500',
        '--serve',
        'tiny,vision-s',
      ]),
    ).toEqual({
      catalog: 'm/catalog.json',
      provider: 'cpu',
      port: 0,
      host: '127.0.0.1',
      hardware: 'tpu',
      batching: { maxBatch: 8, maxQueueDelayUs: 500 },
      models: ['tiny', 'vision-s'],
      logLevel: 'info',
    });
  });

  it('has defaults, and --help returns nothing', () => {
    expect(parseCliArgs([])).toMatchObject({ catalog: 'models/catalog.json', provider: 'cpu', port: 8001 });
    expect(parseCliArgs(['--help'])).toBeUndefined();
    expect(parseCliArgs(['--spin', '--threads', '4'])).toMatchObject({ spinning: true, intraOpThreads: 4 });
    expect(parseCliArgs([])).not.toHaveProperty('spinning');
    expect(parseCliArgs(['--grpc-port', '0'])).toMatchObject({ grpcPort: 0 });
    expect(parseCliArgs([])).not.toHaveProperty('grpcPort');
  });

  it('maps the thread and priority flags', () => {
    expect(parseCliArgs(['--main-thread-runs', '--small-model-threads', '2', '--batch-class-runs', '3'])).toMatchObject({
      mainThreadRuns: true,
      smallModelThreads: 2,
      batchClassRuns: 3,
    });
    expect(parseCliArgs(['--small-model-threads', '0', '--batch-class-runs', '0'])).toMatchObject({ smallModelThreads: false, batchClassRuns: 0 });
    const defaults = parseCliArgs([]);
    for (const key of ['mainThreadRuns', 'smallModelThreads', 'batchClassRuns']) expect(defaults).not.toHaveProperty(key);
  });

  it('maps the webgpu validation mode and the process count', () => {
    expect(parseCliArgs(['--ep', 'webgpu', '--webgpu-validation', 'disabled', '--processes', '3'])).toMatchObject({
      provider: 'webgpu',
      webgpu: { validationMode: 'disabled' },
      processes: 3,
    });
    expect(parseCliArgs(['--http-processes', '4'])).toMatchObject({ httpProcesses: 4 });
    const defaults = parseCliArgs([]);
    for (const key of ['webgpu', 'processes', 'httpProcesses']) expect(defaults).not.toHaveProperty(key);
  });

  it.each([
    [['--webgpu-validation', 'none'], 'INVALID_REQUEST', /--webgpu-validation must be one of disabled, wgpuOnly, basic, full/],
    [['--processes', '0'], 'INVALID_REQUEST', /--processes must be an integer >= 1/],
    [['--http-processes', '0'], 'INVALID_REQUEST', /--http-processes must be an integer >= 1/],
    [['--http-processes', '2', '--processes', '2', '--grpc-port', '0'], 'INVALID_REQUEST', /--http-processes does not go with --processes, --grpc-port/],
    [['--http-processes', '2', '--load-on-demand'], 'INVALID_REQUEST', /--http-processes does not go with --load-on-demand/],
    [['--http-processes', '2', '--memory-budget-gib', '1'], 'INVALID_REQUEST', /--http-processes does not go with --memory-budget-gib/],
    [['--ep', 'metal'], 'PROVIDER_UNAVAILABLE', /expected one of cpu, webgpu, cuda/],
    [['--port', 'http'], 'INVALID_REQUEST', /--port must be an integer/],
    [['--max-batch', '0'], 'INVALID_REQUEST', /--max-batch must be an integer >= 1/],
    [['--hardware', 'fpga'], 'INVALID_REQUEST', /--hardware must be one of gpu, tpu, cpu/],
    [['--frobnicate'], 'INVALID_REQUEST', /frobnicate/],
    [['--grpc-port', 'x'], 'INVALID_REQUEST', /--grpc-port must be an integer >= 0/],
    [['--batch-class-runs', '1.5'], 'INVALID_REQUEST', /--batch-class-runs must be an integer >= 0/],
    [['--small-model-threads', 'many'], 'INVALID_REQUEST', /--small-model-threads must be an integer >= 0/],
  ])('%j is refused with %s', (argv, code, message) => {
    let error: unknown;
    try {
      parseCliArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(isSplitflowError(error, code as 'INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
