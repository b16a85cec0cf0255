import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface InstalledPackage {
  name: string;
  version: string;
  license: string;
  dir: string;
}

/** Finds an installed npm package by walking up from `from` through node_modules folders. */
export function findPackage(name: string, from: string): InstalledPackage {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8')) as { version: string; license?: string };
      return { name, version: pkg.version, license: pkg.license ?? 'UNKNOWN', dir: candidate };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`npm package ${name} is not installed (looked up from ${from}); run npm ci`);
    dir = parent;
  }
}
