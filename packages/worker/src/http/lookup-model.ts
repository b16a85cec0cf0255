import { SplitflowError } from '@splitflow/contract';
import type { ModelRegistry, ServedModel } from '../models/model-registry.js';

/** The model a route names; an unknown name or version is MODEL_NOT_FOUND. */
export function lookupModel(registry: ModelRegistry, name: string, version: string | undefined): ServedModel {
  const model = registry.get(name);
  if (!model) {
    const served = registry.list().map((m) => m.manifest.id);
    throw new SplitflowError('MODEL_NOT_FOUND', {
      message: `no model "${name}" is served here; models: ${served.length > 0 ? served.join(', ') : '(none)'}`,
      details: { model: name },
    });
  }
  if (version !== undefined && version !== model.manifest.version) {
    throw new SplitflowError('MODEL_NOT_FOUND', {
      message: `model "${name}" has no version "${version}"; it serves version ${model.manifest.version}`,
      details: { model: name, version },
    });
  }
  return model;
}
