import { lookupServedModel, type ModelManifest } from '@splitflow/contract';

/** The manifest a request names (and, when it names one, at that version), or MODEL_NOT_FOUND. */
export function lookupModel(models: ReadonlyMap<string, ModelManifest>, name: string, version: string | undefined): ModelManifest {
  return lookupServedModel(
    name,
    version,
    models.get(name),
    (m) => m,
    () => models.keys(),
  );
}
