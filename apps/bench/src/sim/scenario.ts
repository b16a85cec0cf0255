import type { ModelCatalog } from '@splitflow/contract';
import type { SimClass, SimOptions, SimPool } from './simulate.js';

/**
 * The placement bench's mix (tiny, vision-s, text-m and large, interactive and batch) over three
 * pools: GPUs, on-demand CPUs and spot CPUs, in the proportions `endpoints` asks for. Biases make
 * the truth differ from the scheduler's priors: the GPU pool's fixed cost is worse than seeded,
 * the CPUs somewhat slower.
 */
export function fleetScenario(catalog: ModelCatalog, endpoints: number): Pick<SimOptions, 'catalog' | 'pools' | 'classes'> {
  const n = (share: number) => Math.max(1, Math.round(endpoints * share));
  const pools: SimPool[] = [
    { name: 'gpu', hardware: 'gpu', endpoints: n(0.1), maxConcurrency: 16, costPerHour: 3.5, bias: 1.2 },
    { name: 'cpu', hardware: 'cpu', endpoints: n(0.6), maxConcurrency: 4, costPerHour: 0.4, bias: 1.3 },
    { name: 'cpu-spot', hardware: 'cpu', endpoints: n(0.3), maxConcurrency: 4, costPerHour: 0.12, preemptible: true, bias: 1.3 },
  ];
  const classes: SimClass[] = [
    { model: 'tiny', dims: { batch: 1 }, priority: 'interactive', deadlineMs: 20, weight: 0.5 },
    { model: 'vision-s', dims: { batch: 1 }, priority: 'interactive', deadlineMs: 150, weight: 0.2 },
    { model: 'text-m', dims: { batch: 1, seq: 128 }, priority: 'interactive', deadlineMs: 300, weight: 0.1 },
    { model: 'large', dims: { batch: 1 }, priority: 'interactive', deadlineMs: 60, weight: 0.1 },
    { model: 'vision-s', dims: { batch: 8 }, priority: 'batch', deadlineMs: 5000, weight: 0.05 },
    { model: 'large', dims: { batch: 64 }, priority: 'batch', deadlineMs: 5000, weight: 0.05 },
  ];
  return { catalog, pools, classes };
}
