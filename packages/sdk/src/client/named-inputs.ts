import { checkTensor, type NamedTensor, SplitflowError, type Tensor } from '@splitflow/contract/core';

/**
 * The caller's tensors as the runtime and the wire take them, checked; `copy` keeps the caller's
 * buffers (which the local route would otherwise move to the Worker).
 */
export function toNamed(inputs: Record<string, Tensor>, copy: boolean): NamedTensor[] {
  if (typeof inputs !== 'object' || inputs === null) throw new SplitflowError('INVALID_TENSOR', { message: 'inputs must be an object of named tensors' });
  return Object.entries(inputs).map(([name, t]) => {
    if (ArrayBuffer.isView(t?.data) && (t.data.buffer as ArrayBuffer & { detached?: boolean }).detached === true) {
      throw new SplitflowError('INVALID_TENSOR', {
        message: `input "${name}": its buffer is detached (an earlier infer moved it to the runtime Worker); pass a new array, or create the client with transferInputs: false`,
        details: { input: name },
      });
    }
    checkTensor(t, name);
    const data = copy && !Array.isArray(t.data) ? (t.data as Float32Array).slice() : t.data;
    return { name, datatype: t.datatype, shape: [...t.shape], data } as NamedTensor;
  });
}
