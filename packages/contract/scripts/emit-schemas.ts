// Writes the contract's JSON Schemas to packages/contract/schemas/ (committed; a test keeps them current).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMAS, schemaToJson } from '../src/json-schemas.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(JSON_SCHEMAS)) writeFileSync(join(out, `${name}.schema.json`), schemaToJson(name, schema));
console.log(`wrote ${Object.keys(JSON_SCHEMAS).length} schemas to ${out}`);
