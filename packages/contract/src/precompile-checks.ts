import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ModelCatalog } from './schema/catalog.js';
import { DeviceProfile } from './schema/device.js';
import { InferenceRequest, InferenceResponse } from './schema/oip.js';
import { RoutingPolicy } from './schema/policy.js';

/**
 * The documents a client checks, each compiled ahead of time (TypeBox's TypeCompiler.Code) into a plain
 * function: a browser gets the check without TypeBox and without `new Function` (strict CSP pages).
 * Keyed by the exported name; the value names the type it guards.
 */
const PRECOMPILED: Readonly<Record<string, { schema: TSchema; type: string }>> = Object.freeze({
  isModelCatalog: { schema: ModelCatalog, type: 'ModelCatalog' },
  isRoutingPolicy: { schema: RoutingPolicy, type: 'RoutingPolicy' },
  isDeviceProfile: { schema: DeviceProfile, type: 'DeviceProfile' },
  isInferenceRequest: { schema: InferenceRequest, type: 'InferenceRequest' },
  isInferenceResponse: { schema: InferenceResponse, type: 'InferenceResponse' },
});

/** The text of `src/precompiled/checks.ts`, committed; a test keeps it current. */
export function precompiledChecksSource(): string {
  const parts = [
    '// @ts-nocheck: generated code; the exports carry the types.',
    '// Written by packages/contract/scripts/emit-schemas.ts from the TypeBox schemas (TypeCompiler.Code). Do not edit.',
    "import type { ModelCatalog } from '../schema/catalog.js';",
    "import type { DeviceProfile } from '../schema/device.js';",
    "import type { InferenceRequest, InferenceResponse } from '../schema/oip.js';",
    "import type { RoutingPolicy } from '../schema/policy.js';",
    '',
  ];
  for (const [name, { schema, type }] of Object.entries(PRECOMPILED)) {
    const code = TypeCompiler.Code(schema, [], { language: 'javascript' });
    parts.push(`export const ${name}: (value: unknown) => value is ${type} = /* @__PURE__ */ (() => {`, code.trim(), '})();', '');
  }
  return parts.join('\n');
}
