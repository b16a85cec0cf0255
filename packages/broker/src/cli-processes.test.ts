import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { BrokerConfig } from '@splitflow/contract';
import { OIP_PROTO_PATH, PROTO_LOADER_OPTIONS } from '@splitflow/oip-grpc';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { BROKER_CLI, startCli } from '@splitflow/test-fixtures/processes';
import { type RunningRedis, startRedis } from '@splitflow/test-fixtures/redis-server';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `splitflow-broker --processes N`: real child processes (node:cluster), a real worker, a real Redis.

let worker: RunningWorker;
let redis: RunningRedis;
let catalogPath: string;

beforeAll(async () => {
  const fixture = await writeFixtureCatalog();
  catalogPath = fixture.catalogPath;
  [worker, redis] = await Promise.all([startWorker({ catalog: catalogPath, modelDir: fixture.dir, intraOpThreads: 1 }), startRedis()]);
});
afterAll(async () => {
  await Promise.all([worker?.close(), redis?.close()]);
});

function configFile(jobs: BrokerConfig['jobs']): string {
  const config: BrokerConfig = {
    catalog: catalogPath,
    pools: [cpuPool(worker.url, ['mlp'])],
    anonymous: {},
    jobs,
    log: { level: 'error' },
  };
  const file = join(mkdtempSync(join(tmpdir(), 'splitflow-processes-')), 'broker.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

const infer = (url: string) =>
  fetch(`${url}/v2/models/mlp/infer`, {
    method: 'POST',
    // A new connection each time, so the cluster hands requests to its processes in turn.
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }),
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('splitflow-broker --processes', () => {
  it('refuses more than one process without a Redis job store', async () => {
    await expect(startCli(BROKER_CLI, ['--config', configFile({ store: 'memory' }), '--port', '0', '--processes', '2'])).rejects.toThrow(
      /--processes 2 needs jobs\.store: redis/,
    );
  });

  it('serves from N processes on one port, replaces one that dies, and drains them all on SIGTERM', async () => {
    const child = await startCli(BROKER_CLI, [
      '--config',
      configFile({ store: 'redis', url: redis.url, prefix: 'processes:' }),
      '--port',
      '0',
      '--processes',
      '2',
      '--grpc-port',
      '0',
    ]);
    try {
      const lines: { event: string; pid?: number }[] = [];
      child.process.stdout?.on('data', (d: Buffer) => {
        for (const l of String(d).split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
      });
      const pids = child.listening.pids as number[];
      expect(pids).toHaveLength(2);
      expect(new Set(pids).size).toBe(2);
      expect(pids.every(alive)).toBe(true);
      expect(pids).not.toContain(child.process.pid);
      const answers = await Promise.all(Array.from({ length: 12 }, () => infer(child.url)));
      expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
      // gRPC shares the processes' port as REST does: fresh channels reach them in turn and are served.
      expect(child.listening.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(await Promise.all(Array.from({ length: 4 }, () => grpcLive(child.listening.grpc as string)))).toEqual([true, true, true, true]);

      process.kill(pids[0] as number, 'SIGKILL');
      await waitFor(() => lines.some((l) => l.event === 'replaced'));
      const replacement = lines.find((l) => l.event === 'replaced')?.pid as number;
      expect(alive(replacement)).toBe(true);
      const after = await Promise.all(Array.from({ length: 6 }, () => infer(child.url)));
      expect(after.map((a) => a.status)).toEqual(Array(6).fill(200));

      await child.stop();
      expect(child.process.exitCode).toBe(0);
      expect([pids[1] as number, replacement].filter(alive)).toEqual([]);
    } finally {
      await child.kill();
    }
  }, 60_000);
});

/** ServerLive over a fresh channel, with @grpc/grpc-js's generic client made from the official proto. */
async function grpcLive(address: string): Promise<boolean> {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(OIP_PROTO_PATH, PROTO_LOADER_OPTIONS)) as unknown as {
    inference: {
      GRPCInferenceService: new (
        address: string,
        credentials: grpc.ChannelCredentials,
      ) => grpc.Client & { ServerLive(request: object, callback: (error: Error | null, response: { live: boolean }) => void): void };
    };
  };
  const client = new loaded.inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<boolean>((resolve, reject) => client.ServerLive({}, (error, response) => (error ? reject(error) : resolve(response.live))));
  } finally {
    client.close();
  }
}

async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
