import { type Static, type TSchema, Type } from '@sinclair/typebox';

const Unknown = Type.Literal('unknown');
const OrUnknown = <T extends TSchema>(t: T) => Type.Union([t, Unknown]);

export const WebGpuInfo = Type.Object(
  {
    available: Type.Boolean(),
    vendor: Type.Optional(Type.String()),
    architecture: Type.Optional(Type.String()),
    isFallbackAdapter: Type.Optional(Type.Boolean()),
    shaderF16: Type.Optional(Type.Boolean()),
    maxBufferSize: Type.Optional(Type.Number({ minimum: 0 })),
    maxStorageBufferBindingSize: Type.Optional(Type.Number({ minimum: 0 })),
    /** Why WebGPU is unavailable, when it is. */
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type WebGpuInfo = Static<typeof WebGpuInfo>;

export const NetworkInfo = Type.Object(
  {
    online: OrUnknown(Type.Boolean()),
    effectiveType: OrUnknown(Type.String()),
    rttMs: OrUnknown(Type.Number({ minimum: 0 })),
    downlinkMbps: OrUnknown(Type.Number({ minimum: 0 })),
    saveData: OrUnknown(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type NetworkInfo = Static<typeof NetworkInfo>;

/** What the SDK's probe reports. Every part may be `unknown` where the platform has no API for it. */
export const DeviceProfile = Type.Object(
  {
    probedAt: Type.Number({ minimum: 0 }),
    userAgent: Type.Optional(Type.String()),
    webgpu: WebGpuInfo,
    wasm: Type.Object(
      {
        available: Type.Boolean(),
        simd: OrUnknown(Type.Boolean()),
        threads: OrUnknown(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    crossOriginIsolated: OrUnknown(Type.Boolean()),
    hardwareConcurrency: OrUnknown(Type.Integer({ minimum: 1 })),
    deviceMemoryGb: OrUnknown(Type.Number({ minimum: 0 })),
    network: NetworkInfo,
    /** GFLOPS measured by a short matrix-multiply micro-benchmark on the main thread or a Worker. */
    gflops: OrUnknown(Type.Number({ minimum: 0 })),
    probeMs: Type.Number({ minimum: 0 }),
  },
  { $id: 'DeviceProfile', additionalProperties: false },
);
export type DeviceProfile = Static<typeof DeviceProfile>;
