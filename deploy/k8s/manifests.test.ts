import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { type BrokerConfig, validateBrokerConfig, validateCatalog } from '@splitflow/contract';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// The Kubernetes manifests are checked without a cluster: each object against the Kubernetes (and
// KEDA) OpenAPI schemas that `kubernetes-models` carries, and across objects for what the schemas
// cannot see: the broker's config is one the broker accepts, every pool's DNS name is a headless
// Service of a worker Deployment on its port, and every ScaledObject scales a Deployment by its pool's metric.

const DIR = import.meta.dirname;
const ROOT = resolve(DIR, '../..');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

const manifests: { file: string; doc: Manifest }[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
      return { file, doc: d.toJSON() as Manifest };
    }),
  );
const ofKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);

describe('Kubernetes manifests (deploy/k8s)', () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata?.name}`, m.doc] as const))('%s is valid against its schema', (_name, doc) => {
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    expect(Model, `no schema known for ${doc.apiVersion} ${doc.kind}`).toBeDefined();
    expect(() => new (Model as NonNullable<typeof Model>)(doc as never).validate()).not.toThrow();
  });

  it('a schema check refuses a broken object (the check can fail)', () => {
    const broken = structuredClone(ofKind('Deployment')[0]) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  const configMap = ofKind('ConfigMap').find((c) => c.metadata.name === 'broker-config') as { data: Record<string, string> } & Manifest;
  const brokerConfig = (parseAllDocuments(configMap.data['broker.yaml'] as string)[0]?.toJSON() ?? {}) as BrokerConfig;

  it("holds a broker config the broker accepts, serving only the catalog's models", () => {
    expect(() => validateBrokerConfig(brokerConfig)).not.toThrow();
    const catalog = validateCatalog(JSON.parse(readFileSync(join(ROOT, 'models/catalog.json'), 'utf8')));
    const ids = new Set(catalog.models.map((m) => m.id));
    for (const pool of brokerConfig.pools) for (const model of pool.models) expect(ids, `${pool.name} serves ${model}`).toContain(model);
  });

  it("finds every pool's workers through a headless Service of a worker Deployment, on the port they listen on", () => {
    const services = ofKind('Service') as ({ spec: { clusterIP?: string; selector: Record<string, string>; ports: { port: number }[] } } & Manifest)[];
    const deployments = ofKind('Deployment') as ({
      spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { command: string[] }[] } } };
    } & Manifest)[];
    for (const pool of brokerConfig.pools) {
      const dns = pool.discovery?.dns;
      expect(dns, `pool ${pool.name} discovers its endpoints`).toBeDefined();
      const [name, namespace] = (dns?.name ?? '').split('.');
      const service = services.find((s) => s.metadata.name === name && s.metadata.namespace === namespace);
      expect(service, `Service ${dns?.name}`).toBeDefined();
      expect(service?.spec.clusterIP).toBe('None');
      expect(service?.spec.ports.map((p) => p.port)).toContain(dns?.port);
      const selected = deployments.filter((d) => Object.entries(service?.spec.selector ?? {}).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(selected, `one Deployment behind ${name}`).toHaveLength(1);
      const command = selected[0]?.spec.template.spec.containers[0]?.command ?? [];
      expect(command[command.indexOf('--port') + 1]).toBe(String(dns?.port));
      expect(command[command.indexOf('--host') + 1]).toBe('0.0.0.0');
    }
  });

  it("scales each worker Deployment by its pool's desired-replicas metric", () => {
    const scaled = ofKind('ScaledObject') as ({
      spec: { scaleTargetRef: { name: string }; triggers: { type: string; metadata: { query: string } }[] };
    } & Manifest)[];
    const deployments = new Set(ofKind('Deployment').map((d) => d.metadata.name));
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(brokerConfig.pools.map((p) => p.discovery?.dns?.name.split('.')[0]).sort());
    for (const s of scaled) {
      expect(deployments).toContain(s.spec.scaleTargetRef.name);
      const pool = brokerConfig.pools.find((p) => p.discovery?.dns?.name.startsWith(`${s.spec.scaleTargetRef.name}.`));
      expect(s.spec.triggers[0]?.metadata.query).toBe(`max(splitflow_broker_pool_desired_replicas{pool="${pool?.name}"})`);
    }
  });

  it('puts the GPU pool on GPU nodes and the spot pool on spot nodes', () => {
    const byName = new Map(ofKind('Deployment').map((d) => [d.metadata.name, JSON.stringify(d)]));
    expect(byName.get('workers-gpu')).toContain('"nvidia.com/gpu":"1"');
    expect(byName.get('workers-gpu')).toContain('"key":"nvidia.com/gpu"');
    expect(byName.get('workers-cpu-spot')).toContain('karpenter.sh/capacity-type');
    expect(byName.get('workers-cpu')).not.toContain('spot');
  });
});
