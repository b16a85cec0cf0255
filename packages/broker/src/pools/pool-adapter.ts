import type { EndpointKind } from '@splitflow/contract';
import type { Upstream } from '../proxy/upstream.js';

/** What the adapter knows of the pool an endpoint belongs to. */
export interface AdapterPool {
  /** Model ids the pool serves. */
  readonly models: ReadonlySet<string>;
  /** The pool's own version of a model, where it differs from the catalog's (config `versions`). */
  readonly versions: Readonly<Record<string, string>>;
}

/** A probe's verdict: healthy or not, and why (for the log line when an endpoint is ejected or readmitted). */
export interface ProbeResult {
  ok: boolean;
  why: string;
  /** The models the endpoint holds in memory, where it says (our worker does when it loads on demand). */
  loadedModels?: string[];
}

/**
 * How the broker talks to one kind of OIP v2 server: where it sends a model's requests (version
 * naming differs between servers), and how it decides the server can take them (health semantics).
 */
export interface PoolAdapter {
  readonly kind: EndpointKind;
  /** Path below the endpoint URL of a model's inference, metadata or readiness, for the catalog version the client named. */
  modelPath(model: string, catalogVersion: string | undefined, suffix: '/infer' | '/ready' | ''): string;
  /** One health probe of an endpoint. */
  probe(upstream: Upstream, endpointUrl: string, timeoutMs: number): Promise<ProbeResult>;
}

export function modelPath(model: string, version: string | undefined, suffix: string): string {
  const base = `/v2/models/${encodeURIComponent(model)}`;
  return version === undefined ? `${base}${suffix}` : `${base}/versions/${encodeURIComponent(version)}${suffix}`;
}
