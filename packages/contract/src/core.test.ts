import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from './core.js';
import * as full from './index.js';

/** Every module `entry` loads at run time, following static imports that are not type-only (dynamic imports are lazy chunks). */
function runtimeGraph(entry: URL): Set<string> {
  const seen = new Set<string>();
  const visit = (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    if (!url.protocol.startsWith('file')) return;
    const text = readFileSync(url, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^']+)'/gms)) {
      if (m[1]) continue;
      const spec = m[2] as string;
      visit(spec.startsWith('.') ? new URL(spec.replace(/\.js$/, '.ts'), url) : new URL(`package:${spec}`));
    }
  };
  visit(entry);
  return seen;
}

describe('@splitflow/contract/core', () => {
  it('loads no TypeBox and none of the schema modules', () => {
    const graph = [...runtimeGraph(new URL('./core.ts', import.meta.url))];
    expect(graph.filter((m) => m.startsWith('package:'))).toEqual([]);
    expect(graph.filter((m) => /\/schema\/(?!health|load-headers)|\/validate\.ts$/.test(m))).toEqual([]);
    // The walk itself sees the schema code where it is.
    expect([...runtimeGraph(new URL('./index.ts', import.meta.url))]).toContain('package:@sinclair/typebox');
  });

  it('is a subset of the full entry, with the same values except the decoders', () => {
    for (const [name, value] of Object.entries(core)) {
      expect(full, name).toHaveProperty(name);
      if (name !== 'decodeInferRequest' && name !== 'decodeInferResponse') expect((full as Record<string, unknown>)[name], name).toBe(value);
    }
  });
});
