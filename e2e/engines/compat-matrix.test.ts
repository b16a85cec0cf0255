import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, MATRIX_FILE, matrixInReadme, README_FILE, readMatrix, recordCompat, renderMatrix, withMatrix } from './compat-matrix.js';

describe('the compatibility matrix', () => {
  it('in packages/sdk/README.md is the one the last browser run wrote (run `npm run test:browser` to refresh it)', () => {
    const readme = readFileSync(README_FILE, 'utf8');
    expect(Object.keys(readMatrix(MATRIX_FILE))).toEqual(['chromium', 'firefox', 'webkit']);
    expect(matrixInReadme(readme)).toBe(renderMatrix(readMatrix(MATRIX_FILE)));
  });

  it('merges what each test records per engine and renders a row per fact', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'splitflow-matrix-')), 'm.json');
    recordCompat('webkit', { wasmThreads: 'no', localRun: 'yes' }, file);
    recordCompat('chromium', { wasmThreads: 'yes' }, file);
    recordCompat('webkit', { localRun: 'fails: a|b' }, file);
    const matrix = readMatrix(file);
    expect(Object.keys(matrix)).toEqual(['chromium', 'webkit']);
    expect(matrix.webkit).toEqual({ wasmThreads: 'no', localRun: 'fails: a|b' });
    const table = renderMatrix(matrix);
    expect(table.split('\n')[0]).toBe('| | chromium | webkit |');
    expect(table).toContain('| probe: wasm threads | yes | no |');
    expect(table).toContain('| local run (= onnxruntime-node) | not run | fails: a\\|b |');
    // A row only the WebKit host can fill reads n/a elsewhere.
    expect(table).toMatch(/\| WebView host, no network route[^|]*\| n\/a \(webkit only\) \| not run \|/);
  });

  it('replaces only the section between the markers, and refuses a README without them', () => {
    const readme = `# x\n\n${BEGIN}\nold\n${END}\n\nafter\n`;
    expect(withMatrix(readme, '| new |')).toBe(`# x\n\n${BEGIN}\n| new |\n${END}\n\nafter\n`);
    expect(matrixInReadme(withMatrix(readme, '| new |'))).toBe('| new |');
    expect(() => withMatrix('# no markers', 't')).toThrow(/compat-matrix:begin/);
  });
});
