import { evalTerms, type ModelCatalog, type ModelManifest } from '@splitflow/contract';

/** Sizes the table reports FLOPs at: one item, and a typical input where the size varies. */
const TYPICAL: Record<string, Record<string, number>> = {
  'text-m': { seq: 128 },
  'ocr-det': { height: 640, width: 640 },
  'ocr-rec': { width: 320 },
};

export function typicalDims(m: ModelManifest): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const input of m.inputs) for (const d of input.shape) if (typeof d === 'string') dims[d] = m.dimBounds?.[d]?.min ?? 1;
  return { ...dims, batch: 1, ...TYPICAL[m.id] };
}

const si = (n: number, unit: string): string => {
  for (const [scale, prefix] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (n >= scale) return `${(n / scale).toFixed(n / scale >= 100 ? 0 : 1)} ${prefix}${unit}`;
  }
  return `${n} ${unit}`;
};

/** A plain-text table of the catalog: id, task, format, size, params, FLOPs at a typical size. */
export function formatCatalog(catalog: ModelCatalog): string {
  const rows = catalog.models
    .filter((m) => !m.tailOf)
    .map((m) => {
      const dims = typicalDims(m);
      const at = Object.entries(dims)
        .filter(([d]) => d !== 'batch')
        .map(([d, v]) => `${d}=${v}`)
        .join(' ');
      return [
        m.id + (m.onDemand ? ' *' : ''),
        m.task,
        m.format,
        si(
          m.files.reduce((s, f) => s + f.bytes, 0),
          'B',
        ),
        si(m.cost.parameterBytes / 4, ''),
        `${si(evalTerms(m.cost.flops, dims), 'FLOP')}${at ? ` (${at})` : ''}`,
      ];
    });
  const header = ['id', 'task', 'format', 'size', 'params', 'FLOPs per item'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    `catalog v${catalog.catalogVersion}: ${rows.length} models, ${catalog.models.length - rows.length} tails of their cuts`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '* built on demand: npm run models -- --large',
    '',
    formatCuts(catalog),
  ].join('\n');
}

const ENCODING_BYTES = { fp32: 1, fp16: 0.5, uint8: 0.25 } as const;

/** Each model's cuts: what crosses (per allowed encoding), the share of FLOPs on each side, the tails. */
export function formatCuts(catalog: ModelCatalog): string {
  const lines = ['cuts (bytes across at the typical size; FLOPs on the device | in the pool; tail models)'];
  for (const m of catalog.models) {
    if (!m.cutPoints?.length) continue;
    const dims = typicalDims(m);
    const input = m.inputs.reduce((s, t) => s + t.shape.reduce<number>((p, d) => p * (typeof d === 'number' ? d : (dims[d] ?? 1)), 1) * 4, 0);
    lines.push(`${m.id} (input ${si(input, 'B')})`);
    for (const c of m.cutPoints) {
      const bytes = evalTerms(c.activationBytes, dims);
      const before = evalTerms(c.flopsBefore, dims);
      const share = before / (before + evalTerms(c.flopsAfter, dims));
      const across = c.encodings
        .filter((e) => e.allowed)
        .map((e) => `${si(bytes * ENCODING_BYTES[e.encoding], 'B')} ${e.encoding}`)
        .join(', ');
      const refused = c.encodings.filter((e) => !e.allowed).map((e) => `${e.encoding} refused (max error ${e.maxAbsError} of ${e.outputScale})`);
      lines.push(
        `  ${c.name.padEnd(24)} ${across}; ${(100 * share).toFixed(1)}% | ${(100 * (1 - share)).toFixed(1)}%${refused.length ? `; ${refused.join(', ')}` : ''}`,
      );
      lines.push(`  ${''.padEnd(24)} tails: ${c.encodings.flatMap((e) => (e.tail ? [e.tail] : [])).join(', ')}`);
    }
  }
  return lines.join('\n');
}
