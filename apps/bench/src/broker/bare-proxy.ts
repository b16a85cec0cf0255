// The floor of a Node proxy built from the broker's own parts: fastify takes the request, the broker's
// upstream client (undici) forwards its body as it came and the answer goes back as it came, with
// nothing else in between (no admission, no request check, no scheduling, no route in the answer). The overhead bench puts it beside
// the broker, so what the broker adds beyond the libraries it is built on shows by itself.
// Run: node --conditions=source --import tsx apps/bench/src/broker/bare-proxy.ts <upstream url>
import Fastify from 'fastify';
import { createUpstream } from '../../../../packages/broker/src/proxy/upstream.js';

const upstreamUrl = process.argv[2];
if (!upstreamUrl) throw new Error('usage: bare-proxy <upstream url>');
const upstream = createUpstream({ connections: 64 });
const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.all('/*', async (request, reply) => {
  const res = await upstream.request(upstreamUrl, {
    method: request.method as 'GET' | 'POST',
    path: request.url,
    headers: { 'content-type': String(request.headers['content-type'] ?? 'application/json') },
    ...(request.body instanceof Buffer ? { body: request.body } : {}),
    timeoutMs: 30_000,
  });
  reply.code(res.status);
  const type = res.headers['content-type'];
  if (typeof type === 'string') reply.header('content-type', type);
  return reply.send(res.body);
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }));
process.on('SIGTERM', () => {
  void app.close().then(() => upstream.close().then(() => process.exit(0)));
});
