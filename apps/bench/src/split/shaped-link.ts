import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** A network as the benchmark shapes it: round-trip time and the bandwidth of each direction. */
export interface LinkProfile {
  rttMs: number;
  /** Client to server, in Mbit/s. */
  upMbps: number;
  /** Server to client, in Mbit/s. */
  downMbps: number;
}

export interface ShapedLink {
  /** `http://127.0.0.1:<port>`: point the client here instead of at the target. */
  url: string;
  /** Bytes carried each way since the link was made (or since the last `resetCounters`). */
  counters(): { up: number; down: number };
  resetCounters(): void;
  close(): Promise<void>;
}

/**
 * One direction of a link: bytes leave one after another at the bandwidth (a queue, as at a
 * bottleneck router) and arrive half a round trip after they left. A FIFO drained by one timer keeps
 * the bytes in order (timers of different lengths may fire out of order within a millisecond).
 */
function direction(mbps: number, oneWayMs: number, deliver: (chunk: Buffer) => void) {
  let freeAt = 0;
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drain = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0] as { due: number }).due <= now + 0.5) deliver((queue.shift() as { chunk: Buffer }).chunk);
    const next = queue[0];
    if (next) timer = setTimeout(drain, Math.max(0, next.due - now));
  };
  /** `notBefore`: the earliest the bytes may start to leave (a connection still in its handshake). */
  return (chunk: Buffer, notBefore = 0) => {
    const start = Math.max(performance.now(), freeAt, notBefore);
    freeAt = start + (chunk.byteLength * 8) / (mbps * 1000);
    queue.push({ due: freeAt + oneWayMs, chunk });
    if (timer === undefined) timer = setTimeout(drain, Math.max(0, freeAt + oneWayMs - performance.now()));
  };
}

/**
 * A TCP proxy on loopback that shapes every connection to `target` as the profile says: each
 * direction paced at its bandwidth, half the round trip added each way, and a new connection's first
 * bytes held for one round trip (the handshake a real link would pay). Real HTTP requests cross it,
 * so what the client measures is what it would see on that link, the servers' own time included.
 * Bandwidth is per connection; a profile's link is not shared between connections.
 */
export async function startShapedLink(target: string, profile: LinkProfile): Promise<ShapedLink> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let up = 0;
  let down = 0;
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(port), hostname);
    // Pacing already decides when bytes leave; Nagle's algorithm would hold small writes back again.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    const oneWay = profile.rttMs / 2;
    const opened = performance.now();
    const toServer = direction(profile.upMbps, oneWay, (chunk) => upstream.write(chunk));
    const toClient = direction(profile.downMbps, oneWay, (chunk) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      up += chunk.byteLength;
      toServer(chunk, opened + profile.rttMs);
    });
    upstream.on('data', (chunk: Buffer) => {
      down += chunk.byteLength;
      toClient(chunk);
    });
    const end = () => {
      // Let paced bytes still in flight arrive before the other side sees the close.
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      }, profile.rttMs + 50);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${listening}`,
    counters: () => ({ up, down }),
    resetCounters() {
      up = 0;
      down = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
