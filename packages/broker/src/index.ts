// @splitflow/broker: the OIP v2 front door that places each request on the cheapest pool meeting its deadline.

// The catalog file the broker starts from, read as the worker reads it.
export { readCatalogFile as readCatalog } from '@splitflow/server-kit';
export { type Admission, ANONYMOUS, createTenantRegistry, type Tenant, type TenantRegistry } from './admission/tenants.js';
export { createTokenBucket, type TokenBucket } from './admission/token-bucket.js';
export { type CapacityOptions, type CapacityPlan, planCapacity } from './autoscale/capacity-planner.js';
export { createLocalSupervisor, type Launched, type LocalSupervisor, type LocalSupervisorOptions } from './autoscale/local-supervisor.js';
export { BROKER_VERSION, type Broker, type BuildBrokerOptions, buildBroker, DEFAULT_BODY_LIMIT_BYTES } from './build-broker.js';
export { indexModels } from './catalog/model-index.js';
export { type LoadedConfig, loadBrokerConfig } from './config/load-config.js';
export { createDnsDiscovery, type Discovery } from './discovery/dns-discovery.js';
export { createEndpointRegistry, type EndpointRegistry } from './discovery/registration.js';
export { createHealthChecker, type HealthChecker } from './health/health-checker.js';
export { MODES, type Mode, type ParsedInfer, parseInfer } from './http/parse-infer.js';
export type { Job, JobRequest, JobResult, JobStatus, JobStore } from './jobs/job-store.js';
export { createMemoryJobStore } from './jobs/memory-store.js';
export { createSqliteJobStore } from './jobs/sqlite-store.js';
export { createLogger, type Logger } from './observability/logger.js';
export { type BrokerMetrics, createMetrics } from './observability/metrics.js';
export { createUpstream, type Upstream, type UpstreamRequest, type UpstreamResponse } from './proxy/upstream.js';
export { BATCH_BUCKETS, batchBucket, DEFAULT_THROUGHPUT, type EndpointState, LOOPBACK_LINK, type PoolState } from './scheduler/pool-state.js';
export {
  createScheduler,
  DECISION_REASONS,
  type Decision,
  type DecisionReason,
  type Observation,
  type PlacementRequest,
  type Scheduler,
  type SchedulerOptions,
} from './scheduler/scheduler.js';
