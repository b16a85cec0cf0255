import { SplitflowError } from '../errors/splitflow-error.js';
import type { ModelManifest, TensorSpec } from '../schema/manifest.js';
import type { MetadataTensor, ModelMetadata } from '../schema/oip.js';

/**
 * The served model a request names, at the version it names (when it names one), or MODEL_NOT_FOUND
 * saying what is served: the broker and the worker answer an unknown name or version alike.
 * `found` is what the server's index holds under `name`; `manifestOf` reads its manifest.
 */
export function lookupServedModel<T>(
  name: string,
  version: string | undefined,
  found: T | undefined,
  manifestOf: (model: T) => Pick<ModelManifest, 'version'>,
  served: () => Iterable<string>,
): T {
  if (found === undefined) {
    const ids = [...served()];
    throw new SplitflowError('MODEL_NOT_FOUND', {
      message: `no model "${name}" is served here; models: ${ids.length > 0 ? ids.join(', ') : '(none)'}`,
      details: { model: name },
    });
  }
  const servedVersion = manifestOf(found).version;
  if (version !== undefined && version !== servedVersion) {
    throw new SplitflowError('MODEL_NOT_FOUND', {
      message: `model "${name}" has no version "${version}"; it serves version ${servedVersion}`,
      details: { model: name, version },
    });
  }
  return found;
}

// OIP metadata writes a variable dim as -1.
const metadataTensor = (t: TensorSpec): MetadataTensor => ({ name: t.name, datatype: t.datatype, shape: t.shape.map((d) => (typeof d === 'number' ? d : -1)) });

/**
 * A model's OIP metadata (`GET /v2/models/{name}`): names, version and tensors are the manifest's,
 * since they are what clients address and what requests are checked against; the platform and the
 * properties are the server's own.
 */
export function modelMetadata(manifest: ModelManifest, platform: string, properties: Record<string, string>): ModelMetadata {
  return {
    name: manifest.id,
    versions: [manifest.version],
    platform,
    inputs: manifest.inputs.map(metadataTensor),
    outputs: manifest.outputs.map(metadataTensor),
    properties,
  };
}
