import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollPage, type SavedDownload } from './engine.js';

/**
 * A folder the browser saves downloads into (Firefox's download-dir preference, WebKitGTK's home), and
 * how a test waits for the file a click saved there: a new name, no partial file beside it, a size that
 * has stopped changing.
 */
export interface DownloadDir {
  path: string;
  waitForNew<T>(start: () => Promise<T>, timeoutMs?: number): Promise<SavedDownload>;
  remove(): void;
}

const PARTIAL = /\.(part|download)$/;

export function createDownloadDir(): DownloadDir {
  const path = mkdtempSync(join(tmpdir(), 'splitflow-downloads-'));
  const names = () => new Set(readdirSync(path));
  return {
    path,
    async waitForNew(start, timeoutMs = 30_000) {
      const before = names();
      await start();
      let found: string | undefined;
      let lastSize = -1;
      await pollPage(
        async () => {
          const now = [...names()].filter((n) => !before.has(n));
          if (now.some((n) => PARTIAL.test(n))) return false;
          found = now.find((n) => !n.startsWith('.') && statSync(join(path, n)).isFile());
          if (!found) return false;
          const size = statSync(join(path, found)).size;
          const settled = size > 0 && size === lastSize;
          lastSize = size;
          return settled;
        },
        timeoutMs,
        `a download in ${path}`,
      );
      const name = found as string;
      return { name, text: readFileSync(join(path, name), 'utf8') };
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
