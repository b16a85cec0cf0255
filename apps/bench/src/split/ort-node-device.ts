import { MessageChannel } from 'node:worker_threads';
import { type NamedTensor, SplitflowError } from '@splitflow/contract';
import { expose } from 'comlink';
import { type DirectSession, openDirect } from '../worker/ort-direct.js';

/**
 * The split bench's "native device": the SDK's local runtime seam (`createClient({ worker })` takes a
 * Worker factory, and the client talks to it through comlink) answered by onnxruntime-node on one
 * thread instead of onnxruntime-web. The port lives in this process: runs block the event loop as a
 * main-thread runtime would, and the client's router, fallbacks and timing are the SDK's own. Routes
 * report their backend as `wasm` (the SDK's name for its CPU backend); the results file names the
 * engine.
 */
export function ortNodeDevice(threads = 1): () => Worker {
  return () => {
    const { port1, port2 } = new MessageChannel();
    const sessions = new Map<string, { session: DirectSession; outputs: string[] }>();
    const host = {
      ping: async () => 'pong' as const,
      has: async (key: string) => sessions.has(key),
      async load(source: { key: string; files: { role?: string; bytes: Uint8Array }[]; outputs: string[] }) {
        const started = performance.now();
        const graph = source.files.find((f) => f.role === 'model' || f.role === undefined) ?? source.files[0];
        if (!graph) throw new SplitflowError('INVALID_REQUEST', { message: `model ${source.key} has no graph file` });
        // A cut's head names the wire tensors of one encoding: only those are fetched.
        sessions.set(source.key, { session: await openDirect(graph.bytes, { provider: 'cpu', threads }), outputs: source.outputs });
        return { backend: 'wasm' as const, compileMs: performance.now() - started, skipped: [] };
      },
      async run(key: string, inputs: NamedTensor[]) {
        const entry = sessions.get(key);
        if (!entry) return { type: 'error' as const, error: { code: 'INTERNAL', message: `no session ${key}` }, inputs };
        const started = performance.now();
        const outputs = await entry.session.named(inputs, entry.outputs);
        return { type: 'ok' as const, outputs, backend: 'wasm' as const, computeMs: performance.now() - started };
      },
      async unload(key: string) {
        await sessions.get(key)?.session.release();
        sessions.delete(key);
      },
      async dispose() {
        for (const s of sessions.values()) await s.session.release();
        sessions.clear();
      },
    };
    expose(host, port2 as unknown as Parameters<typeof expose>[1]);
    const worker = port1 as unknown as Worker & { terminate(): void };
    worker.terminate = () => {
      port1.close();
      port2.close();
    };
    return worker;
  };
}
