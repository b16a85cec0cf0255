/**
 * The OIP v2 gRPC messages (proto/grpc_predict_v2.proto) as @grpc/proto-loader hands them over with
 * `keepCase`, `longs: String`, `defaults` and `oneofs`: 64-bit integers are decimal strings, so INT64
 * values past 2^53 stay exact; `bytes` are Buffers; unset repeated fields are empty arrays.
 */

export type Int64 = string;

export interface InferParameter {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  bool_param?: boolean;
  int64_param?: Int64 | number;
  string_param?: string;
  double_param?: number;
  uint64_param?: Int64 | number;
}

export type ParameterMap = Record<string, InferParameter>;

export interface InferTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: (Int64 | number)[];
  uint_contents?: number[];
  uint64_contents?: (Int64 | number)[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface InferInputTensor {
  name: string;
  datatype: string;
  shape: (Int64 | number)[];
  parameters?: ParameterMap;
  contents?: InferTensorContents | null;
}

export interface ModelInferRequest {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: ParameterMap;
  inputs?: InferInputTensor[];
  outputs?: { name: string; parameters?: ParameterMap }[];
  raw_input_contents?: Uint8Array[];
}

export interface InferOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters: ParameterMap;
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: ParameterMap;
  outputs: InferOutputTensor[];
  raw_output_contents: Uint8Array[];
}

export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
  properties: Record<string, string>;
}
