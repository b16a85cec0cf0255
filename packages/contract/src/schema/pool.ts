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

export const ENDPOINT_KINDS = ['worker', 'triton', 'kserve'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];
const EndpointKindSchema = Type.Union(
  ENDPOINT_KINDS.map((k) => Type.Literal(k)),
  { errorMessage: `expected one of ${ENDPOINT_KINDS.join(', ')}` },
);

export const Endpoint = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', errorMessage: 'expected an http(s) URL' }),
    /**
     * Kind of server: our worker, Triton or KServe. All speak OIP v2; the kind picks how the broker
     * names versions there and how it probes health (packages/broker/src/pools). @default 'worker'
     */
    kind: Type.Optional(EndpointKindSchema),
  },
  { additionalProperties: false },
);
export type Endpoint = Static<typeof Endpoint>;

/**
 * Endpoints found in DNS instead of listed: a Kubernetes headless Service's A records (one per ready
 * pod) or SRV records, resolved again every `intervalMs`. Endpoints that appear join the pool once a
 * readiness probe passes; endpoints that disappear take no new work and finish what they have.
 */
export const DnsDiscovery = Type.Object(
  {
    /** The name to resolve, e.g. `splitflow-worker-gpu.splitflow.svc.cluster.local`. */
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', errorMessage: 'expected a DNS name' }),
    /** `A`: addresses, with `port`; `SRV`: targets with their ports. @default A */
    record: Type.Optional(Type.Union([Type.Literal('A'), Type.Literal('SRV')], { errorMessage: 'expected "A" or "SRV"' })),
    /** Port of every address, for A records. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, errorMessage: 'expected a port in [1, 65535]' })),
    /** @default http */
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')], { errorMessage: 'expected "http" or "https"' })),
    /** @default 5000 */
    intervalMs: Type.Optional(Positive),
    /** Kind of server the names point at, as `endpoints[].kind`. @default 'worker' */
    kind: Type.Optional(EndpointKindSchema),
    /** DNS servers to ask (`host:port`) instead of the system's: tests, or a cluster DNS reached from outside. */
    servers: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  },
  { $id: 'DnsDiscovery', additionalProperties: false },
);
export type DnsDiscovery = Static<typeof DnsDiscovery>;

export const PoolConfig = Type.Object(
  {
    name: Identifier,
    hardware: HardwareClass,
    protocol: Type.Literal('oip-v2', { errorMessage: 'expected "oip-v2"' }),
    /** Endpoints listed by hand; with `discovery` these are joined by those found or registered. One of the two is required. */
    endpoints: Type.Optional(Type.Array(Endpoint, { minItems: 1 })),
    discovery: Type.Optional(
      Type.Object(
        {
          dns: Type.Optional(DnsDiscovery),
          /** Workers may join this pool by registering with the broker (`splitflow-worker --register`) and heartbeating. */
          register: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    costPerHour: NonNegative,
    /** Requests in flight per endpoint before the pool counts as full. */
    maxConcurrency: Type.Integer({ minimum: 1 }),
    /** Model ids the pool serves. */
    models: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    throughput: Type.Optional(Throughput),
    /**
     * Spot or preemptible capacity: cheaper, and taken away at short notice. Batch and async work may be
     * placed here like anywhere; interactive work only when no other pool meets its deadline.
     */
    preemptible: Type.Optional(Type.Boolean()),
    /**
     * Memory one endpoint has for a model, GiB (GPU memory on GPUs, host memory on CPUs). A request whose
     * parameters and activations at its batch size (the manifest's cost profile) exceed it is never placed here.
     */
    memoryGiB: Type.Optional(Positive),
    /**
     * The version this pool serves of a model, by model id, where it names versions differently from
     * the catalog (Triton's are integers: `{ "resnet": "1" }`). Requests are forwarded with it; a
     * Triton or KServe pool without an entry gets the unversioned path (its own version policy). Our
     * workers serve the catalog's versions and need none.
     */
    versions: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }))),
    /** Bounded queue per pool; beyond it requests are refused with 503. */
    maxQueue: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { $id: 'PoolConfig', additionalProperties: false },
);
export type PoolConfig = Static<typeof PoolConfig>;
