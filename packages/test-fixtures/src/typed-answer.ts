import { expect } from 'vitest';
import type { RawAnswer } from './raw-http.js';

/** Asserts that a raw answer has `status`, a JSON body and the stable `{error, code}` shape with `code`. */
export function expectTypedAnswer(answer: RawAnswer, status: number, code: string): { error: string; code: string } {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as { error: string; code: string };
  expect(body.code).toBe(code);
  expect(typeof body.error).toBe('string');
  return body;
}
