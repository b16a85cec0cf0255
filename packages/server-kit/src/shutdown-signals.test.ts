import { EventEmitter } from 'node:events';
import { expect, it } from 'vitest';
import { onShutdownSignal } from './shutdown-signals.js';

it('stops once, on the first SIGTERM or SIGINT, and takes later signals without acting', () => {
  const source = new EventEmitter();
  const calls: string[] = [];
  onShutdownSignal((signal) => calls.push(signal), source);
  source.emit('SIGINT');
  source.emit('SIGTERM');
  source.emit('SIGINT');
  expect(calls).toEqual(['SIGINT']);
  // Still listening: a second signal does not fall through to the default (kill now).
  expect(source.listenerCount('SIGTERM')).toBe(1);
});

it('the returned function stops listening', () => {
  const source = new EventEmitter();
  const calls: string[] = [];
  const dispose = onShutdownSignal((signal) => calls.push(signal), source);
  dispose();
  source.emit('SIGTERM');
  expect(calls).toEqual([]);
  expect(source.listenerCount('SIGTERM') + source.listenerCount('SIGINT')).toBe(0);
});
