// How the scheduler's cost per decision grows with the fleet: the fleet simulation at several sizes,
// the arrival rate scaled with the endpoints (2 req/s each), cost-deadline placement. With `--baseline`
// (the path of another build's packages/broker/src/index.ts, e.g. a checkout of an earlier commit) that
// scheduler runs on the same arrivals, interleaved with this one rep by rep, so both see the same
// machine load. Writes results/sim/scaling/scaling.{json,md}.
//   node --conditions=source --import tsx apps/bench/src/sim/scaling-bench.ts [--endpoints 100,1000,10000]
//     [--requests 30000] [--reps 3] [--baseline PATH --baseline-name NAME] [--out apps/bench/results/sim/scaling]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createScheduler } from '@splitflow/broker';
import { validateCatalog } from '@splitflow/contract';
import { describeMachine } from '../worker/machine.js';
import { fleetScenario } from './scenario.js';
import { simulate } from './simulate.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '100,1000,10000' },
    requests: { type: 'string', default: '30000' },
    reps: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    'baseline-name': { type: 'string', default: 'baseline' },
    out: { type: 'string', default: join(ROOT, 'apps/bench/results/sim/scaling') },
  },
});
const catalog = validateCatalog(JSON.parse(readFileSync(join(ROOT, 'models/catalog.json'), 'utf8')));
const variants: { name: string; create: typeof createScheduler }[] = [{ name: 'current', create: createScheduler }];
if (values.baseline) {
  const mod = (await import(pathToFileURL(resolve(values.baseline)).href)) as { createScheduler: typeof createScheduler };
  variants.push({ name: values['baseline-name'], create: mod.createScheduler });
}
const sizes = values.endpoints.split(',').map(Number);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Row {
  endpoints: number;
  variant: string;
  usPerDecision: number[];
  medianUs: number;
  met: number;
  costPer1000: number;
}
const rows: Row[] = [];
for (const n of sizes) {
  const scenario = fleetScenario(catalog, n);
  const byVariant = new Map(variants.map((v) => [v.name, { us: [] as number[], met: 0, cost: 0 }]));
  for (let rep = 0; rep < Number(values.reps); rep++) {
    for (const v of variants) {
      const r = simulate({
        ...scenario,
        clients: 1000 * n,
        ratePerClient: 0.002,
        requests: Number(values.requests),
        policy: 'cost-deadline',
        seed: 42,
        createScheduler: v.create,
      });
      const acc = byVariant.get(v.name) as { us: number[]; met: number; cost: number };
      acc.us.push(r.schedulerUsPerRequest);
      acc.met = r.met / r.requests;
      acc.cost = r.costPer1000;
      console.log(`${n} endpoints, ${v.name}, rep ${rep + 1}: ${r.schedulerUsPerRequest.toFixed(2)} us per request`);
    }
  }
  for (const [variant, acc] of byVariant)
    rows.push({ endpoints: n, variant, usPerDecision: acc.us, medianUs: median(acc.us), met: acc.met, costPer1000: acc.cost });
}

const machine = describeMachine();
const table = rows
  .map(
    (r) =>
      `| ${r.endpoints} | ${r.variant} | ${r.medianUs.toFixed(2)} | ${Math.round(1e6 / r.medianUs)} | ${r.usPerDecision.map((u) => u.toFixed(1)).join(', ')} | ${(100 * r.met).toFixed(1)}% | ${r.costPer1000.toExponential(2)} |`,
  )
  .join('\n');
const md = `# The scheduler's cost per decision as the fleet grows

${machine.date}, ${machine.cpu} x${machine.cores}, Node ${machine.node}, a shared machine. The fleet simulation
(\`apps/bench/src/sim/\`, cost-deadline placement, three pools: GPU 10%, CPU 60%, spot CPU 30%) at each size, 2 req/s
per endpoint, ${Number(values.requests).toLocaleString('en-US')} requests per run, ${values.reps} runs per scheduler interleaved${values.baseline ? `; baseline: ${values['baseline-name']}` : ''}.
Microseconds per request spent in the scheduler (performance.now() around decide, begin and end, one thread); median of the runs.

\`node --conditions=source --import tsx apps/bench/src/sim/scaling-bench.ts --endpoints ${values.endpoints} --requests ${values.requests} --reps ${values.reps}${values.baseline ? ` --baseline <checkout>/packages/broker/src/index.ts --baseline-name "${values['baseline-name']}"` : ''}\`

| endpoints | scheduler | us per request (median) | decisions/s (one core) | runs (us) | deadlines met | cost per 1,000 ($) |
| --- | --- | --- | --- | --- | --- | --- |
${table}
`;
mkdirSync(values.out, { recursive: true });
const { baseline: _, ...options } = values;
writeFileSync(join(values.out, 'scaling.json'), `${JSON.stringify({ machine, options: { ...options, out: relative(ROOT, values.out) }, rows }, null, 2)}\n`);
writeFileSync(join(values.out, 'scaling.md'), md);
console.log(md);
