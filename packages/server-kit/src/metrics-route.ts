import { timingSafeEqual } from 'node:crypto';
import { SplitflowError } from '@splitflow/contract';
import type { FastifyInstance } from 'fastify';

export interface MetricsExposure {
  /** @default true */
  metrics?: boolean;
  metricsToken?: string;
}

/** A Prometheus registry as the route needs it: its exposition format's content type and its text. */
export interface MetricsSource {
  contentType: string;
  render(): Promise<string>;
}

/**
 * `GET /metrics`: open by default (Prometheus scrapes without credentials, and KEDA/HPA read the
 * broker's capacity metric there); behind `Authorization: Bearer <metricsToken>` when one is
 * configured (compared in constant time); absent when turned off.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: MetricsSource, exposure: MetricsExposure = {}): void {
  if (exposure.metrics === false) return;
  const expected = exposure.metricsToken === undefined ? undefined : Buffer.from(`Bearer ${exposure.metricsToken}`);
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new SplitflowError('UNAUTHORIZED', { message: '/metrics needs the configured bearer token' });
      }
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });
}
