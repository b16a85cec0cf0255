// Writes what is derived from the contract's TypeBox schemas (committed; tests keep both current):
// the JSON Schemas in packages/contract/schemas/, and the precompiled checks in src/precompiled/checks.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMAS, schemaToJson } from '../src/json-schemas.js';
import { precompiledChecksSource } from '../src/precompile-checks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'schemas');
mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(JSON_SCHEMAS)) writeFileSync(join(out, `${name}.schema.json`), schemaToJson(name, schema));
console.log(`wrote ${Object.keys(JSON_SCHEMAS).length} schemas to ${out}`);
const checks = join(root, 'src', 'precompiled', 'checks.ts');
mkdirSync(dirname(checks), { recursive: true });
writeFileSync(checks, precompiledChecksSource());
console.log(`wrote ${checks}`);
