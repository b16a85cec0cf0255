import { isSplitflowError } from '../errors/splitflow-error.js';
import { InferenceRequest, InferenceResponse } from '../schema/oip.js';
import { validate } from '../validate.js';
import {
  type DecodedInferRequest,
  type DecodedInferResponse,
  type DecodeRequestOptions,
  decodeInferRequest as decodeRequestChecked,
  decodeInferResponse as decodeResponseChecked,
  HEADER_SCHEMAS,
  lightRequestHeader,
  splitBody,
} from './infer-codec.js';

// The decoders a server uses: the same as infer-codec.ts's, and a header that fails the precompiled
// check is validated again against the schema so that the error names the field and the rule.

export function decodeInferRequest(body: string | Uint8Array, headerLength?: number | string | null, options: DecodeRequestOptions = {}): DecodedInferRequest {
  try {
    return decodeRequestChecked(body, headerLength, options);
  } catch (error) {
    if (isSplitflowError(error) && error.details.schema === HEADER_SCHEMAS.request) {
      const { header } = splitBody(body, headerLength);
      validate(InferenceRequest, lightRequestHeader(header)?.light ?? header, 'inference request', 'INVALID_REQUEST');
    }
    throw error;
  }
}

export function decodeInferResponse(body: string | Uint8Array, headerLength?: number | string | null): DecodedInferResponse {
  try {
    return decodeResponseChecked(body, headerLength);
  } catch (error) {
    if (isSplitflowError(error) && error.details.schema === HEADER_SCHEMAS.response)
      validate(InferenceResponse, splitBody(body, headerLength).header, 'inference response', 'UPSTREAM_FAILED');
    throw error;
  }
}
