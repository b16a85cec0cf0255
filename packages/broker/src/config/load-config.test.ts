import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCatalogFile as readCatalog } from '@splitflow/server-kit';
import { describe, expect, it } from 'vitest';
import { loadBrokerConfig } from './load-config.js';

const example = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'broker.example.yaml');

describe('loadBrokerConfig', () => {
  it('reads the shipped example', async () => {
    const { config, baseDir } = await loadBrokerConfig(example);
    expect(config.pools[0]).toMatchObject({ name: 'local-cpu', hardware: 'cpu' });
    expect(baseDir).toBe(dirname(example));
  });

  it("the example serves every model a default worker serves: the catalog's ONNX models but the on-demand large", async () => {
    const { config, baseDir } = await loadBrokerConfig(example);
    const catalog = await readCatalog(join(baseDir, config.catalog as string));
    // Tails of cut points are served only when asked (`--tails`).
    const byDefault = catalog.models.filter((m) => m.format === 'onnx' && m.id !== 'large' && m.tailOf === undefined).map((m) => m.id);
    expect(config.pools.flatMap((p) => p.models).sort()).toEqual(byDefault.sort());
    expect(config.cors?.origins).toEqual(expect.arrayContaining(['http://localhost:5173', 'http://localhost:4173']));
  });

  it('names the file, the path and the rule of a bad config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitflow-broker-config-'));
    const file = join(dir, 'broker.yaml');
    writeFileSync(
      file,
      'pools:\n  - name: cpu\n    hardware: quantum\n    protocol: oip-v2\n    endpoints: [{ url: ftp://x }]\n    costPerHour: 1\n    maxConcurrency: 1\n    models: [m]\n',
    );
    await expect(loadBrokerConfig(file)).rejects.toThrow(/broker\.yaml: invalid broker config: .*pools\[0\]\.hardware: expected one of gpu, tpu, cpu/);
    await expect(loadBrokerConfig(file)).rejects.toThrow(/pools\[0\]\.endpoints\[0\]\.url: expected an http\(s\) URL/);
    writeFileSync(file, 'pools: [\n');
    await expect(loadBrokerConfig(file)).rejects.toThrow(/not valid YAML/);
    await expect(loadBrokerConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read broker config/);
  });
});
