// The fleet simulation as a benchmark: the broker's real scheduler over 10^3 endpoints and 10^6 clients,
// every placement policy on the same seeded arrivals. Writes results/sim/fleet-sim.{json,md}.
//   node --conditions=source --import tsx apps/bench/src/sim/sim-bench.ts [--endpoints 1000] [--clients 1000000]
//     [--rate-per-client 0.002] [--requests 300000] [--preempt-every-s S --notice-s 30 --replace-after-s S]
//     [--out apps/bench/results/sim]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PLACEMENT_POLICIES, validateCatalog } from '@splitflow/contract';
import { describeMachine } from '../worker/machine.js';
import { fleetScenario } from './scenario.js';
import { type SimResult, simulate } from './simulate.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '1000000' },
    'rate-per-client': { type: 'string', default: '0.002' },
    requests: { type: 'string', default: '300000' },
    seed: { type: 'string', default: '42' },
    'preempt-every-s': { type: 'string' },
    'notice-s': { type: 'string', default: '30' },
    'replace-after-s': { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'apps/bench/results/sim') },
  },
});
const catalog = validateCatalog(JSON.parse(readFileSync(join(ROOT, 'models/catalog.json'), 'utf8')));
const scenario = fleetScenario(catalog, Number(values.endpoints));
const preemption =
  values['preempt-every-s'] !== undefined
    ? {
        everyS: Number(values['preempt-every-s']),
        noticeS: Number(values['notice-s']),
        ...(values['replace-after-s'] !== undefined ? { replaceAfterS: Number(values['replace-after-s']) } : {}),
      }
    : undefined;
const results: SimResult[] = [];
for (const policy of PLACEMENT_POLICIES) {
  const result = simulate({
    ...scenario,
    clients: Number(values.clients),
    ratePerClient: Number(values['rate-per-client']),
    requests: Number(values.requests),
    policy,
    seed: Number(values.seed),
    ...(preemption ? { preemption } : {}),
  });
  results.push(result);
  console.log(
    `${policy}: ${((100 * result.met) / result.requests).toFixed(1)}% met, $${result.costPer1000.toExponential(2)}/1000, ${Math.round(result.decisionsPerS)} decisions/s`,
  );
}

const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
const rows = results.map((r) => {
  const interactive = Object.entries(r.byClass).filter(([k]) => k.endsWith('/interactive'));
  const batch = Object.entries(r.byClass).filter(([k]) => k.endsWith('/batch'));
  const sum = (list: typeof interactive, f: 'met' | 'arrivals') => list.reduce((a, [, c]) => a + c[f], 0);
  const pools = Object.entries(r.byPool)
    .map(([p, n]) => `${p} ${pct(n, r.requests)}`)
    .join(', ');
  return `| ${r.policy} | ${pct(r.met, r.requests)} | ${r.preemptions} | ${r.retried} | ${r.lost} | ${pct(sum(interactive, 'met'), sum(interactive, 'arrivals'))} | ${pct(sum(batch, 'met'), sum(batch, 'arrivals'))} | ${pct(r.refused, r.requests)} | ${r.costPer1000.toExponential(2)} | ${pools} | ${Math.round(r.decisionsPerS)} | ${r.schedulerUsPerRequest.toFixed(2)} |`;
});
const first = results[0] as SimResult;
const machine = describeMachine({ note: 'shared machine; the decision rate is CPU time in the scheduler only' });
const md = `# Fleet simulation: the broker's scheduler over ${first.endpoints} endpoints

${machine.date}, ${machine.cpu} x${machine.cores}, Node ${machine.node}. A discrete-event simulation (\`apps/bench/src/sim/\`) that drives
the real \`createScheduler\` with the simulation's clock: ${first.endpoints} endpoints in three pools (GPU 10%, CPU 60%, spot CPU 30%),
${Number(values.clients).toLocaleString('en-US')} clients at ${values['rate-per-client']} req/s each (Poisson, ${first.arrivalsPerS} req/s), ${first.requests.toLocaleString('en-US')} requests
(${first.simulatedS.toFixed(0)} simulated seconds), the placement bench's mix of models and deadlines. A simulation, not a measurement of
hardware: service times are the pools' roofline priors times a bias the scheduler has to learn, with noise.
${preemption ? `Spot preemptions: one every ${preemption.everyS} s on average (Poisson) on a random spot endpoint, which takes no new work from the notice and goes ${preemption.noticeS} s later, its requests placed again within what is left of their deadline (that endpoint excluded) or lost${preemption.replaceAfterS !== undefined ? `; a replacement joins ${preemption.replaceAfterS} s after` : ''}.\n` : ''}
\`node --conditions=source --import tsx apps/bench/src/sim/sim-bench.ts --endpoints ${values.endpoints} --clients ${values.clients} --rate-per-client ${values['rate-per-client']} --requests ${values.requests}${preemption ? ` --preempt-every-s ${preemption.everyS} --notice-s ${preemption.noticeS}${preemption.replaceAfterS !== undefined ? ` --replace-after-s ${preemption.replaceAfterS}` : ''}` : ''}\`

| policy | deadlines met | spot endpoints preempted | requests placed again | requests lost | interactive met | batch met | refused | cost per 1,000 ($) | placed on | decisions/s (one core) | scheduler us per request |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Broker replicas the arrival rate needs for scheduling alone, at half a core each: ${results.map((r) => `${r.policy} ${Math.ceil(r.arrivalsPerS / (0.5 * r.decisionsPerS))}`).join(', ')}.
Proxying the requests costs a broker far more CPU than deciding where they go (see the broker overhead results).
`;
mkdirSync(values.out, { recursive: true });
writeFileSync(
  join(values.out, 'fleet-sim.json'),
  `${JSON.stringify({ machine, options: { ...values, out: relative(ROOT, values.out) }, results }, null, 2)}\n`,
);
writeFileSync(join(values.out, 'fleet-sim.md'), md);
console.log(md);
