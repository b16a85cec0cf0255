import { httpErrorOf, type SplitflowError } from '@splitflow/contract';

/** Any thrown value as a SplitflowError: fastify's and Node's own errors get their codes from the contract's one table. */
export function asSplitflowError(error: unknown): SplitflowError {
  return httpErrorOf(error);
}
