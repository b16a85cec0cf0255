import { lookupServedModel } from '@splitflow/contract';
import type { ModelRegistry, ServedModel } from '../models/model-registry.js';

/** The model a route names; an unknown name or version is MODEL_NOT_FOUND. */
export function lookupModel(registry: ModelRegistry, name: string, version: string | undefined): ServedModel {
  return lookupServedModel(
    name,
    version,
    registry.get(name),
    (m) => m.manifest,
    () => registry.list().map((m) => m.manifest.id),
  );
}
