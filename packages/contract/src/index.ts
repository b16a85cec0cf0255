// @splitflow/contract: the one description of models, thresholds and the wire format. Pure: no I/O.

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
export { compileValidator } from './compile-validator.js';
export { ERROR_CODES, type ErrorCode, isErrorCode } from './errors/codes.js';
export { httpErrorOf, rawErrorResponse } from './errors/http-errors.js';
export { codeForStatus, isSplitflowError, type SerializedError, SplitflowError, type SplitflowErrorOptions } from './errors/splitflow-error.js';
export { bindInputs, type DimBinding, evalTerms, type ShapedInput } from './estimate/cost-terms.js';
export {
  type CloudEstimateInput,
  cloudMs,
  computeMs,
  costUsd,
  ewma,
  exchangeMs,
  type Link,
  type LocalEstimateInput,
  localMs,
  tensorBytes,
  transferMs,
  type WorkEstimate,
  workOf,
} from './estimate/latency.js';
export { mulberry32 } from './random.js';
export {
  AnonymousAccess,
  AutoscaleConfig,
  BrokerConfig,
  BrokerLimits,
  BrokerPool,
  CorsConfig,
  HealthConfig,
  JOB_STORES,
  JobsConfig,
  LinkConfig,
  PLACEMENT_POLICIES,
  type PlacementPolicy,
  RATE_LIMIT_STORES,
  RateLimit,
  RegistrationConfig,
  TenantConfig,
} from './schema/broker-config.js';
export { ModelCatalog } from './schema/catalog.js';
export { DATATYPES, Datatype, DIM_NAME_PATTERN, Dim } from './schema/common.js';
export { DeviceProfile, NetworkInfo, WebGpuInfo } from './schema/device.js';
export { NOT_READY_HEADER, NOT_READY_STATUS } from './schema/health.js';
export { DEADLINE_HEADER, LOAD_HEADERS, type LoadReport, readLoadHeaders } from './schema/load-headers.js';
export {
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
export {
  BINARY_CONTENT_TYPE,
  BINARY_DATA,
  BINARY_DATA_SIZE,
  BINARY_HEADER,
  ErrorResponse,
  InferenceRequest,
  InferenceResponse,
  MetadataTensor,
  ModelMetadata,
  Parameters,
  PRIORITIES,
  type Priority,
  RequestInput,
  RequestOutput,
  ResponseOutput,
  type RouteInfo,
  readRouteInfo,
  ServerMetadata,
  SPLITFLOW_PARAMS,
  TensorData as OipTensorData,
} from './schema/oip.js';
export {
  DEFAULT_THRESHOLDS,
  Privacy,
  ROUTING_MODES,
  RoutingMode,
  RoutingPolicy,
  RoutingThresholds,
  resolveThresholds,
} from './schema/policy.js';
export { DnsDiscovery, ENDPOINT_KINDS, Endpoint, type EndpointKind, HARDWARE_CLASSES, HardwareClass, PoolConfig, Throughput } from './schema/pool.js';
export {
  check,
  checkManifestSemantics,
  checkPoolSemantics,
  formatPath,
  parseCatalogJson,
  type ValidationIssue,
  validate,
  validateCatalog,
  validateDeviceProfile,
  validateInferenceRequest,
  validateManifest,
  validatePolicy,
  validatePoolConfig,
} from './validate.js';
export { checkBrokerConfigSemantics, validateBrokerConfig } from './validate-broker-config.js';
