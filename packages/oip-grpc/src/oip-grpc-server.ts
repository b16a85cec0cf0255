import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { isSplitflowError, SplitflowError } from '@splitflow/contract';
import { failureOf, header, inferFromRest, modelMetadataFromRest, type RestFailure, type RestResponse } from './from-rest.js';
import { grpcStatusOf } from './grpc-status.js';
import type { ModelInferRequest } from './messages.js';
import { inferToRest, modelUrl, type RestRequest } from './to-rest.js';

// The one file that imports the gRPC runtime: the service is the official OIP v2 proto, loaded as is.

/** The official OIP v2 proto (KServe's grpc_predict_v2.proto, Apache-2.0; proto/LICENSE). */
export const OIP_PROTO_PATH = fileURLToPath(new URL('../proto/grpc_predict_v2.proto', import.meta.url));

/**
 * The options every reader of the proto here uses: 64-bit integers as decimal strings (INT64 values
 * past 2^53 stay exact), field names as in the proto, defaults filled in, and the name of the set
 * member of each oneof (InferParameter).
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = Object.freeze({ keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });

/** Sends a REST request to the server's own routes and resolves with its answer (fastify's `app.inject`). */
export type RestInjector = (request: RestRequest) => Promise<RestResponse>;

export interface OipGrpcOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Largest message received or sent; the REST body limit is the natural value. @default 67108864 */
  maxMessageBytes?: number;
}

export interface OipGrpcServer {
  port: number;
  /** `host:port`, as gRPC clients take it. */
  address: string;
  /** Stops taking calls, lets running ones finish (then cancels any left after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Request metadata that the REST routes read, passed on as headers of the same name. */
const FORWARDED = ['authorization', 'x-request-id', 'traceparent', 'tracestate'];

/** Answer headers worth a gRPC client's sight: the route and load (splitflow-*), the request id, the trace. */
const returned = (name: string) => name.startsWith('splitflow-') || name === 'x-request-id' || name === 'traceparent' || name === 'retry-after';

function headersOf(metadata: grpc.Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = metadata.get(name)[0];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

function metadataOf(res: RestResponse): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const name of Object.keys(res.headers)) {
    const value = header(res, name);
    if (value !== undefined && returned(name)) metadata.set(name, value);
  }
  return metadata;
}

/** A failure as a gRPC status: the stable code in `splitflow-code` metadata and in the message, Retry-After kept. */
function statusOf(failure: RestFailure, from?: RestResponse): Partial<grpc.StatusObject> {
  const metadata = from ? metadataOf(from) : new grpc.Metadata();
  if (failure.code !== undefined) metadata.set('splitflow-code', failure.code);
  if (failure.retryAfter !== undefined) metadata.set('retry-after', failure.retryAfter);
  return { code: grpcStatusOf(failure.code, failure.status), details: failure.code ? `${failure.code}: ${failure.message}` : failure.message, metadata };
}

function thrownStatus(error: unknown): Partial<grpc.StatusObject> {
  const e = isSplitflowError(error) ? error : new SplitflowError('INTERNAL', { message: `unexpected fault: ${(error as Error)?.message ?? String(error)}` });
  const failure: RestFailure = { status: e.status, code: e.code, message: e.message };
  if (e.retryAfterS !== undefined) failure.retryAfter = String(e.retryAfterS);
  return statusOf(failure);
}

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
type Callback = grpc.sendUnaryData<unknown>;

/** The ms left before a call's deadline, if it has one. */
function deadlineMsOf(call: Call<unknown>): number | undefined {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - Date.now() : undefined;
}

/**
 * Serves OIP v2 over gRPC in front of a server's REST routes: each call becomes the REST request it
 * stands for, through the same routes (authentication, checks, placement, errors, metrics), so both
 * protocols have one meaning. Binary tensors cross as raw bytes both ways (raw_input_contents to the
 * binary extension and back to raw_output_contents).
 */
export async function serveOipGrpc(rest: RestInjector, options: OipGrpcOptions = {}): Promise<OipGrpcServer> {
  const definition = protoLoader.loadSync(OIP_PROTO_PATH, PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  const maxBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxBytes, 'grpc.max_send_message_length': maxBytes });

  /** Runs one REST request and answers the call: with `ok(res)` on a 2xx, else with the error as a status. */
  function unary<Req>(toRest: (call: Call<Req>) => RestRequest, ok: (res: RestResponse) => unknown, notOk?: (res: RestResponse) => unknown) {
    return (call: Call<Req>, callback: Callback) => {
      let request: RestRequest;
      try {
        request = toRest(call);
      } catch (error) {
        callback(thrownStatus(error));
        return;
      }
      rest(request).then(
        (res) => {
          try {
            if (res.statusCode < 300) {
              const message = ok(res);
              call.sendMetadata(metadataOf(res));
              callback(null, message);
              return;
            }
            const instead = notOk?.(res);
            if (instead !== undefined) callback(null, instead);
            else callback(statusOf(failureOf(res), res));
          } catch (error) {
            callback(thrownStatus(error));
          }
        },
        (error: unknown) => callback(thrownStatus(error)),
      );
    };
  }

  const get =
    (url: string) =>
    (call: Call<unknown>): RestRequest => ({ method: 'GET', url, headers: headersOf(call.metadata) });
  const json = (res: RestResponse) => JSON.parse(res.rawPayload.toString('utf8')) as unknown;
  // Health "false" is a 4xx with an empty body in REST, `ready: false` in gRPC; errors (unknown model, no key) stay errors.
  const notReady = (field: 'ready') => (res: RestResponse) => (header(res, 'splitflow-not-ready') !== undefined ? { [field]: false } : undefined);

  server.addService(loaded.inference.GRPCInferenceService.service, {
    ServerLive: unary(get('/v2/health/live'), () => ({ live: true })),
    ServerReady: unary(get('/v2/health/ready'), () => ({ ready: true }), notReady('ready')),
    ModelReady: unary(
      (call: Call<{ name: string; version: string }>) => ({
        method: 'GET',
        url: modelUrl(call.request.name, call.request.version, '/ready'),
        headers: headersOf(call.metadata),
      }),
      () => ({ ready: true }),
      notReady('ready'),
    ),
    ServerMetadata: unary(get('/v2'), json),
    ModelMetadata: unary(
      (call: Call<{ name: string; version: string }>) => ({
        method: 'GET',
        url: modelUrl(call.request.name, call.request.version, ''),
        headers: headersOf(call.metadata),
      }),
      modelMetadataFromRest,
    ),
    ModelInfer: unary((call: Call<ModelInferRequest>) => inferToRest(call.request, headersOf(call.metadata), deadlineMsOf(call)), inferFromRest),
  });

  const host = options.host ?? '127.0.0.1';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${shownHost}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    address: `${shownHost}:${port}`,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), graceMs).unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
