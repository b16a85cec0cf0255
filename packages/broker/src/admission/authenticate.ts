import type { FastifyRequest } from 'fastify';
import type { BrokerMetrics } from '../observability/metrics.js';
import type { Tenant, TenantRegistry } from './tenants.js';

/** The tenant a request's `Authorization` names, or UNAUTHORIZED (counted as a refusal). */
export type Authenticate = (request: FastifyRequest) => Tenant;

export function createAuthenticate(tenants: TenantRegistry, metrics: BrokerMetrics): Authenticate {
  return (request) => {
    try {
      return tenants.authenticate(request.headers.authorization);
    } catch (error) {
      metrics.refusals.inc({ code: 'UNAUTHORIZED' });
      throw error;
    }
  };
}
