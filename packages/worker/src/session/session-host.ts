// The entry of a session thread: onnxruntime sessions whose synchronous runs block this thread instead
// of the worker's event loop. Started by session-thread.ts; speaks session-protocol.ts.
import { parentPort } from 'node:worker_threads';
import { isSplitflowError, SplitflowError } from '@splitflow/contract';
import type { ModelSession } from './model-session.js';
import { openSession } from './ort-node.js';
import { forTransfer, type HostReply, type HostRequest } from './session-protocol.js';

const port = parentPort;
if (port === null) throw new Error('session-host.ts runs only as a worker thread');
const post = (reply: HostReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const sessions = new Map<number, ModelSession>();

port.on('message', async (request: HostRequest) => {
  switch (request.type) {
    case 'open':
      try {
        const session = await openSession(request.model, request.options);
        sessions.set(request.sid, session);
        post({ type: 'opened', sid: request.sid, inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
      } catch (error) {
        post({ type: 'open-failed', sid: request.sid, message: (error as Error).message });
      }
      return;
    case 'release':
      await sessions.get(request.sid)?.release();
      sessions.delete(request.sid);
      post({ type: 'released', sid: request.sid });
      return;
    case 'run':
      try {
        const session = sessions.get(request.sid);
        if (session === undefined) throw new SplitflowError('INFERENCE_FAILED', { message: 'the session is released' });
        const { tensors, transfer } = forTransfer(await session.run(request.inputs));
        post({ type: 'result', id: request.id, outputs: tensors }, transfer);
      } catch (error) {
        const failure = isSplitflowError(error) ? error : new SplitflowError('INFERENCE_FAILED', { message: (error as Error).message });
        post({ type: 'failed', id: request.id, error: failure.toJSON() });
      }
      return;
  }
});
