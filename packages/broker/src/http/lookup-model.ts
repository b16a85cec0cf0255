import { type ModelManifest, SplitflowError } from '@splitflow/contract';

/** The manifest a request names (and, when it names one, at that version), or MODEL_NOT_FOUND. */
export function lookupModel(models: ReadonlyMap<string, ModelManifest>, name: string, version: string | undefined): ModelManifest {
  const manifest = models.get(name);
  if (!manifest) throw new SplitflowError('MODEL_NOT_FOUND', { message: `no model "${name}" is served here`, details: { model: name } });
  if (version !== undefined && version !== manifest.version) {
    throw new SplitflowError('MODEL_NOT_FOUND', {
      message: `model "${name}" has version ${manifest.version}, not ${version}`,
      details: { model: name, version },
    });
  }
  return manifest;
}
