import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { ROOT } from './stack.js';

/**
 * examples/webview as a hybrid app bundles it: built with relative paths, with the catalog and the
 * tiny model beside it. Built once per test run (every suite that loads it shares the build), into
 * one folder per checkout that each run replaces, so runs do not pile builds up in the temp folder.
 */
export async function buildBundledPage(): Promise<string> {
  const run = process.env.SPLITFLOW_TEST_RUN ?? `${process.pid}`;
  const dir = join(tmpdir(), `splitflow-file-page-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`);
  const marker = join(dir, '.built');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === run) return dir;
  await build({ configFile: join(ROOT, 'examples', 'webview', 'vite.config.ts'), base: './', logLevel: 'error', build: { outDir: dir, emptyOutDir: true } });
  mkdirSync(join(dir, 'models'), { recursive: true });
  cpSync(join(ROOT, 'models', 'catalog.json'), join(dir, 'models', 'catalog.json'));
  cpSync(join(ROOT, 'models', 'build', 'tiny'), join(dir, 'models', 'tiny'), { recursive: true });
  writeFileSync(marker, run);
  return dir;
}
