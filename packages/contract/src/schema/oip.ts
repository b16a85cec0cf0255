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

/** Splitflow's own request and response fields, carried in OIP `parameters`. */
export const SPLITFLOW_PARAMS = {
  deadlineMs: 'splitflow.deadline_ms',
  priority: 'splitflow.priority',
  mode: 'splitflow.mode',
  tenant: 'splitflow.tenant',
  requestId: 'splitflow.request_id',
  queueUs: 'splitflow.queue_us',
  computeUs: 'splitflow.compute_us',
  queueDepth: 'splitflow.queue_depth',
  modelQueueDepth: 'splitflow.model_queue_depth',
  batchSize: 'splitflow.batch_size',
  pool: 'splitflow.pool',
  hardware: 'splitflow.hardware',
  endpoint: 'splitflow.endpoint',
  costUsd: 'splitflow.cost_usd',
  reason: 'splitflow.reason',
  jobId: 'splitflow.job_id',
} as const;

/** Triton's binary tensor extension: header length, and the per-tensor parameters. */
export const BINARY_HEADER = 'inference-header-content-length';
export const BINARY_DATA_SIZE = 'binary_data_size';
export const BINARY_DATA = 'binary_data';
export const BINARY_CONTENT_TYPE = 'application/octet-stream';

export const PRIORITIES = ['interactive', 'batch'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Where a response ran and what it cost; the SDK shows it as the route. */
export interface RouteInfo {
  pool?: string;
  hardware?: string;
  endpoint?: string;
  queueUs?: number;
  computeUs?: number;
  costUsd?: number;
  reason?: string;
}

/** Reads the route fields from a response's parameters, ignoring anything of the wrong type. */
export function readRouteInfo(parameters: Parameters | undefined): RouteInfo {
  const p = parameters ?? {};
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const num = (k: string) => (typeof p[k] === 'number' && Number.isFinite(p[k]) ? (p[k] as number) : undefined);
  const info: RouteInfo = {
    pool: str(SPLITFLOW_PARAMS.pool),
    hardware: str(SPLITFLOW_PARAMS.hardware),
    endpoint: str(SPLITFLOW_PARAMS.endpoint),
    queueUs: num(SPLITFLOW_PARAMS.queueUs),
    computeUs: num(SPLITFLOW_PARAMS.computeUs),
    costUsd: num(SPLITFLOW_PARAMS.costUsd),
    reason: str(SPLITFLOW_PARAMS.reason),
  };
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)) as RouteInfo;
}
