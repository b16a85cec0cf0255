import { BINARY_HEADER, costUsd, DEADLINE_HEADER, isSplitflowError, SPLITFLOW_PARAMS, SplitflowError } from '@splitflow/contract';
import type { ByteBudget } from '../admission/byte-budget.js';
import type { HealthChecker } from '../health/health-checker.js';
import type { Logger } from '../observability/logger.js';
import type { BrokerMetrics } from '../observability/metrics.js';
import type { EndpointState } from '../scheduler/pool-state.js';
import type { Decision, Observation, PlacementRequest, Scheduler } from '../scheduler/scheduler.js';
import { openResponse, withRoute } from './route-info.js';
import type { Upstream, UpstreamResponse } from './upstream.js';

/** One inference request on its way to a pool, whether it came in sync or from the job queue. */
export interface DispatchInput {
  model: string;
  version?: string;
  /** As received: one buffer (jobs) or the chunks it arrived in (sync requests). */
  body: Buffer | readonly Buffer[];
  contentType: string;
  headerLength?: string;
  placement: Omit<PlacementRequest, 'exclude' | 'deadlineMs'>;
  /** `performance.now()` by which the answer is due. */
  deadlineAt: number;
  requestId: string;
  traceparent?: string;
  tracestate?: string;
}

/** The one answer the client sees: an upstream answer (any status), with route fields on success. */
export interface DispatchResult {
  status: number;
  body: Buffer;
  contentType: string;
  headerLength?: string;
  headers: Record<string, string>;
  decision: Decision;
  attempts: number;
}

export interface DispatcherOptions {
  scheduler: Scheduler;
  upstream: Upstream;
  health: HealthChecker;
  metrics: BrokerMetrics;
  logger: Logger;
  maxAttempts: number;
  upstreamTimeoutMs: number;
  /** Name the endpoint's (internal) URL in answers as `splitflow.endpoint`. @default false */
  endpointInAnswers?: boolean;
  /** Request bytes in flight per pool. @default unbounded */
  poolBytes?: ByteBudget;
}

export interface Dispatcher {
  dispatch(input: DispatchInput): Promise<DispatchResult>;
}

/** 5xx answers that say the endpoint is broken rather than busy count against its health. */
const isFault = (status: number) => status >= 500 && status !== 503;

