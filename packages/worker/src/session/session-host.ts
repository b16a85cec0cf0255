// The entry of a session thread: one onnxruntime session whose synchronous runs block this thread
// instead of the worker's event loop. Started by session-thread.ts; speaks session-protocol.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { isSplitflowError, SplitflowError } from '@splitflow/contract';
import type { ModelSession } from './model-session.js';
import { openSession } from './ort-node.js';
import { forTransfer, type HostReply, type HostRequest, type SessionHostData } from './session-protocol.js';

const port = parentPort;
if (port === null) throw new Error('session-host.ts runs only as a worker thread');
const post = (reply: HostReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

const { model, options } = workerData as SessionHostData;
let session: ModelSession | undefined;
try {
  session = await openSession(model, options);
  post({ type: 'ready', inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
} catch (error) {
  post({ type: 'open-failed', message: (error as Error).message });
}

port.on('message', async (request: HostRequest) => {
  if (request.type === 'release') {
    await session?.release();
    session = undefined;
    post({ type: 'released' });
    port.close();
    return;
  }
  try {
    if (session === undefined) throw new SplitflowError('INFERENCE_FAILED', { message: 'the session is released' });
    const { tensors, transfer } = forTransfer(await session.run(request.inputs));
    post({ type: 'result', id: request.id, outputs: tensors }, transfer);
  } catch (error) {
    const failure = isSplitflowError(error) ? error : new SplitflowError('INFERENCE_FAILED', { message: (error as Error).message });
    post({ type: 'failed', id: request.id, error: failure.toJSON() });
  }
});
