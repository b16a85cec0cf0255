import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';

/** A health answer: the status and headers of an empty-bodied reply. */
export interface HealthAnswer {
  status: number;
  headers: Record<string, string>;
}

export interface HealthAnswers {
  live(): HealthAnswer;
  ready(): HealthAnswer;
}

const LIVE = '/v2/health/live';
const READY = '/v2/health/ready';

/**
 * A fastify server factory whose server answers `GET`/`HEAD /v2/health/live|ready` itself, before
 * fastify sees the request: no hooks, no body handling, no routing, so a probe never queues behind
 * that work of other requests, only behind what already holds the event loop. Anything else (a
 * query string, a browser's `Origin`, which wants CORS headers) goes to fastify, whose routes give
 * the same answers. `answers` is read per probe, so it may refer to state made after the server.
 */
export function fastHealthServer(answers: () => HealthAnswers | undefined): FastifyServerFactory {
  return (handler, options) => {
    const opts = options as { http?: object; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number };
    const server: Server = createServer(opts.http ?? {}, (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url;
      const a = url === READY || url === LIVE ? answers() : undefined;
      if (a === undefined || (req.method !== 'GET' && req.method !== 'HEAD') || req.headers.origin !== undefined) {
        handler(req, res);
        return;
      }
      const { status, headers } = url === READY ? a.ready() : a.live();
      res.writeHead(status, { ...headers, 'content-length': '0' });
      res.end();
    });
    // What fastify sets on the server it makes itself.
    if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
    if (opts.requestTimeout !== undefined) server.requestTimeout = opts.requestTimeout;
    if (opts.connectionTimeout !== undefined) server.setTimeout(opts.connectionTimeout);
    return server;
  };
}
