// @splitflow/contract: the one description of models, thresholds and the wire format. Pure: no I/O.
// Everything in ./core (no schema code), plus the TypeBox schemas, the validators that report every
// issue, and decoders whose header errors name the field. Servers and tools import this entry; a
// browser client imports `@splitflow/contract/core`.

export { decodeInferRequest, decodeInferResponse } from './codec/infer-codec-explained.js';
export { compileValidator } from './compile-validator.js';
export * from './core.js';
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
  RATE_LIMIT_STORES,
  RateLimit,
  RegistrationConfig,
  TenantConfig,
} from './schema/broker-config.js';
export { ModelCatalog } from './schema/catalog.js';
export { Datatype, DIM_NAME_PATTERN, Dim } from './schema/common.js';
export { DeviceProfile, NetworkInfo, WebGpuInfo } from './schema/device.js';
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
export { Privacy, RoutingMode, RoutingPolicy, RoutingThresholds } from './schema/policy.js';
export { DnsDiscovery, ENDPOINT_KINDS, Endpoint, HARDWARE_CLASSES, HardwareClass, PoolConfig, Throughput } from './schema/pool.js';
export {
  check,
  formatPath,
  parseCatalogJson,
  validate,
  validateCatalog,
  validateDeviceProfile,
  validateInferenceRequest,
  validateManifest,
  validatePolicy,
  validatePoolConfig,
} from './validate.js';
export { checkBrokerConfigSemantics, validateBrokerConfig } from './validate-broker-config.js';
