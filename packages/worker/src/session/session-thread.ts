import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type NamedTensor, SplitflowError } from '@splitflow/contract';
import type { ModelSession, SessionFactory } from './model-session.js';
import type { OrtSessionOptions } from './ort-node.js';
import { forTransfer, type HostReply, type HostRequest, type SessionHostData } from './session-protocol.js';

/**
 * Starts session-host in a thread. From the compiled package (or a bundle that puts session-host.js
 * beside itself) that is a plain module; from TypeScript sources (tests, `--import tsx`) the thread
 * registers tsx first and resolves workspace packages to their sources, as the parent does.
 */
function startHost(data: SessionHostData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  if (!fromSources) return new Worker(new URL('./session-host.js', import.meta.url), { workerData: data });
  const host = new URL('./session-host.ts', import.meta.url).href;
  // tsx is a dev dependency: it is there wherever the sources run.
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(host)});`;
  return new Worker(boot, { eval: true, workerData: data, execArgv: ['--conditions=source'] });
}

interface Waiting {
  resolve: (outputs: NamedTensor[]) => void;
  reject: (error: unknown) => void;
}

/**
 * One onnxruntime session in its own thread. onnxruntime-node runs a session synchronously on the
 * calling thread (its async `run` only defers the call), so a session on the main thread stops the
 * event loop for the whole run: no request is parsed, no health check answered, no other model runs.
 * Here the main thread only moves tensors: inputs that cover their buffer are moved, not copied, and
 * so are the outputs coming back.
 */
async function openSessionThread(model: Uint8Array, options: OrtSessionOptions): Promise<ModelSession> {
  const thread = startHost({ model: model.slice(), options });
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let gone: SplitflowError | undefined;
  let onReleased: (() => void) | undefined;

  const fail = (error: SplitflowError) => {
    gone ??= error;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };

  const opened = new Promise<{ inputNames: string[]; outputNames: string[] }>((resolve, reject) => {
    thread.on('message', (reply: HostReply) => {
      switch (reply.type) {
        case 'ready':
          resolve(reply);
          break;
        case 'open-failed':
          reject(new Error(reply.message));
          break;
        case 'result':
          waiting.get(reply.id)?.resolve(reply.outputs);
          waiting.delete(reply.id);
          break;
        case 'failed':
          waiting.get(reply.id)?.reject(SplitflowError.from(reply.error, 'INFERENCE_FAILED'));
          waiting.delete(reply.id);
          break;
        case 'released':
          onReleased?.();
          break;
      }
    });
    thread.on('error', (error) => {
      reject(error);
      fail(new SplitflowError('INFERENCE_FAILED', { message: `the session thread failed: ${error.message}`, cause: error }));
    });
    thread.on('exit', (code) => {
      reject(new Error(`the session thread exited (${code}) before its session opened`));
      fail(new SplitflowError('INFERENCE_FAILED', { message: `the session thread exited (${code})` }));
    });
  });

  let names: { inputNames: string[]; outputNames: string[] };
  try {
    names = await opened;
  } catch (error) {
    await thread.terminate();
    throw error;
  }

  return {
    inputNames: names.inputNames,
    outputNames: names.outputNames,
    run(inputs) {
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      const { tensors, transfer } = forTransfer(inputs);
      return new Promise<NamedTensor[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        thread.postMessage({ type: 'run', id, inputs: tensors } satisfies HostRequest, transfer);
      });
    },
    async release() {
      if (gone) return;
      const released = new Promise<void>((resolve) => {
        onReleased = resolve;
      });
      thread.postMessage({ type: 'release' } satisfies HostRequest);
      await Promise.race([released, new Promise((resolve) => thread.once('exit', resolve))]);
      fail(new SplitflowError('INFERENCE_FAILED', { message: 'the session is released' }));
      await thread.terminate();
    },
  };
}

/** Like createOrtSessionFactory, with each session in a thread of its own (see openSessionThread). */
export function createThreadedSessionFactory(options: OrtSessionOptions): SessionFactory {
  return { provider: options.provider, create: (model) => openSessionThread(model, options) };
}
