import { checkTensor, type Datatype, type Tensor } from '@splitflow/contract';

/** A tensor from parts, checked (INVALID_TENSOR when the data's type or length does not fit the datatype and shape). */
export function checkedTensor(datatype: Datatype, shape: number[], data: unknown, name: string): Tensor {
  const tensor = { datatype, shape, data } as Tensor;
  checkTensor(tensor, name);
  return tensor;
}