export function createDispatcher(o: DispatcherOptions): Dispatcher {
  const { scheduler, upstream, health, metrics, logger } = o;

  async function dispatch(input: DispatchInput): Promise<DispatchResult> {
    const exclude = new Set<EndpointState>();
    const headers: Record<string, string> = { 'content-type': input.contentType, 'x-request-id': input.requestId };
    if (input.headerLength !== undefined) headers[BINARY_HEADER] = input.headerLength;
    if (input.traceparent !== undefined) headers.traceparent = input.traceparent;
    if (input.tracestate !== undefined) headers.tracestate = input.tracestate;
    let lastFailure: SplitflowError | undefined;
    let lastAnswer: { res: UpstreamResponse; decision: Decision; attempt: number } | undefined;
    const hard = input.placement.hardDeadline;

    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      let decision: Decision;
      try {
        decision = scheduler.decide({ ...input.placement, deadlineMs: input.deadlineAt - performance.now(), exclude });
      } catch (error) {
        // Out of places to try: the client gets the failure that sent us looking, not the refusal.
        if (attempt > 1 && isSplitflowError(error)) break;
        throw error;
      }
      const { pool, endpoint } = decision;
      // Each kind of server names versions its own way (pools/): Triton's "1" for the catalog's "1.0.0".
      const path = endpoint.adapter.modelPath(input.model, input.version, '/infer');
      metrics.decisions.inc({ pool: pool.name, reason: decision.reason });
      if (attempt > 1) metrics.retries.inc({ pool: pool.name });
      // Bytes first: a pool whose byte budget is full refuses before any slot is taken.
      const bodyBytes = Buffer.isBuffer(input.body) ? input.body.length : input.body.reduce((n, c) => n + c.length, 0);
      const releaseBytes =
        o.poolBytes?.take(
          pool.name,
          bodyBytes,
          () => new SplitflowError('OVERLOADED', { message: `pool "${pool.name}" holds its limit of request bytes in flight`, retryAfterS: 1 }),
        ) ?? (() => {});
      scheduler.begin(decision);
      const sentAt = performance.now();
      // A hard deadline bounds the wait: an answer after it is worth nothing to the client.
      const leftMs = input.deadlineAt - sentAt;
      const timeoutMs = Math.max(1, hard ? Math.min(o.upstreamTimeoutMs, leftMs) : o.upstreamTimeoutMs);
      // The worker refuses or drops what it cannot finish in time (other OIP servers ignore the header).
      if (hard) headers[DEADLINE_HEADER] = String(Math.max(1, Math.floor(leftMs - decision.transferMs)));
      let res: UpstreamResponse;
      try {
        res = await upstream.request(endpoint.url, { method: 'POST', path, headers, body: input.body, timeoutMs });
      } catch (error) {
        releaseBytes();
        scheduler.end(decision, input.model, input.placement.batch);
        if (hard && isSplitflowError(error, 'TIMEOUT') && timeoutMs < o.upstreamTimeoutMs) {
          // The client's deadline ran out, not the endpoint's patience: no retry (no time is left) and
          // nothing held against the endpoint.
          metrics.deadlineMisses.inc({ pool: pool.name });
          throw new SplitflowError('TIMEOUT', {
            message: `no answer from pool "${pool.name}" within the request's deadline`,
            details: { deadlineMs: Math.round(leftMs) },
            retryAfterS: 1,
          });
        }
        health.reportFailure(endpoint);
        exclude.add(endpoint);
        lastFailure = isSplitflowError(error) ? error : new SplitflowError('UPSTREAM_FAILED', { message: String(error) });
        lastAnswer = undefined;
        logger.warn(
          { reqId: input.requestId, pool: pool.name, endpoint: endpoint.url, attempt, err: lastFailure.message },
          'endpoint failed; trying elsewhere',
        );
        continue;
      }
      releaseBytes();
      const elapsedMs = performance.now() - sentAt;
      metrics.latency.observe({ pool: pool.name }, elapsedMs / 1000);
      if (res.status >= 500) {
        scheduler.end(decision, input.model, input.placement.batch);
        if (isFault(res.status)) health.reportFailure(endpoint);
        exclude.add(endpoint);
        lastAnswer = { res, decision, attempt };
        lastFailure = undefined;
        logger.warn(
          { reqId: input.requestId, pool: pool.name, endpoint: endpoint.url, attempt, status: res.status },
          'endpoint answered 5xx; trying elsewhere',
        );
        continue;
      }
      health.reportSuccess(endpoint);
      if (res.status >= 400) {
        // The request itself is wrong; another endpoint would say the same. Never retried.
        scheduler.end(decision, input.model, input.placement.batch);
        return passThrough(res, decision, attempt);
      }
      let opened: ReturnType<typeof openResponse>;
      try {
        opened = openResponse(res);
      } catch (error) {
        scheduler.end(decision, input.model, input.placement.batch);
        throw error;
      }
      const { report } = opened;
      // Servers that report no compute time (plain Triton, KServe) are measured from outside.
      const computeMs = report.computeUs !== undefined ? report.computeUs / 1000 : Math.max(0, elapsedMs - decision.transferMs);
      const observation: Observation = { computeMs, latencyMs: elapsedMs };
      if (report.queueDepth !== undefined) observation.queueDepth = report.queueDepth;
      if (report.batchSize !== undefined) observation.batchSize = report.batchSize;
      if (report.modelQueueDepth !== undefined) observation.modelQueueDepth = report.modelQueueDepth;
      if (report.loadUs !== undefined) observation.loadMs = report.loadUs / 1000;
      if (report.loadedModels !== undefined) observation.loadedModels = report.loadedModels;
      scheduler.end(decision, input.model, input.placement.batch, observation);
      // A merged run is shared: this request pays its rows' share of it.
      const share = report.batchSize !== undefined && report.batchSize > input.placement.batch ? input.placement.batch / report.batchSize : 1;
      const cost = costUsd(pool.costPerHour, computeMs * share, pool.maxConcurrency);
      metrics.costUsd.inc({ pool: pool.name }, cost);
      if (performance.now() > input.deadlineAt) metrics.deadlineMisses.inc({ pool: pool.name });
      const route: Record<string, string | number> = {
        [SPLITFLOW_PARAMS.pool]: pool.name,
        [SPLITFLOW_PARAMS.hardware]: pool.hardware,
        [SPLITFLOW_PARAMS.costUsd]: cost,
        [SPLITFLOW_PARAMS.reason]: decision.reason,
      };
      if (o.endpointInAnswers) route[SPLITFLOW_PARAMS.endpoint] = endpoint.url;
      if (report.queueUs !== undefined) route[SPLITFLOW_PARAMS.queueUs] = report.queueUs;
      if (report.computeUs !== undefined) route[SPLITFLOW_PARAMS.computeUs] = report.computeUs;
      const encoded = withRoute(opened, route);
      const result: DispatchResult = {
        status: res.status,
        body: encoded.body,
        contentType: encoded.contentType,
        headers: routeHeaders(decision, attempt),
        decision,
        attempts: attempt,
      };
      if (encoded.headerLength !== undefined) result.headerLength = encoded.headerLength;
      return result;
    }
    // The attempts really made: the loop stops early when no other endpoint is left to try.
    if (lastAnswer) return passThrough(lastAnswer.res, lastAnswer.decision, lastAnswer.attempt);
    throw lastFailure ?? new SplitflowError('NO_CAPACITY', { message: `no endpoint could serve "${input.model}"`, retryAfterS: 1 });
  }

  return { dispatch };
}

function routeHeaders(decision: Decision, attempts: number): Record<string, string> {
  return { 'splitflow-pool': decision.pool.name, 'splitflow-hardware': decision.pool.hardware, 'splitflow-attempts': String(attempts) };
}

function passThrough(res: UpstreamResponse, decision: Decision, attempts: number): DispatchResult {
  const contentType = res.headers['content-type'];
  const headerLength = res.headers[BINARY_HEADER];
  const retryAfter = res.headers['retry-after'];
  const headers = routeHeaders(decision, attempts);
  if (typeof retryAfter === 'string') headers['retry-after'] = retryAfter;
  const result: DispatchResult = {
    status: res.status,
    body: res.body,
    contentType: typeof contentType === 'string' ? contentType : 'application/json',
    headers,
    decision,
    attempts,
  };
  if (typeof headerLength === 'string') result.headerLength = headerLength;
  return result;
}
