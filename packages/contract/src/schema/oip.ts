import { type Static, Type } from '@sinclair/typebox';

/**
 * Open Inference Protocol v2 REST bodies, as in the spec's components (open_inference_rest.yaml).
 * Where the spec is loose (`parameters` is any object, `tensor_data` is nested arrays of scalars)
 * these schemas are exactly as loose; Splitflow's own fields live in `parameters` under `splitflow.`.
 */
export const Parameters = Type.Record(Type.String(), Type.Unknown(), { $id: 'OipParameters' });
export type Parameters = Static<typeof Parameters>;

const Scalar = Type.Union([Type.Number(), Type.String(), Type.Boolean()]);
export const TensorData = Type.Array(Type.Union([Scalar, Type.Array(Type.Unknown())]), { $id: 'OipTensorData' });
export type TensorData = Static<typeof TensorData>;

const Shape = Type.Array(Type.Integer({ minimum: 0, errorMessage: 'expected integer >= 0' }));

export const RequestInput = Type.Object(
  {
    name: Type.String(),
    shape: Shape,
    datatype: Type.String(),
    parameters: Type.Optional(Parameters),
    /** Absent when the tensor travels in the binary extension (`parameters.binary_data_size`). */
    data: Type.Optional(TensorData),
  },
  { $id: 'OipRequestInput' },
);
export type RequestInput = Static<typeof RequestInput>;

export const RequestOutput = Type.Object({ name: Type.String(), parameters: Type.Optional(Parameters) }, { $id: 'OipRequestOutput' });
export type RequestOutput = Static<typeof RequestOutput>;

export const InferenceRequest = Type.Object(
  {
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Parameters),
    inputs: Type.Array(RequestInput),
    outputs: Type.Optional(Type.Array(RequestOutput)),
  },
  { $id: 'OipInferenceRequest' },
);
export type InferenceRequest = Static<typeof InferenceRequest>;

export const ResponseOutput = Type.Object(
  {
    name: Type.String(),
    shape: Shape,
    datatype: Type.String(),
    parameters: Type.Optional(Parameters),
    data: Type.Optional(TensorData),
  },
  { $id: 'OipResponseOutput' },
);
export type ResponseOutput = Static<typeof ResponseOutput>;

export const InferenceResponse = Type.Object(
  {
    model_name: Type.String(),
    model_version: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Parameters),
    outputs: Type.Array(ResponseOutput),
  },
  { $id: 'OipInferenceResponse' },
);
export type InferenceResponse = Static<typeof InferenceResponse>;

export const ErrorResponse = Type.Object({ error: Type.String(), code: Type.Optional(Type.String()) }, { $id: 'OipErrorResponse' });
export type ErrorResponse = Static<typeof ErrorResponse>;

export const ServerMetadata = Type.Object({ name: Type.String(), version: Type.String(), extensions: Type.Array(Type.String()) }, { $id: 'OipServerMetadata' });
export type ServerMetadata = Static<typeof ServerMetadata>;

export const MetadataTensor = Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) }, { $id: 'OipMetadataTensor' });
export type MetadataTensor = Static<typeof MetadataTensor>;

export const ModelMetadata = Type.Object(
  {
    name: Type.String(),
    versions: Type.Optional(Type.Array(Type.String())),
    platform: Type.String(),
    inputs: Type.Optional(Type.Array(MetadataTensor)),
    outputs: Type.Optional(Type.Array(MetadataTensor)),
    properties: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { $id: 'OipModelMetadata' },
);
export type ModelMetadata = Static<typeof ModelMetadata>;
