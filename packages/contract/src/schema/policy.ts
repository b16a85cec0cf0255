import { type Static, Type } from '@sinclair/typebox';
import { ROUTING_MODES } from '../policy/thresholds.js';
import { NonNegative, Positive } from './common.js';

export const RoutingMode = Type.Union(
  ROUTING_MODES.map((m) => Type.Literal(m)),
  { $id: 'RoutingMode', errorMessage: `expected one of ${ROUTING_MODES.join(', ')}` },
);
export type RoutingMode = Static<typeof RoutingMode>;

/**
 * `any`: the input may go to the cloud. `local-only`: nothing leaves the device. `no-raw-input`: the raw
 * input never leaves the device, but a cut's activations may (split routes only). Activations are not
 * anonymous: they can still reveal information about the input, the earlier the cut the more.
 */
export const Privacy = Type.Union([Type.Literal('any'), Type.Literal('local-only'), Type.Literal('no-raw-input')], {
  errorMessage: 'expected "any", "local-only" or "no-raw-input"',
});
export type Privacy = Static<typeof Privacy>;

export const RoutingThresholds = Type.Object(
  {
    /** Largest model (bytes of its files) the SDK will download and run on the device. */
    maxLocalModelBytes: Type.Integer({ minimum: 0 }),
    /**
     * Devices measuring fewer GFLOPS than this do not run models locally in `auto` mode. The unit is the
     * SDK probe's: a scalar JavaScript matrix multiply, which reads 0.3-2 on phones and laptops (wasm SIMD
     * and WebGPU run several times faster), so only very slow or very busy devices fall under the default.
     */
    minDeviceGflops: NonNegative,
    /** Default latency budget of a request. */
    latencyBudgetMs: Positive,
    privacy: Privacy,
    mode: RoutingMode,
  },
  { $id: 'RoutingThresholds', additionalProperties: false },
);
export type RoutingThresholds = Static<typeof RoutingThresholds>;

/** A policy: global thresholds overridden in part per model. */
export const RoutingPolicy = Type.Object(
  {
    ...Type.Partial(RoutingThresholds).properties,
    models: Type.Optional(Type.Record(Type.String(), Type.Partial(RoutingThresholds, { additionalProperties: false }))),
  },
  { $id: 'RoutingPolicy', additionalProperties: false },
);
export type RoutingPolicy = Static<typeof RoutingPolicy>;
