// @splitflow/oip-grpc: OIP v2 over gRPC (the official proto) in front of a server's OIP REST routes.

export type { RestResponse } from './from-rest.js';
export { GRPC_STATUS, grpcStatusOf } from './grpc-status.js';
export type { InferParameter, ModelInferRequest, ModelInferResponse } from './messages.js';
export { OIP_PROTO_PATH, type OipGrpcOptions, type OipGrpcServer, PROTO_LOADER_OPTIONS, type RestInjector, serveOipGrpc } from './oip-grpc-server.js';
export type { RestRequest } from './to-rest.js';
