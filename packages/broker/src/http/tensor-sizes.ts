import { BINARY_DATA_SIZE, countLeaves, DATATYPE_INFO, elementCount, type InferenceRequest, isDatatype, SplitflowError } from '@splitflow/contract';

/**
 * Checks each input's data against its shape before the request is placed: a JSON `data` array must
 * hold exactly the shape's elements (counted with a walk that stops past the count, nothing copied),
 * binary data of a fixed-size datatype exactly its bytes. A request that the worker would refuse is
 * refused here, without taking a slot or crossing the network.
 */
export function checkTensorSizes(inputs: InferenceRequest['inputs']): void {
  inputs.forEach((input, i) => {
    if (!isDatatype(input.datatype)) return;
    const count = elementCount(input.shape);
    const where = `inputs[${i}] "${input.name}"`;
    if (Array.isArray(input.data)) {
      const found = countLeaves(input.data, count + 1, input.name);
      if (found !== count) {
        throw new SplitflowError('INVALID_TENSOR', {
          message: `${where}: shape [${input.shape.join(',')}] needs ${count} elements, data has ${found > count ? 'more' : found}`,
          details: { tensor: input.name },
        });
      }
      return;
    }
    const size = input.parameters?.[BINARY_DATA_SIZE];
    const bytes = DATATYPE_INFO[input.datatype].bytes;
    if (typeof size === 'number' && input.datatype !== 'BYTES' && size !== count * bytes) {
      throw new SplitflowError('INVALID_TENSOR', {
        message: `${where}: shape [${input.shape.join(',')}] of ${input.datatype} needs ${count * bytes} bytes, ${BINARY_DATA_SIZE} is ${size}`,
        details: { tensor: input.name },
      });
    }
  });
}
