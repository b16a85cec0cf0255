// @splitflow/contract/core: the contract without its schema code. Types, constants, codecs, errors,
// estimators and precompiled checks, none of which imports TypeBox, so a browser bundle of a client
// carries no schema compiler. Validators that report every issue live in the full entry (index.ts),
// which re-exports all of this.

export {
  DATATYPE_INFO,
  type DataByType,
  type DatatypeInfo,
  datatypeFromOrt,
  elementCount,
  type FixedDatatype,
  isDatatype,
  type TensorData,
} from './codec/datatype.js';
export { DATATYPES } from './codec/datatypes.js';
export { decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from './codec/fp16.js';
export {
  type BinaryChoice,
  DEFAULT_BINARY_THRESHOLD,
  type DecodedInferRequest,
  type DecodedInferResponse,
  type DecodeRequestOptions,
  decodeInferRequest,
  decodeInferResponse,
  type EncodedBody,
  encodeInferRequest,
  encodeInferResponse,
  type InferRequestInit,
  type InferResponseInit,
  splitBody,
} from './codec/infer-codec.js';
export { fromOrtTensor, type OrtTensorClass, type OrtTensorLike, toOrtTensor } from './codec/ort-tensor.js';
export {
  bytesFromStrings,
  checkTensor,
  countLeaves,
  type NamedTensor,
  stringsFromBytes,
  type Tensor,
  tensorFromBytes,
  tensorFromJson,
  tensorToBytes,
  tensorToJson,
} from './codec/tensor.js';
export { checkValueRange } from './codec/value-range.js';
export { ERROR_CODES, type ErrorCode, isErrorCode } from './errors/codes.js';
export { httpErrorOf, rawErrorResponse } from './errors/http-errors.js';
export { codeForStatus, isSplitflowError, type SerializedError, SplitflowError, type SplitflowErrorOptions } from './errors/splitflow-error.js';
export { bindInputs, type DimBinding, dimSize, evalTerms, type ShapedInput } from './estimate/cost-terms.js';
export {
  BYTES_ELEMENT_ESTIMATE,
  type CloudEstimateInput,
  cloudMs,
  computeMs,
  costUsd,
  ewma,
  exchangeMs,
  type Link,
  type LocalEstimateInput,
  localMs,
  responseBytes,
  tensorBytes,
  transferMs,
  type WorkEstimate,
  workOf,
} from './estimate/latency.js';
export { lookupServedModel, modelMetadata } from './model/served-model.js';
export { sha256Hex, verifyModelFile } from './model/verify-model-file.js';
export { DEFAULT_THRESHOLDS, ROUTING_MODES, resolveThresholds } from './policy/thresholds.js';
export { isDeviceProfile, isInferenceRequest, isInferenceResponse, isModelCatalog, isRoutingPolicy } from './precompiled/checks.js';
export { mulberry32 } from './random.js';
export type {
  AnonymousAccess,
  AutoscaleConfig,
  BrokerConfig,
  BrokerLimits,
  BrokerPool,
  CorsConfig,
  HealthConfig,
  JobsConfig,
  LinkConfig,
  PlacementPolicy,
  RateLimit,
  RegistrationConfig,
  TenantConfig,
} from './schema/broker-config.js';
export type { ModelCatalog } from './schema/catalog.js';
export type { Datatype, Dim } from './schema/common.js';
export type { DeviceProfile, NetworkInfo, WebGpuInfo } from './schema/device.js';
export { NOT_READY_HEADER, NOT_READY_STATUS } from './schema/health.js';
export { DEADLINE_HEADER, LOAD_HEADERS, type LoadReport, readLoadHeaders } from './schema/load-headers.js';
export type {
  CostProfile,
  CostTerm,
  CutEncoding,
  CutEncodingInfo,
  CutPoint,
  ModelFile,
  ModelFormat,
  ModelManifest,
  ModelVariant,
  Precision,
  TensorSpec,
} from './schema/manifest.js';
export type {
  ErrorResponse,
  InferenceRequest,
  InferenceResponse,
  MetadataTensor,
  ModelMetadata,
  Parameters,
  RequestInput,
  RequestOutput,
  ResponseOutput,
  ServerMetadata,
  TensorData as OipTensorData,
} from './schema/oip.js';
export type { Privacy, RoutingMode, RoutingPolicy, RoutingThresholds } from './schema/policy.js';
export type { DnsDiscovery, Endpoint, EndpointKind, HardwareClass, PoolConfig, Throughput } from './schema/pool.js';
export { checkCatalogSemantics, checkManifestSemantics, checkPoolSemantics, type ValidationIssue } from './semantics.js';
export { validateCatalogLazily, validatePolicyLazily } from './validate-lazily.js';
export {
  BINARY_CONTENT_TYPE,
  BINARY_DATA,
  BINARY_DATA_SIZE,
  BINARY_HEADER,
  PRIORITIES,
  type Priority,
  type RouteInfo,
  readRouteInfo,
  SPLITFLOW_PARAMS,
} from './wire/oip-params.js';
