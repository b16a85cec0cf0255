import { type Static, Type } from '@sinclair/typebox';
import { Identifier, NonNegative, Positive } from './common.js';

export const HARDWARE_CLASSES = ['gpu', 'tpu', 'cpu'] as const;
export const HardwareClass = Type.Union(
  HARDWARE_CLASSES.map((h) => Type.Literal(h)),
  { $id: 'HardwareClass', errorMessage: `expected one of ${HARDWARE_CLASSES.join(', ')}` },
);
export type HardwareClass = Static<typeof HardwareClass>;

/** Assumed speed of a target before any measurement; the estimator's input. */
export const Throughput = Type.Object(
  {
    gflops: Positive,
    /** Fixed cost of one run (kernel launches, dispatch), in ms. */
    fixedOverheadMs: NonNegative,
    /** Memory bandwidth for weights and activations, GB/s. */
    memoryGBps: Type.Optional(Positive),
  },
  { $id: 'Throughput', additionalProperties: false },
);
export type Throughput = Static<typeof Throughput>;

export const Endpoint = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', errorMessage: 'expected an http(s) URL' }),
    /** Kind of server, for adapters: our worker, Triton or KServe. All speak OIP v2. */
    kind: Type.Optional(Type.Union([Type.Literal('worker'), Type.Literal('triton'), Type.Literal('kserve')])),
  },
  { additionalProperties: false },
);
export type Endpoint = Static<typeof Endpoint>;

export const PoolConfig = Type.Object(
  {
    name: Identifier,
    hardware: HardwareClass,
    protocol: Type.Literal('oip-v2', { errorMessage: 'expected "oip-v2"' }),
    endpoints: Type.Array(Endpoint, { minItems: 1 }),
    costPerHour: NonNegative,
    /** Requests in flight per endpoint before the pool counts as full. */
    maxConcurrency: Type.Integer({ minimum: 1 }),
    /** Model ids the pool serves. */
    models: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    throughput: Type.Optional(Throughput),
    /** Bounded queue per pool; beyond it requests are refused with 503. */
    maxQueue: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { $id: 'PoolConfig', additionalProperties: false },
);
export type PoolConfig = Static<typeof PoolConfig>;
