import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dimSize, evalTerms, type ModelCatalog, validateCatalog } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { buildGenerated, GENERATED } from '../generated/entries.js';
import { buildNsfw } from '../real/nsfw.js';
import { buildRealOnnx, REAL_ONNX } from '../real/onnx-models.js';
import { BUILD_DIR, loadCatalog, MODELS_DIR } from '../testing/paths.js';
import { formatCatalog } from './print.js';

const catalog = loadCatalog();
const noWrite = { outDir: BUILD_DIR, write: false };

describe('catalog.json', () => {
  it('validates and holds the generated and the real models', () => {
    expect(
      catalog.models
        .filter((m) => !m.tailOf)
        .map((m) => m.id)
        .sort(),
    ).toEqual(['large', 'nsfw-mobilenet', 'ocr-cls', 'ocr-det', 'ocr-rec', 'text-m', 'tiny', 'vad', 'vision-s'].sort());
    // Every other entry is the tail of a cut, named model.cut[.encoding].
    for (const tail of catalog.models.filter((m) => m.tailOf)) {
      const { model, cut, encoding } = tail.tailOf ?? { model: '', cut: '', encoding: 'fp32' };
      expect(tail.id).toBe(encoding === 'fp32' ? `${model}.${cut}` : `${model}.${cut}.${encoding}`);
    }
    expect(catalog.models.filter((m) => m.onDemand).map((m) => m.id)).toEqual(['large']);
  });

  it('is what the generator computes now (manifests are not stale)', async () => {
    // With the committed manifests as `previous`, measured encodings are reused where the bytes match:
    // this checks every computed field and every file hash, not the accuracy figures (split.test.ts does).
    const built = (id: string) => [catalog.models.find((m) => m.id === id), ...catalog.models.filter((m) => m.tailOf?.model === id)];
    for (const model of GENERATED) {
      expect(await buildGenerated(model, { ...noWrite, previous: catalog.models }), model.id).toEqual(built(model.id));
    }
    for (const model of REAL_ONNX) {
      expect(await buildRealOnnx(model, { ...noWrite, previous: catalog.models }, MODELS_DIR), model.id).toEqual(built(model.id));
    }
    expect(await buildNsfw(noWrite, MODELS_DIR)).toEqual(catalog.models.find((m) => m.id === 'nsfw-mobilenet'));
  });

  it('equals the catalog.json in git after the build rewrote it (bytes are the same on every machine)', (ctx) => {
    let committed: string;
    try {
      // The index (staged) version: on a clean clone that is the commit, and a change is staged before committing.
      committed = execFileSync('git', ['show', ':./catalog.json'], { cwd: MODELS_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      ctx.skip('not a git checkout');
      return;
    }
    expect(loadCatalog()).toEqual(JSON.parse(committed));
  });

  it('matches every built file by size and SHA-256', () => {
    let checked = 0;
    for (const model of catalog.models) {
      for (const file of [...model.files, ...(model.variants ?? []).flatMap((v) => v.files), ...(model.cutPoints ?? []).map((c) => c.head)]) {
        const path = join(BUILD_DIR, file.path);
        if (model.onDemand && !existsSync(path)) continue;
        expect(existsSync(path), `${path} (run npm run models)`).toBe(true);
        const bytes = readFileSync(path);
        expect(bytes.byteLength, file.path).toBe(file.bytes);
        expect(createHash('sha256').update(bytes).digest('hex'), file.path).toBe(file.sha256);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(11);
  });

  it('has sizes in the ranges the catalog promises', () => {
    const size = (id: string) => catalog.models.find((m) => m.id === id)?.files.reduce((s, f) => s + f.bytes, 0) ?? 0;
    expect(size('tiny')).toBeGreaterThan(50e3);
    expect(size('tiny')).toBeLessThan(200e3);
    expect(size('vision-s')).toBeGreaterThan(2e6);
    expect(size('vision-s')).toBeLessThan(10e6);
    expect(size('text-m')).toBeGreaterThan(20e6);
    expect(size('text-m')).toBeLessThan(60e6);
    const large = catalog.models.find((m) => m.id === 'large');
    const perRow = evalTerms(large?.cost.flops ?? [], { batch: 1 });
    expect(perRow).toBeGreaterThan(100e6);
    expect(perRow).toBeLessThan(200e6);
  });

  it('splits vision-s at its cuts without losing FLOPs, and counts the bytes across', () => {
    const vision = catalog.models.find((m) => m.id === 'vision-s');
    const maxpool = vision?.cutPoints?.find((c) => c.name === 'maxpool');
    expect(maxpool?.tensors).toEqual([{ name: 'MaxPool:0', datatype: 'FP32', shape: ['batch', 64, 56, 56] }]);
    for (const cut of vision?.cutPoints ?? []) {
      for (const batch of [1, 7]) {
        const total = evalTerms(vision?.cost.flops ?? [], { batch });
        const before = evalTerms(cut.flopsBefore, { batch });
        expect(before).toBeGreaterThan(0);
        expect(before + evalTerms(cut.flopsAfter, { batch })).toBe(total);
        const elements = cut.tensors.reduce((s, t) => s + t.shape.reduce<number>((p, d) => p * (d === 'batch' ? batch : Number(d)), 1), 0);
        expect(evalTerms(cut.activationBytes, { batch })).toBe(elements * 4);
      }
    }
  });

  it('sizes every output from the inputs: each dim fixed, an input dim or derived from one (`width_8`)', () => {
    // An output-only dim would make the router weigh the answer at one element along it (ocr-rec's
    // 40 steps once read as 1: a 1 MB answer priced as 26 KB).
    // A tail's answer is its model's, sized by the model's own dims.
    for (const m of catalog.models.filter((x) => !x.tailOf)) {
      const dims = Object.fromEntries(m.inputs.flatMap((i) => i.shape.filter((d): d is string => typeof d === 'string').map((d) => [d, 64])));
      for (const o of m.outputs) {
        for (const d of o.shape) if (typeof d === 'string') expect(dimSize(d, dims), `${m.id} ${o.name} dim ${d}`).toBeGreaterThan(0);
      }
    }
  });

  it('prints a table with one row per model', () => {
    const table = formatCatalog(catalog);
    for (const m of catalog.models) expect(table).toContain(m.id);
    expect(table).toMatch(/text-m .*MFLOP \(seq=128\)/);
  });
});

describe('bad catalogs are rejected', () => {
  const broken = (edit: (c: ModelCatalog) => void): unknown => {
    const copy = structuredClone(catalog);
    edit(copy);
    return copy;
  };
  const cases: [string, (c: ModelCatalog) => void, RegExp][] = [
    ['cost dim that no input has', (c) => c.models[0]?.cost.flops.push({ coefficient: 1, dims: { pixels: 1 } }), /models\[0\]\.cost\.flops: dim "pixels"/],
    [
      'negative coefficient',
      (c) => c.models[1]?.cost.flops.splice(0, 1, { coefficient: -5, dims: { batch: 1 } }),
      /models\[1\]\.cost\.flops\[0\]\.coefficient/,
    ],
    ['bad SHA-256', (c) => Object.assign(c.models[2]?.files[0] ?? {}, { sha256: 'abc' }), /models\[2\]\.files\[0\]\.sha256/],
    ['duplicate id', (c) => c.models.push(structuredClone(c.models[0]!)), /duplicate model id "tiny"/],
    ['unknown format', (c) => Object.assign(c.models[0] ?? {}, { format: 'pt' }), /models\[0\]\.format: expected "onnx" or "tfjs"/],
    ['inverted bounds', (c) => Object.assign(c.models[2] ?? {}, { dimBounds: { seq: { min: 9, max: 3 } } }), /dimBounds\.seq: expected min <= max/],
  ];
  it.each(cases)('%s', (_, edit, message) => {
    expect(() => validateCatalog(broken(edit))).toThrow(message);
    try {
      validateCatalog(broken(edit));
    } catch (error) {
      expect((error as { code?: string }).code).toBe('INVALID_DOCUMENT');
    }
  });
});

describe('build.ts', () => {
  it('builds one model on its own (the path used for `large` on another machine) with the catalog manifest', () => {
    const out = mkdtempSync(join(tmpdir(), 'splitflow-models-'));
    try {
      const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=source', join(MODELS_DIR, 'build.ts'), '--only', 'tiny', '--out', out], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const [manifest] = JSON.parse(stdout) as ModelCatalog['models'];
      expect(manifest).toEqual(catalog.models.find((m) => m.id === 'tiny'));
      const bytes = readFileSync(join(out, 'tiny/model.onnx'));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest?.files[0]?.sha256);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('rejects an unknown model id', () => {
    expect(() =>
      execFileSync(process.execPath, ['--import', 'tsx', '--conditions=source', join(MODELS_DIR, 'build.ts'), '--only', 'nope'], {
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ).toThrow(/unknown model id nope/);
  });
});
