import { SplitflowError } from '@splitflow/contract';

/**
 * onnxruntime failures that the request's own values cause: an index past a table (token ids over the
 * vocabulary), shapes that do not broadcast, inputs the graph refuses. Such a failure is the client's
 * (400 INPUT_REJECTED): it is not retried elsewhere and does not count against the endpoint's health.
 * Any other runtime failure stays INFERENCE_FAILED (500).
 */
const INPUT_FAULTS: readonly RegExp[] = [
  /indices element out of data bounds/i,
  /index out of (?:range|bounds)/i,
  /Attempting to broadcast an axis by a dimension other than 1/i,
  /Got invalid dimensions for input/i,
  /Unexpected input data type/i,
  /Invalid rank for input/i,
  /invalid input shape/i,
];

/** The runtime's failure of one run as a SplitflowError; source paths of the runtime are left out of the message. */
export function runFailure(error: unknown): SplitflowError {
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.replace(/\/[^\s:]*\.(?:cc|h|cpp):\d+ /g, '').trim();
  if (INPUT_FAULTS.some((pattern) => pattern.test(raw))) {
    return new SplitflowError('INPUT_REJECTED', { message: `the model refused the input values: ${message}`, cause: error });
  }
  return new SplitflowError('INFERENCE_FAILED', { message: `onnxruntime failed: ${message}`, cause: error });
}
