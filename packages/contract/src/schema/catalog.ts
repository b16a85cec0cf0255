import { type Static, Type } from '@sinclair/typebox';
import { ModelManifest } from './manifest.js';
import { RoutingPolicy, RoutingThresholds } from './policy.js';

export const ModelCatalog = Type.Object(
  {
    /** Bumped whenever any manifest changes; caches key on it. */
    catalogVersion: Type.Integer({ minimum: 1 }),
    thresholds: RoutingThresholds,
    /** Per-model overrides of the thresholds. */
    policy: Type.Optional(RoutingPolicy),
    models: Type.Array(ModelManifest),
  },
  { $id: 'ModelCatalog', additionalProperties: false },
);
export type ModelCatalog = Static<typeof ModelCatalog>;
