import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type NamedTensor, SplitflowError } from '@splitflow/contract';
import type { ModelSession, SessionFactory } from './model-session.js';
import { type OrtSessionOptions, openSession, withTuning } from './ort-node.js';
import { copyOf, forTransfer, type HostReply, type HostRequest } from './session-protocol.js';

/**
 * Starts session-host in a thread. From the compiled package (or a bundle that puts session-host.js
 * beside itself) that is a plain module; from TypeScript sources (tests, `--import tsx`) the thread
 * registers tsx first and resolves workspace packages to their sources, as the parent does.
 */
function startHost(): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  if (!fromSources) return new Worker(new URL('./session-host.js', import.meta.url));
  const host = new URL('./session-host.ts', import.meta.url).href;
  // tsx is a dev dependency: it is there wherever the sources run.
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(host)});`;
  return new Worker(boot, { eval: true, execArgv: ['--conditions=source'] });
}

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** A thread holding sessions; it ends when the last one is released. */
interface HostThread {
  open(model: Uint8Array, options: OrtSessionOptions): Promise<ModelSession>;
}

function createHostThread(onEnd: () => void): HostThread {
  const thread = startHost();
  const runs = new Map<number, Waiting<NamedTensor[]>>();
  const opening = new Map<number, Waiting<{ inputNames: string[]; outputNames: string[] }>>();
  const releasing = new Map<number, () => void>();
  let sessions = 0;
  let nextSid = 0;
  let nextRun = 0;
  let gone: SplitflowError | undefined;

  const post = (request: HostRequest, transfer: ArrayBuffer[] = []) => thread.postMessage(request, transfer);
  const end = (why: SplitflowError) => {
    if (gone) return;
    gone = why;
    onEnd();
    for (const w of [...runs.values(), ...opening.values()]) w.reject(why);
    for (const done of releasing.values()) done();
    runs.clear();
    opening.clear();
    releasing.clear();
    void thread.terminate();
  };
  const endIfIdle = () => {
    if (sessions === 0 && opening.size === 0) end(new SplitflowError('INFERENCE_FAILED', { message: 'the session is released' }));
  };

  thread.on('message', (reply: HostReply) => {
    switch (reply.type) {
      case 'opened':
        opening.get(reply.sid)?.resolve(reply);
        opening.delete(reply.sid);
        break;
      case 'open-failed':
        opening.get(reply.sid)?.reject(new Error(reply.message));
        opening.delete(reply.sid);
        endIfIdle();
        break;
      case 'result':
        runs.get(reply.id)?.resolve(reply.outputs);
        runs.delete(reply.id);
        break;
      case 'failed':
        runs.get(reply.id)?.reject(SplitflowError.from(reply.error, 'INFERENCE_FAILED'));
        runs.delete(reply.id);
        break;
      case 'released':
        releasing.get(reply.sid)?.();
        releasing.delete(reply.sid);
        break;
    }
  });
  thread.on('error', (error) => end(new SplitflowError('INFERENCE_FAILED', { message: `the session thread failed: ${error.message}`, cause: error })));
  thread.on('exit', (code) => end(new SplitflowError('INFERENCE_FAILED', { message: `the session thread exited (${code})` })));

  async function open(model: Uint8Array, options: OrtSessionOptions): Promise<ModelSession> {
    if (gone) throw gone;
    const sid = nextSid++;
    const copy = copyOf(model) as Uint8Array;
    const names = await new Promise<{ inputNames: string[]; outputNames: string[] }>((resolve, reject) => {
      opening.set(sid, { resolve, reject });
      post({ type: 'open', sid, model: copy, options }, [copy.buffer as ArrayBuffer]);
    });
    sessions++;
    let released = false;
    return {
      inputNames: names.inputNames,
      outputNames: names.outputNames,
      run(inputs) {
        if (released) return Promise.reject(new SplitflowError('INFERENCE_FAILED', { message: 'the session is released' }));
        if (gone) return Promise.reject(gone);
        const id = nextRun++;
        const { tensors, transfer } = forTransfer(inputs);
        return new Promise<NamedTensor[]>((resolve, reject) => {
          runs.set(id, { resolve, reject });
          post({ type: 'run', sid, id, inputs: tensors }, transfer);
        });
      },
      async release() {
        if (released) return;
        released = true;
        if (!gone) {
          await new Promise<void>((resolve) => {
            releasing.set(sid, resolve);
            post({ type: 'release', sid });
          });
        }
        sessions--;
        endIfIdle();
      },
    };
  }
  return { open };
}

export interface ThreadedSessionOptions {
  /**
   * All sessions in one thread rather than a thread each. For GPU providers: one device runs one
   * thing at a time anyway, and onnxruntime's WebGPU provider fails when sessions in several threads
   * use its device (every request errors).
   * @default false
   */
  shareThread?: boolean;
}

/**
 * Like createOrtSessionFactory, with sessions off the event loop's thread. onnxruntime-node runs a
 * session synchronously on the calling thread (its async `run` only defers the call), so a session on
 * the main thread stops the event loop for the whole run: no request is parsed, no health check
 * answered, no other model runs. Here the main thread only moves tensors: inputs that cover their
 * buffer are moved, not copied, and so are the outputs coming back.
 */
export function createThreadedSessionFactory(options: OrtSessionOptions, threading: ThreadedSessionOptions = {}): SessionFactory {
  let shared: HostThread | undefined;
  return {
    provider: options.provider,
    create(model, tuning) {
      const own = withTuning(options, tuning);
      if (tuning?.onCallingThread) return openSession(model, own);
      if (!threading.shareThread) return createHostThread(() => {}).open(model, own);
      const host = shared ?? createHostThread(() => (shared = undefined));
      shared = host;
      return host.open(model, own);
    },
  };
}
