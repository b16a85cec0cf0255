import { describe, expect, it } from 'vitest';
import { answered } from './answered.js';

const body = new Response('x').body;
describe('answered', () => {
  it('takes a 2xx from any URL', () => {
    expect(answered({ ok: true, status: 200, body }, 'https://cdn.example/m.onnx')).toBe(true);
  });
  it('takes status 0 with a body only from a file: URL (WebKit answers file: reads so)', () => {
    expect(answered({ ok: false, status: 0, body }, 'file:///app/models/catalog.json')).toBe(true);
    expect(answered({ ok: false, status: 0, body: null }, 'file:///app/models/missing.json')).toBe(false);
    expect(answered({ ok: false, status: 0, body }, 'https://cdn.example/m.onnx')).toBe(false);
  });
  it('refuses HTTP errors', () => {
    expect(answered({ ok: false, status: 404, body }, 'file:///app/m.onnx')).toBe(false);
    expect(answered({ ok: false, status: 500, body }, 'https://cdn.example/m.onnx')).toBe(false);
  });
});
