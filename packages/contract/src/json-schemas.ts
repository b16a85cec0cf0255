import type { TSchema } from '@sinclair/typebox';
import { ModelCatalog } from './schema/catalog.js';
import { DeviceProfile } from './schema/device.js';
import { ModelManifest } from './schema/manifest.js';
import { RoutingPolicy } from './schema/policy.js';
import { PoolConfig } from './schema/pool.js';

/**
 * The documents other languages read, as plain JSON Schema (draft 2020-12 compatible). TypeBox schemas
 * are JSON Schema objects already; `errorMessage` is an annotation that other validators ignore.
 */
export const JSON_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  'model-manifest': ModelManifest,
  'model-catalog': ModelCatalog,
  'routing-policy': RoutingPolicy,
  'device-profile': DeviceProfile,
  'pool-config': PoolConfig,
});

/** A schema as the JSON text committed under packages/contract/schemas/. */
export function schemaToJson(name: string, schema: TSchema): string {
  // Nested `$id`s name TypeBox's building blocks; in one document they would repeat, so only the root keeps one.
  const body = JSON.parse(JSON.stringify(schema, (key, value) => (key === '$id' ? undefined : value)));
  const document = { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `${name}.schema.json`, title: name, ...body };
  return `${JSON.stringify(document, null, 2)}\n`;
}
