import { type Static, Type } from '@sinclair/typebox';
import { DATATYPES } from '../codec/datatypes.js';
export const Datatype = Type.Union(
  DATATYPES.map((d) => Type.Literal(d)),
  { $id: 'Datatype', errorMessage: `expected one of ${DATATYPES.join(', ')}` },
);
export type Datatype = Static<typeof Datatype>;

export const DIM_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const DimName = Type.String({ pattern: DIM_NAME_PATTERN, errorMessage: 'expected a dim name (letters, digits, _)' });

/** A tensor dimension: a fixed size, or a symbolic name such as `batch`, bound at request time. */
export const Dim = Type.Union([Type.Integer({ minimum: 1 }), DimName], { errorMessage: 'expected integer >= 1 or a dim name' });
export type Dim = Static<typeof Dim>;

export const Identifier = Type.String({
  pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
  errorMessage: 'expected an id of lower-case letters, digits, ".", "_" or "-" (1-64 chars)',
});

export const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', errorMessage: 'expected 64 lower-case hex digits' });

export const NonNegative = Type.Number({ minimum: 0, errorMessage: 'expected a number >= 0' });
export const Positive = Type.Number({ exclusiveMinimum: 0, errorMessage: 'expected a number > 0' });
