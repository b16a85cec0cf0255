import cors from '@fastify/cors';
import { BINARY_CONTENT_TYPE, BINARY_HEADER, type BrokerConfig } from '@splitflow/contract';
import {
  asSplitflowError,
  fastHealthServer,
  type HealthAnswers,
  installWireGuards,
  redactUrl,
  replyWithError,
  routeNotFound,
  wireServerOptions,
} from '@splitflow/server-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../observability/logger.js';
import { bodyOf, collectBody } from './request-body.js';
import { requestIdOf } from './request-context.js';

export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * The broker's fastify app before its routes: wire guards, body parsers that keep bytes, CORS, the one
 * error answer and one log line per request.
 */
export async function createBrokerApp(
  config: BrokerConfig,
  logger: Logger,
  probes: () => HealthAnswers | undefined = () => undefined,
): Promise<FastifyInstance> {
  const limits = config.limits ?? {};
  const bodyLimit = limits.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    genReqId: requestIdOf,
    return503OnClosing: true,
    ...wireServerOptions(limits),
    // Probes are answered before fastify (`probes`, once the routes exist), so they never wait behind
    // other requests' hooks and bodies.
    serverFactory: fastHealthServer(probes),
  });
  installWireGuards(app, { drainBytes: 4 * bodyLimit });

  // Bodies stay bytes: the broker reads the JSON header and forwards the body as received. Binary
  // bodies (the large ones) stay in the chunks they arrived in; JSON is read whole by fastify.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, bodyOf(body as Buffer)));
  app.addContentTypeParser(BINARY_CONTENT_TYPE, (_request, payload, done) => collectBody(payload, bodyLimit, done));
  // No type or any other (Triton's Python client sends none; curl sends a form type): read like the
  // worker does, as a JSON header with a binary tail when Inference-Header-Content-Length says so.
  app.addContentTypeParser('*', (_request, payload, done) => collectBody(payload, bodyLimit, done));

  if (config.cors && config.cors.origins.length > 0) {
    const origins = config.cors.origins;
    await app.register(cors, {
      origin: origins.includes('*') ? true : origins,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', BINARY_HEADER, 'traceparent', 'tracestate', 'x-request-id'],
      exposedHeaders: ['retry-after', 'x-request-id', BINARY_HEADER, 'splitflow-pool', 'splitflow-hardware', 'splitflow-attempts', 'location'],
      maxAge: 600,
    });
    // The origins CORS admits may also read the requests' Resource Timing (connection, upload, first
    // byte): without Timing-Allow-Origin a browser reports those phases as 0 for a cross-origin call.
    app.addHook('onSend', (_request, reply, payload, done) => {
      const allowed = reply.getHeader('access-control-allow-origin');
      if (allowed !== undefined) reply.header('timing-allow-origin', allowed);
      done(null, payload);
    });
  }

  app.setErrorHandler((error, request, reply) => {
    const failure = asSplitflowError(error);
    if (failure.code === 'INTERNAL') request.log.error({ err: error }, 'unexpected fault');
    reply.header('x-request-id', request.id);
    return replyWithError(reply, failure);
  });
  app.setNotFoundHandler((request, reply) => replyWithError(reply, routeNotFound(request)));
  // A callback hook, not an async one: no promise per request; below info level the line is not even built.
  app.addHook('onResponse', (request, reply, done) => {
    if (logger.isLevelEnabled('info')) {
      request.log.info(
        { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
        'request',
      );
    }
    done();
  });
  return app;
}
