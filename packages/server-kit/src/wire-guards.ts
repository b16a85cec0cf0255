import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { codeForStatus, httpErrorOf, rawErrorResponse, SplitflowError } from '@splitflow/contract';
import type { FastifyHttpOptions, FastifyInstance, FastifyReply } from 'fastify';
import { JSON_TYPE, replyWithError } from './error-reply.js';

/** How long a client may take to send a request, and how long an answered oversized body is drained. */
export interface WireTimeouts {
  /** @default 10000 */
  headersTimeoutMs?: number;
  /** Headers and body. @default 60000 */
  requestTimeoutMs?: number;
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * fastify options that give every failure below the routes the stable `{error, code}` body: Node's
 * parser errors and timeouts (clientError), bad percent-encoding and over-long path parameters
 * (frameworkErrors). Timeouts are checked every quarter of the shortest one (Node's default is every
 * 30 s, which let slow headers live for 85 s).
 */
export function wireServerOptions(timeouts: WireTimeouts = {}): FastifyHttpOptions<Server> {
  const headersTimeout = timeouts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(timeouts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout);
  return {
    requestTimeout,
    http: { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))) },
    clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      // An answer already on its way (an oversized body being drained) is not followed by a second one.
      const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
      if (socket.writable && !answering?.headersSent) socket.write(rawErrorResponse(httpErrorOf(error)));
      socket.destroySoon();
    },
    frameworkErrors(error: Error, _request, reply: FastifyReply) {
      replyWithError(reply, httpErrorOf(error));
    },
  };
}

/**
 * Installs the guards that act on answers: oversized bodies drained so their 413 arrives
 * (`drainOversized`), and any error answer that some part of the stack wrote in another shape (a
 * plugin's `text/plain`) rewritten as `{error, code}` for its status. An answer sent with no body is
 * left alone: OIP's not-ready health answer is a 4xx with an empty body.
 */
export function installWireGuards(app: FastifyInstance, options: { drainBytes: number }): void {
  drainOversized(app, options.drainBytes);
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode < 400 || /json/.test(String(reply.getHeader('content-type') ?? ''))) return done(null, payload);
    if (payload !== null && typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    const text = payload === null ? '' : String(payload).slice(0, 200);
    const failure = new SplitflowError(codeForStatus(reply.statusCode), text ? { message: text } : {});
    reply.type(JSON_TYPE);
    reply.removeHeader('content-length');
    done(null, JSON.stringify(failure.toJSON()));
  });
}

/**
 * Keeps an oversized body's 413 from being lost. fastify answers it with `Connection: close`, and a
 * socket closed while the client still sends is reset, which drops the answer from the client's
 * receive buffer (and a proxy in front turns the write error into a 502). Up to `drainBytes` the rest
 * of the body is read and discarded first, and only then is the answer sent and the connection kept
 * (or closed, if the client asked for that); beyond that bound the connection is cut.
 */
function drainOversized(app: FastifyInstance, drainBytes: number): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    // A client that sent `Expect: 100-continue` waits for the answer before sending: nothing to drain.
    const waiting = /100-continue/i.test(String(request.headers.expect ?? ''));
    if (reply.statusCode !== 413 || raw.complete || raw.destroyed || waiting || Number(request.headers['content-length']) > drainBytes) {
      done(null, payload);
      return;
    }
    reply.removeHeader('connection');
    // A body of no declared length is counted as it drains, and cut off past the bound.
    let drained = 0;
    let sent = false;
    const finish = () => {
      if (sent) return;
      sent = true;
      raw.removeListener('data', onData);
      done(null, payload);
    };
    const onData = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > drainBytes) raw.socket.destroy();
    };
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('close', finish);
    raw.resume();
  });
}
