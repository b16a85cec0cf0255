import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's "Use it in your app" shows the files the consumer test builds and runs
// (examples/vite-app, examples/next-app); each block marked `<!-- snippet: path -->` must equal that file.
const sdk = join(import.meta.dirname, '..');

describe('README snippets', () => {
  it('equal the example app that the consumer test runs', async () => {
    const readme = await readFile(join(sdk, 'README.md'), 'utf8');
    const snippets = [...readme.matchAll(/<!-- snippet: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)];
    expect(snippets.map((m) => m[1])).toEqual(['examples/vite-app/vite.config.ts', 'examples/vite-app/src/main.ts', 'examples/next-app/app/page.jsx']);
    for (const [, path, shown] of snippets) {
      const file = await readFile(join(sdk, path as string), 'utf8');
      expect(shown, path).toBe(file.replace(/\n$/, ''));
    }
  });
});
