import { SplitflowError } from '../errors/splitflow-error.js';
import { DATATYPE_INFO, datatypeFromOrt, type TensorData } from './datatype.js';
import { bytesFromStrings, type NamedTensor, stringsFromBytes } from './tensor.js';

/** What the mapping reads of an ONNX Runtime tensor: the node and web packages' `Tensor` both have it. */
export interface OrtTensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/**
 * ONNX Runtime's `Tensor` class, from whichever package the caller imports (`onnxruntime-node`,
 * `onnxruntime-web`): the mapping takes it as an argument so the contract imports neither.
 */
export type OrtTensorClass<T extends OrtTensorLike> = new (type: never, data: never, dims: never) => T;

/** A contract tensor as an ONNX Runtime tensor: BYTES as strings, FP16 as its raw bits. */
export function toOrtTensor<T extends OrtTensorLike>(Tensor: OrtTensorClass<T>, tensor: NamedTensor): T {
  const data = tensor.datatype === 'BYTES' ? stringsFromBytes(tensor.data as Uint8Array[]) : tensor.data;
  return new Tensor(DATATYPE_INFO[tensor.datatype].ort as never, data as never, tensor.shape as never);
}

/**
 * An ONNX Runtime output as a contract tensor; a type the wire cannot carry is INFERENCE_FAILED.
 * FP16 comes back as a Uint16Array of its bits whatever the engine gave (a Float16Array where it has one).
 */
export function fromOrtTensor(name: string, tensor: OrtTensorLike): NamedTensor {
  const datatype = datatypeFromOrt(tensor.type);
  if (datatype === undefined) throw new SplitflowError('INFERENCE_FAILED', { message: `output "${name}" has type ${tensor.type}, which OIP cannot carry` });
  const shape = tensor.dims.map(Number);
  if (datatype === 'BYTES') return { name, datatype, shape, data: bytesFromStrings(tensor.data as string[]) };
  let data = tensor.data as ArrayBufferView & ArrayLike<number>;
  if (datatype === 'FP16' && !(data instanceof Uint16Array)) data = new Uint16Array(data.buffer, data.byteOffset, data.length);
  return { name, datatype, shape, data: data as unknown as Exclude<TensorData, Uint8Array[]> } as NamedTensor;
}
