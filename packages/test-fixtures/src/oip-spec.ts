import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BINARY_HEADER, splitBody } from '@splitflow/contract';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

// Test support: validates response bodies against the components of the committed OIP REST spec
// (packages/contract/spec/open_inference_rest.yaml), unchanged, with one stated relaxation: in a
// Triton binary-extension response, an output carrying `parameters.binary_data_size` may omit `data`
// (its data follows the JSON header). JSON responses are validated against the spec as it is.

const specPath = fileURLToPath(new URL('../../contract/spec/open_inference_rest.yaml', import.meta.url));
const spec = parse(readFileSync(specPath, 'utf8')) as { components: { schemas: Record<string, Record<string, unknown>> } };
const schemas = spec.components.schemas;

const responseOutput = schemas.response_output as { required: string[]; properties: Record<string, unknown> };
const binaryOutput = {
  ...responseOutput,
  title: 'response_output_binary (relaxed: data travels after the header)',
  required: [...responseOutput.required.filter((r) => r !== 'data'), 'parameters'],
  properties: {
    ...responseOutput.properties,
    parameters: { type: 'object', required: ['binary_data_size'], properties: { binary_data_size: { type: 'integer', minimum: 0 } } },
  },
  not: { required: ['data'] },
};
const inferenceResponse = schemas.inference_response as { properties: Record<string, unknown> };
const binaryResponse = {
  ...inferenceResponse,
  title: 'inference_response with binary outputs',
  properties: {
    ...inferenceResponse.properties,
    outputs: { type: 'array', items: { anyOf: [{ $ref: '#/components/schemas/response_output' }, { $ref: '#/components/schemas/response_output_binary' }] } },
  },
};

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'oip', components: { schemas } });
ajv.addSchema({ $id: 'oip-binary', components: { schemas: { ...schemas, response_output_binary: binaryOutput, inference_response: binaryResponse } } });

export type OipSchemaName =
  | 'metadata_server_response'
  | 'metadata_server_error_response'
  | 'metadata_model_response'
  | 'metadata_model_error_response'
  | 'inference_response'
  | 'inference_error_response';

const cache = new Map<string, ValidateFunction>();
function validator(doc: 'oip' | 'oip-binary', name: OipSchemaName): ValidateFunction {
  const key = `${doc}#/components/schemas/${name}`;
  let fn = cache.get(key);
  if (!fn) {
    fn = ajv.getSchema(key) as ValidateFunction;
    if (!fn) throw new Error(`no schema ${key}`);
    cache.set(key, fn);
  }
  return fn;
}

/** Issues found validating `value` against the spec's schema `name` (empty: valid). */
export function oipIssues(name: OipSchemaName, value: unknown, binary = false): string[] {
  const fn = validator(binary ? 'oip-binary' : 'oip', name);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
}

export interface ResponseLike {
  headers: Record<string, string | string[] | number | undefined>;
  rawPayload: Buffer;
}

/**
 * The JSON header of a response, and whether it used the binary extension. Throws if the body is not
 * JSON or the binary header length is wrong.
 */
export function responseHeader(res: ResponseLike): { header: unknown; binary: boolean } {
  const length = res.headers[BINARY_HEADER];
  const { header } = splitBody(new Uint8Array(res.rawPayload), length === undefined ? undefined : String(length));
  return { header, binary: length !== undefined };
}

/** Issues of a response body against the spec (binary responses: their JSON header, relaxed as above). */
export function responseIssues(name: OipSchemaName, res: ResponseLike): string[] {
  const { header, binary } = responseHeader(res);
  return oipIssues(name, header, binary);
}
