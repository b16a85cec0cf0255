import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

// Every measured figure in a README must come from a results file that a benchmark script wrote. A
// README names the file beside the figure (`apps/bench/results/...` or, inside apps/bench, `results/...`);
// this module finds, per paragraph, table row or list item, the figures and the files it names, and
// checks each figure against the numbers in those files at the README's own precision.

export const RESULTS_DIR = 'apps/bench/results';

/** A paragraph, table row or list item of a README, with the line it starts on. */
export interface Block {
  line: number;
  text: string;
  /** The heading the block sits under, lowercased. */
  section: string;
}

/** A figure: a number written with a decimal point, a thousands separator or an exponent. */
export interface Figure {
  text: string;
  value: number;
  /** Significant digits after the decimal point (or in the mantissa for exponent notation). */
  decimals: number;
  exponent: boolean;
}

export interface FigureProblem {
  readme: string;
  line: number;
  figure?: string;
  message: string;
}

const RESULT_PATH = /(?<![\w/])(?:apps\/bench\/)?results\/[\w.@/-]*[\w-]/g;
// 12,059 / 0.49 / 3.7e-4 / 1.2e3; a leading minus is dropped (ranges like 0.49-0.54 are two figures).
const FIGURE = /(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+(?:e-?\d+)?|\d+e-?\d+)(?![\w]|\.\d)/gi;
// Dates, versions and paths are not figures.
const NOT_FIGURES = [/\d{4}-\d{2}-\d{2}/g, /\bv?\d+\.\d+\.\d+(?:[-.]\w+)*/g, /`[^`]*`/g, /\[[^\]]*\]\([^)]*\)/g, /\bnode\s+\d+(?:\.\d+)*/gi];

/** Splits a markdown text into blocks; code fences are skipped. */
export function readmeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let section = '';
  let current: Block | undefined;
  let fenced = false;
  const flush = () => {
    if (current) blocks.push(current);
    current = undefined;
  };
  markdown.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (/^\s*```/.test(line)) {
      flush();
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      section = (heading[1] ?? '').toLowerCase();
      return;
    }
    if (line.trim() === '') {
      flush();
      return;
    }
    const starts = /^\s*\|/.test(line) || /^\s*(?:[-*]|\d+\.)\s/.test(line);
    if (starts || !current) {
      flush();
      current = { line: index + 1, text: line, section };
    } else {
      current.text += `\n${line}`;
    }
  });
  flush();
  return blocks;
}

/** The figures a block states (dates, versions, code spans and link targets removed). */
export function figuresIn(text: string): Figure[] {
  let cleaned = text;
  for (const pattern of NOT_FIGURES) cleaned = cleaned.replace(pattern, ' ');
  cleaned = cleaned.replace(RESULT_PATH, ' ');
  return [...cleaned.matchAll(FIGURE)].map((m) => parseFigure(m[1] ?? ''));
}

export function parseFigure(text: string): Figure {
  const plain = text.replace(/,/g, '');
  const exponent = /e/i.test(plain);
  const mantissa = exponent ? (plain.split(/e/i)[0] ?? '') : plain;
  const decimals = mantissa.includes('.') ? (mantissa.split('.')[1]?.length ?? 0) : 0;
  return { text, value: Number(plain), decimals, exponent };
}

/** Does some number in the file, written at the figure's precision, read as the figure? */
export function matches(figure: Figure, candidates: readonly number[]): boolean {
  const scale = (v: number) => (figure.exponent ? Number(v.toExponential(figure.decimals)) : Number(v.toFixed(figure.decimals)));
  const target = scale(figure.value);
  // Figures may be quoted in other units than the file's (s vs ms, fractions vs percent, us vs ms).
  return candidates.some((c) => [1, 1e3, 1e-3, 100, 1e-2].some((k) => scale(c * k) === target));
}

/** All numbers written in a results file (JSON values and any number in text). */
export function numbersIn(text: string): number[] {
  return [...text.matchAll(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi)].map((m) => Number(m[0]));
}

/** A folder's files, its hand-written READMEs left out: a figure must come from what a script wrote. */
function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => name !== 'README.md')
    .flatMap((name) => filesUnder(join(path, name)));
}

/** The results paths a block names, resolved from the repository root. */
export function namedResults(block: Block, root: string): string[] {
  // `results/...` is short for apps/bench/results/... in every README.
  return [...block.text.matchAll(RESULT_PATH)].map((m) => join(root, m[0].startsWith('apps/') ? m[0] : `apps/bench/${m[0]}`));
}

/** A named path's files: a file, a folder's files, or `name.{json,md}` written as `name`. */
function filesNamed(path: string): string[] {
  if (existsSync(path)) return filesUnder(path);
  const dir = dirname(path);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${basename(path)}.`))
    .map((name) => join(dir, name));
}

const isItem = (block: Block) => /^\s*(?:\||[-*]\s|\d+\.\s)/.test(block.text);

const MEASURED_SECTION = /measured|figures|results|benchmark/;

/**
 * Checks one README: every figure in a block that names results files is found in them; a block
 * under a "Measured"/"Figures" heading that states figures names at least one results file.
 */
export function checkReadme(readmePath: string, root: string): FigureProblem[] {
  const readme = relative(root, readmePath);
  const problems: FigureProblem[] = [];
  // Table rows and list items may take their files from the paragraph that introduces them.
  let context: { section: string; named: string[] } = { section: '', named: [] };
  for (const block of readmeBlocks(readFileSync(readmePath, 'utf8'))) {
    const figures = figuresIn(block.text);
    let named = namedResults(block, root);
    if (!isItem(block)) context = { section: block.section, named };
    else if (named.length === 0 && context.section === block.section) named = context.named;
    if (named.length === 0) {
      if (figures.length > 0 && MEASURED_SECTION.test(block.section)) {
        problems.push({ readme, line: block.line, figure: figures[0]?.text, message: 'figures under a measured heading name no results file' });
      }
      continue;
    }
    const files = named.flatMap((p) => filesNamed(p));
    const missing = named.filter((p) => filesNamed(p).length === 0);
    for (const p of missing) problems.push({ readme, line: block.line, message: `names ${relative(root, p)}, which does not exist` });
    if (files.length === 0) continue;
    const numbers = files.flatMap((f) => numbersIn(readFileSync(f, 'utf8')));
    for (const figure of figures) {
      if (!matches(figure, numbers)) {
        problems.push({ readme, line: block.line, figure: figure.text, message: `not found in ${named.map((p) => relative(root, p)).join(', ')}` });
      }
    }
  }
  return problems;
}

/** Project READMEs (not the notes inside results folders, which are results themselves). */
export function projectReadmes(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.') || name === 'dist' || name === 'build' || name === 'test-results') continue;
      const path = join(dir, name);
      if (resolve(path) === resolve(root, RESULTS_DIR)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'README.md') found.push(path);
    }
  };
  walk(root);
  return found.sort();
}
