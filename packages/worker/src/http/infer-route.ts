import {
  BINARY_HEADER,
  bindInputs,
  checkValueRange,
  DEADLINE_HEADER,
  decodeInferRequest,
  encodeInferResponse,
  LOAD_HEADERS,
  type NamedTensor,
  type Parameters,
  SPLITFLOW_PARAMS,
  SplitflowError,
} from '@splitflow/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModelLease } from '../models/model-registry.js';
import { lookupModel } from './lookup-model.js';
import type { WorkerState } from './worker-state.js';

interface InferParams {
  name: string;
  version?: string;
}

const EMPTY = new Uint8Array(0);

function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  return EMPTY;
}

/** Refuses a JSON part over the limit before it is parsed (parsing holds the event loop). */
function checkJsonSize(bodyLength: number, headerLength: string | undefined, limit: number): void {
  const declared = headerLength !== undefined && /^\d+$/.test(headerLength) ? Number(headerLength) : bodyLength;
  const json = Math.min(declared, bodyLength);
  if (json > limit) {
    throw new SplitflowError('PAYLOAD_TOO_LARGE', {
      message: `the request's JSON is ${json} bytes, over the limit of ${limit}; send large tensors in the binary extension`,
      details: { jsonBytes: json, limit },
    });
  }
}

/** `POST /v2/models/{name}[/versions/{v}]/infer`: decode, check against the manifest, queue, encode. */
export function registerInferRoute(app: FastifyInstance, state: WorkerState): void {
  const { metrics } = state;

  async function infer(request: FastifyRequest<{ Params: InferParams }>, reply: FastifyReply) {
    const started = performance.now();
    const known = lookupModel(state.registry, request.params.name, request.params.version);
    if (known.state === 'refused') throw known.error;
    const { manifest } = known;
    if (state.draining) throw new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 });
    state.inFlight++;
    metrics.inFlight.inc();
    let lease: ModelLease | undefined;
    try {
      const rawLength = request.headers[BINARY_HEADER];
      const headerLength = Array.isArray(rawLength) ? rawLength[0] : rawLength;
      const body = bodyBytes(request.body);
      checkJsonSize(body.length, headerLength, state.maxJsonBytes);
      // Shapes are checked against the model before any data is converted.
      const decoded = decodeInferRequest(body, headerLength, { checkShapes: (inputs) => bindInputs(manifest, inputs) });
      for (const spec of manifest.inputs) {
        const tensor = decoded.inputs.find((t) => t.name === spec.name);
        if (tensor) checkValueRange(spec, tensor);
      }
      const outputNames = new Set(manifest.outputs.map((o) => o.name));
      const unknown = decoded.outputNames?.filter((n) => !outputNames.has(n)) ?? [];
      if (unknown.length > 0) {
        throw new SplitflowError('INVALID_REQUEST', {
          message: `model "${manifest.id}" has no output ${unknown.map((n) => `"${n}"`).join(', ')}; it has ${[...outputNames].map((n) => `"${n}"`).join(', ')}`,
        });
      }
      const byName = new Map(decoded.inputs.map((t) => [t.name, t]));
      const ordered = manifest.inputs.map((spec) => byName.get(spec.name) as NamedTensor);

      // A model not in memory is loaded for this request (checked first, so a malformed one loads
      // nothing), which waits for it rather than being refused.
      lease = await state.registry.acquire(manifest.id);
      const { model } = lease;
      // The broker's time left, counted from when this request arrived here (reading, decoding and any model load took some).
      const given = request.headers[DEADLINE_HEADER];
      const left = given === undefined ? Number.NaN : Number(given) - reply.elapsedTime;
      if (given !== undefined && Number.isFinite(left) && left <= 0) {
        throw new SplitflowError('DEADLINE_UNMEETABLE', {
          message: `model "${manifest.id}": the request's deadline passed before it could be queued`,
          retryAfterS: 1,
        });
      }
      const outcome = await model.queue.submit(
        ordered,
        decoded.request.parameters?.[SPLITFLOW_PARAMS.priority] === 'batch' ? 'batch' : 'interactive',
        Number.isFinite(left) && left > 0 ? left : undefined,
      );

      const wanted = decoded.outputNames ? new Set(decoded.outputNames) : undefined;
      const outputs = wanted ? outcome.outputs.filter((o) => wanted.has(o.name)) : outcome.outputs;
      const parameters: Parameters = {
        [SPLITFLOW_PARAMS.queueUs]: outcome.queueUs,
        [SPLITFLOW_PARAMS.computeUs]: outcome.computeUs,
        [SPLITFLOW_PARAMS.queueDepth]: state.registry.totalDepth(),
        [SPLITFLOW_PARAMS.modelQueueDepth]: model.queue.depth,
        [SPLITFLOW_PARAMS.batchSize]: outcome.batchSize,
        [SPLITFLOW_PARAMS.hardware]: state.hardware,
      };
      const encoded = encodeInferResponse({
        model_name: manifest.id,
        model_version: manifest.version,
        ...(decoded.request.id !== undefined ? { id: decoded.request.id } : {}),
        parameters,
        outputs,
        // Always a function: then NaN and Infinity outputs travel binary rather than as JSON null.
        binary: decoded.wantsBinary,
      });
      const seconds = (performance.now() - started) / 1000;
      metrics.requestSeconds.observe({ model: manifest.id }, seconds);
      metrics.queueSeconds.observe({ model: manifest.id }, outcome.queueUs / 1e6);
      metrics.computeSeconds.observe({ model: manifest.id }, outcome.computeUs / 1e6);
      reply.headers({
        ...encoded.headers,
        [LOAD_HEADERS.queueUs]: String(outcome.queueUs),
        [LOAD_HEADERS.computeUs]: String(outcome.computeUs),
        [LOAD_HEADERS.batchSize]: String(outcome.batchSize),
        [LOAD_HEADERS.modelQueueDepth]: String(model.queue.depth),
        ...(lease.loadUs > 0 ? { [LOAD_HEADERS.loadUs]: String(lease.loadUs) } : {}),
      });
      const out = encoded.body;
      return reply.send(typeof out === 'string' ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength));
    } finally {
      lease?.release();
      state.inFlight--;
      metrics.inFlight.dec();
    }
  }

  app.post<{ Params: InferParams }>('/v2/models/:name/infer', infer);
  app.post<{ Params: InferParams }>('/v2/models/:name/versions/:version/infer', infer);
}
