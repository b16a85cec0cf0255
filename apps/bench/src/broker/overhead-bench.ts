// Broker overhead: client -> worker, client -> broker -> worker, client -> nginx -> worker and client ->
// a bare fastify + undici pass-through -> worker (the floor of a Node proxy built from the broker's
// libraries), on loopback with the tiny model. Latency: one connection, sequential requests, hrtime (microsecond resolution).
// Throughput: autocannon with N connections. Everything runs on this machine's cores at once, so the
// numbers are noisy on a 2-core box; the ratios are what to read.
// Run: node --conditions=source --import tsx apps/bench/src/broker/overhead-bench.ts [--duration 5] [--connections 16] [--count 2000] [--out bench-results]
// Bundled for the GPU machine's 16 quiet cores by build-gpu.sh: node apps/bench/dist/broker/overhead-bench.mjs --nginx <its nginx>
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelCatalog, ModelManifest } from '@splitflow/contract';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { BROKER_CLI, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import type { LatencySummaryMs as LatencySummary } from '../worker/stats.js';
import { buildRequest, rng } from './inputs.js';
import { interleavedLatency } from './load.js';
import { NGINX, startNginx } from './nginx.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    count: { type: 'string', default: '2000' },
    catalog: { type: 'string', default: 'models/catalog.json' },
    model: { type: 'string', default: 'tiny' },
    out: { type: 'string' },
    nginx: { type: 'string', default: NGINX },
    'worker-cli': { type: 'string' },
    'broker-cli': { type: 'string' },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
const bundled = import.meta.url.endsWith('.mjs');
const workerCli = values['worker-cli'] ?? (bundled ? join(here, 'worker-cli.mjs') : WORKER_CLI);
const brokerCli = values['broker-cli'] ?? (bundled ? join(here, 'broker-cli.mjs') : BROKER_CLI);
const bareProxyCli = bundled ? join(here, 'bare-proxy.mjs') : join(here, 'bare-proxy.ts');

type Autocannon = (
  opts: Record<string, unknown>,
) => Promise<{ requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }>;

async function modelSource(): Promise<{ catalogPath: string; modelDir: string; manifest: ModelManifest }> {
  const catalogPath = resolve(values.catalog);
  const modelDir = join(resolve(catalogPath, '..'), 'build');
  if (existsSync(catalogPath)) {
    const catalog = JSON.parse(readFileSync(catalogPath, 'utf8')) as ModelCatalog;
    const manifest = catalog.models.find((m) => m.id === values.model);
    if (manifest?.files.every((f) => existsSync(join(modelDir, f.path)))) return { catalogPath, modelDir, manifest };
  }
  // No built catalog yet: the worker's test fixture MLP (4 -> 8 -> 3) is as tiny.
  const fixture = await writeFixtureCatalog();
  console.log(`(models/catalog.json has no built "${values.model}"; using the fixture model "mlp")`);
  return { catalogPath: fixture.catalogPath, modelDir: fixture.dir, manifest: fixture.catalog.models.find((m) => m.id === 'mlp') as ModelManifest };
}

async function main(): Promise<void> {
  const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;
  const { catalogPath, modelDir, manifest } = await modelSource();
  const request = buildRequest(manifest, 1, rng(7));
  const path = `/v2/models/${manifest.id}/infer`;
  const headers = { 'content-type': 'application/json' };

  const worker = await startCli(workerCli, ['--models', catalogPath, '--model-dir', modelDir, '--serve', manifest.id, '--port', '0', '--threads', '1']);
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-overhead-'));
  const config = {
    catalog: catalogPath,
    pools: [
      { name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', endpoints: [{ url: worker.url }], costPerHour: 0.1, maxConcurrency: 64, models: [manifest.id] },
    ],
    anonymous: {},
    jobs: { store: 'memory' },
    log: { level: 'warn' },
  };
  writeFileSync(join(dir, 'broker.json'), JSON.stringify(config));
  const broker = await startCli(brokerCli, ['--config', join(dir, 'broker.json')]);
  const nginx = await startNginx(worker.url, 1, values.nginx);
  const bare = await startCli(bareProxyCli, [worker.url]);
  const targets: [string, string][] = [
    ['direct', worker.url],
    ['broker', broker.url],
    ['nginx', nginx.url],
    ['bare-node-proxy', bare.url],
  ];
  const results: Record<
    string,
    { latency: LatencySummary & { addedP50Ms?: number }; throughputRps: number; acP50Ms: number; acP99Ms: number; non2xx: number }
  > = {};
  try {
    // Latency: all targets in turn, request by request, so the machine's drift lands on each alike.
    const latency = await interleavedLatency(
      targets.map(([name, url]) => ({ name, url })),
      path,
      request.body,
      headers,
      Number(values.count),
    );
    for (const [name, url] of targets) {
      const ac = await autocannon({
        url: `${url}${path}`,
        method: 'POST',
        headers,
        body: request.body,
        connections: Number(values.connections),
        duration: Number(values.duration),
      });
      const l = latency[name] as LatencySummary & { addedP50Ms?: number };
      results[name] = {
        latency: l,
        throughputRps: Math.round(ac.requests.average),
        acP50Ms: ac.latency.p50,
        acP99Ms: ac.latency.p99,
        non2xx: ac.non2xx + ac.errors,
      };
      console.log(
        `${name.padEnd(15)} p50 ${l.p50Ms.toFixed(3)} ms  p99 ${l.p99Ms.toFixed(3)} ms${l.addedP50Ms !== undefined ? `  (+${l.addedP50Ms.toFixed(3)} ms p50 of per-round differences)` : ''} (1 conn)   ${results[name].throughputRps} req/s (${values.connections} conns, p50 ${ac.latency.p50} ms, p99 ${ac.latency.p99} ms, non-2xx ${results[name].non2xx})`,
      );
    }
  } finally {
    await bare.stop();
    await nginx.stop();
    await broker.stop();
    await worker.stop();
  }
  const d = results.direct!;
  const b = results.broker!;
  const n = results.nginx!;
  const p = results['bare-node-proxy']!;
  const summary = {
    bench: 'broker-overhead',
    model: manifest.id,
    requestBytes: request.bytes,
    results,
    brokerAddsP50Ms: Math.round((b.latency.p50Ms - d.latency.p50Ms) * 1000) / 1000,
    brokerAddsP99Ms: Math.round((b.latency.p99Ms - d.latency.p99Ms) * 1000) / 1000,
    /** Median over rounds of (broker - direct): the same figure, paired request by request. */
    brokerAddsPairedP50Ms: b.latency.addedP50Ms,
    bareNodeProxyAddsP50Ms: Math.round((p.latency.p50Ms - d.latency.p50Ms) * 1000) / 1000,
    bareNodeProxyAddsPairedP50Ms: p.latency.addedP50Ms,
    nginxAddsP50Ms: Math.round((n.latency.p50Ms - d.latency.p50Ms) * 1000) / 1000,
    nginxAddsPairedP50Ms: n.latency.addedP50Ms,
    brokerToNginxThroughput: Math.round((b.throughputRps / n.throughputRps) * 1000) / 1000,
    targetBrokerAddsP50Ms: 0.3,
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    date: new Date().toISOString(),
  };
  console.log(
    `broker adds ${summary.brokerAddsP50Ms} ms p50 (paired ${summary.brokerAddsPairedP50Ms}; ${summary.brokerAddsP99Ms} ms p99); bare fastify+undici proxy adds ${summary.bareNodeProxyAddsP50Ms} (paired ${summary.bareNodeProxyAddsPairedP50Ms}); nginx adds ${summary.nginxAddsP50Ms} ms p50 (paired ${summary.nginxAddsPairedP50Ms}); broker/nginx throughput ${summary.brokerToNginxThroughput}`,
  );
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'overhead-bench.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
