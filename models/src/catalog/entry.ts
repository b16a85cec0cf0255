import type { ModelManifest } from '@splitflow/contract';

export interface BuildContext {
  /** Directory the files go to (models/build); manifests name files relative to it. */
  outDir: string;
  /** When false, files are only hashed, not written (an on-demand model's manifest in a default build). */
  write: boolean;
  log?: (line: string) => void;
  /**
   * The manifests of the last build (catalog.json): a cut whose model and head bytes are unchanged
   * keeps its measured encodings instead of running them again, which keeps the build fast.
   */
  previous?: readonly ModelManifest[];
}

/** One model of the catalog: builds its files and returns its manifest, computed from them. */
export interface CatalogEntry {
  id: string;
  /** Built only when asked (`--large`); its manifest is in the catalog either way. */
  onDemand?: boolean;
  /** The model's manifest, then the manifests of its cuts' tails (models of their own). */
  build(ctx: BuildContext): Promise<ModelManifest | ModelManifest[]>;
}
