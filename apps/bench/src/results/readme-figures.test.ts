import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReadme, figuresIn, matches, parseFigure, projectReadmes, readmeBlocks } from './readme-figures.js';

const ROOT = resolve(import.meta.dirname, '../../../..');

describe('every figure in a README comes from the results file it names', () => {
  it.each(projectReadmes(ROOT).map((p) => [p.slice(ROOT.length + 1), p]))('%s', (_name, path) => {
    const problems = checkReadme(path, ROOT).map((p) => `${p.readme}:${p.line} ${p.figure ?? ''} ${p.message}`);
    expect(problems).toEqual([]);
  });
});

describe('the figure checker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'figures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'apps/bench/results/run'), { recursive: true });
  writeFileSync(join(dir, 'apps/bench/results/run/a.json'), JSON.stringify({ p50Ms: 0.4923, rows: 12059, cost: 0.000371 }));
  const readme = (text: string) => {
    const path = join(dir, 'README.md');
    writeFileSync(path, text);
    return checkReadme(path, dir);
  };

  it('finds figures, not dates, versions, code or paths', () => {
    expect(figuresIn('2026-11-24: node 20.19, v1.30.0, `0.5 ms`, 0.49-0.54 ms, 12,059 rows/s, $3.7e-4 in results/x-1.2/a.json').map((f) => f.text)).toEqual([
      '0.49',
      '0.54',
      '12,059',
      '3.7e-4',
    ]);
  });

  it('reads a figure at its own precision, in the units a README may use', () => {
    expect(matches(parseFigure('0.49'), [0.4923])).toBe(true);
    expect(matches(parseFigure('0.50'), [0.4923])).toBe(false);
    expect(matches(parseFigure('492.3'), [0.4923])).toBe(true);
    expect(matches(parseFigure('3.7e-4'), [0.000371])).toBe(true);
    expect(matches(parseFigure('3.8e-4'), [0.000371])).toBe(false);
  });

  it('passes a row whose figures are in its file and fails one that is not', () => {
    expect(readme('## Measured\n\n| a | b |\n|---|---|\n| 0.49 ms, 12,059 rows/s | `apps/bench/results/run/a.json` |\n')).toEqual([]);
    const wrong = readme('## Measured\n\n| a | b |\n|---|---|\n| 0.52 ms | `apps/bench/results/run/a.json` |\n');
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatchObject({ line: 5, figure: '0.52' });
  });

  it('lets a table take its file from the paragraph that introduces it', () => {
    expect(readme('## Measured\n\nFrom `results/run/`:\n\n| a |\n|---|\n| 12,059 |\n')).toEqual([]);
    expect(readme('## Measured\n\nFrom `results/run/`:\n\n| a |\n|---|\n| 12,060 |\n')).toHaveLength(1);
  });

  it("reads a named folder's files, its hand-written README not among them", () => {
    writeFileSync(join(dir, 'apps/bench/results/run/README.md'), 'A person wrote 7.25 ms here.');
    expect(readme('## Measured\n\n12,059 rows/s (`results/run/`)\n')).toEqual([]);
    expect(readme('## Measured\n\n7.25 ms (`results/run/`)\n')).toHaveLength(1);
  });

  it('flags figures under a measured heading that name no file, and files that do not exist', () => {
    expect(readme('## Measured\n\nThe broker adds 0.49 ms.\n')[0]?.message).toMatch(/name no results file/);
    expect(readme('## Usage\n\nTimeouts default to 2.5 s.\n')).toEqual([]);
    expect(readme('## Measured\n\n0.49 ms (`results/missing.json`)\n')[0]?.message).toMatch(/does not exist/);
  });

  it('splits paragraphs, rows and list items, and skips code fences', () => {
    const blocks = readmeBlocks('# T\n\npara one\ncontinues\n\n- item 1.5\n- item 2.5\n\n```\n0.99\n```\n| r | 3.5 |\n');
    expect(blocks.map((b) => [b.line, b.text])).toEqual([
      [3, 'para one\ncontinues'],
      [6, '- item 1.5'],
      [7, '- item 2.5'],
      [12, '| r | 3.5 |'],
    ]);
  });
});
