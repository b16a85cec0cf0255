// @splitflow/server-kit: the HTTP server pieces the worker and the broker share.

export { asSplitflowError, JSON_TYPE, replyWithError, routeNotFound } from './error-reply.js';
export { fastHealthServer, type HealthAnswer, type HealthAnswers } from './health-fast-path.js';
export { boundPort, httpUrl } from './listen-address.js';
export { type MetricsExposure, type MetricsSource, registerMetricsRoute } from './metrics-route.js';
export { notReady } from './not-ready.js';
export { readCatalogFile } from './read-catalog.js';
export { redactUrl } from './redact-url.js';
export { onShutdownSignal, type SignalSource } from './shutdown-signals.js';
export { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, installWireGuards, type WireTimeouts, wireServerOptions } from './wire-guards.js';
