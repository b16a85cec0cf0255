import { cloudMs, type DeviceProfile, isSplitflowError, localMs, ROUTING_MODES, type RoutingMode, transferMs } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { DEVICES, MODELS, NETWORKS, thresholds } from '../testing/profiles.js';
import type { RouteDecision } from './decision.js';
import { createLatencyRouter, type LocalPlan, type RouteInput } from './latency-router.js';
import { createLiveEstimates } from './live-estimates.js';

type Model = (typeof MODELS)[string];

function input(model: Model, device: DeviceProfile, over: Partial<RouteInput> = {}, local: Partial<LocalPlan> = {}): RouteInput {
  return {
    manifest: model,
    thresholds: thresholds(),
    dims: { batch: 1 },
    requestBytes: model.inputBytes,
    responseBytes: model.outputBytes,
    device,
    local: {
      runnable: true,
      backend: device.webgpu.available ? 'webgpu' : 'wasm',
      modelBytes: model.fileBytes,
      missingBytes: 0,
      sessionWarm: true,
      ...local,
    },
    cloud: { configured: true },
    ...over,
  };
}

const withNetwork = (device: DeviceProfile, network: string): DeviceProfile => ({ ...device, network: NETWORKS[network] as DeviceProfile['network'] });

/** Runs the router and returns the decision or the error code. */
function route(router: ReturnType<typeof createLatencyRouter>, i: RouteInput): RouteDecision | string {
  try {
    return router.decide(i);
  } catch (error) {
    if (isSplitflowError(error)) return error.code;
    throw error;
  }
}

const grid = () => {
  const cases: { name: string; model: Model; device: DeviceProfile; mode: RoutingMode; privacy: 'any' | 'local-only'; cold: boolean }[] = [];
  for (const [m, model] of Object.entries(MODELS))
    for (const [d, base] of Object.entries(DEVICES))
      for (const n of Object.keys(NETWORKS))
        for (const mode of ROUTING_MODES)
          for (const privacy of ['any', 'local-only'] as const)
            for (const cold of [false, true])
              cases.push({ name: `${m}/${d}/${n}/${mode}/${privacy}/${cold ? 'cold' : 'warm'}`, model, device: withNetwork(base, n), mode, privacy, cold });
  return cases;
};

// The link assumed where the probe knows nothing, passed in so the oracle below does not restate a default.
const FALLBACK_LINK = { rttMs: 123, mbps: 7 };

describe('latency router over a grid of device, network and model profiles', () => {
  const router = createLatencyRouter({ estimates: createLiveEstimates(), defaultLink: FALLBACK_LINK });
  const cases = grid().map((c) => {
    const i = input(
      c.model,
      c.device,
      { thresholds: thresholds({ mode: c.mode, privacy: c.privacy }) },
      c.cold ? { missingBytes: c.model.fileBytes, sessionWarm: false } : {},
    );
    return { ...c, input: i, result: route(router, i) };
  });

  it('covers the whole grid', () => {
    expect(cases.length).toBe(3 * 5 * 5 * 5 * 2 * 2);
  });

  it('never sends data to the cloud when privacy is local-only', () => {
    for (const c of cases.filter((c) => c.privacy === 'local-only')) {
      if (typeof c.result === 'string') expect(['LOCAL_UNAVAILABLE', 'INVALID_REQUEST'], c.name).toContain(c.result);
      else {
        expect(c.result.where, c.name).toBe('local');
        expect(c.result.fallback, c.name).toBeUndefined();
      }
    }
  });

  it('runs locally when offline, or says OFFLINE when it cannot', () => {
    for (const c of cases.filter((c) => c.device.network.online === false)) {
      if (typeof c.result === 'string') expect(['OFFLINE', 'LOCAL_UNAVAILABLE', 'INVALID_REQUEST'], c.name).toContain(c.result);
      else expect(c.result.where, c.name).toBe('local');
    }
  });

  it('obeys local-only and cloud-only modes', () => {
    for (const c of cases) {
      if (typeof c.result === 'string') continue;
      if (c.mode === 'local-only') expect(c.result.where, c.name).toBe('local');
      if (c.mode === 'cloud-only') expect(c.result.where, c.name).toBe('cloud');
    }
  });

  it('in auto mode picks the route with the smaller estimate whenever both are allowed', () => {
    let both = 0;
    for (const c of cases.filter((c) => c.mode === 'auto')) {
      if (typeof c.result === 'string' || c.result.localBlocked || c.result.cloudBlocked) continue;
      both++;
      const { local, cloud } = c.result.estimates;
      expect(c.result.where, c.name).toBe((local?.totalMs ?? Infinity) <= (cloud?.totalMs ?? Infinity) ? 'local' : 'cloud');
      expect(c.result.fallback, c.name).toBe(c.result.where === 'local' ? 'cloud' : 'local');
    }
    expect(both).toBeGreaterThan(20);
  });

  it('explains every decision with a reason and estimates that add up with the contract estimator', () => {
    for (const c of cases) {
      if (typeof c.result === 'string') continue;
      expect(c.result.reason.length, c.name).toBeGreaterThan(5);
      const { local, cloud, budgetMs } = c.result.estimates;
      expect(budgetMs).toBe(c.input.thresholds.latencyBudgetMs);
      if (local) {
        const link = {
          rttMs: c.device.network.rttMs === 'unknown' ? FALLBACK_LINK.rttMs : c.device.network.rttMs,
          mbps: c.device.network.downlinkMbps === 'unknown' ? FALLBACK_LINK.mbps : c.device.network.downlinkMbps,
        };
        expect(local.totalMs, c.name).toBeCloseTo(
          localMs({ computeMs: local.computeMs, compileMs: local.compileMs, downloadBytes: c.input.local.missingBytes, link }),
          6,
        );
        if (c.cold) expect(local.compileMs, c.name).toBeGreaterThan(0);
        else expect(local.downloadMs + local.compileMs, c.name).toBe(0);
      }
      if (cloud) {
        const link = { rttMs: cloud.rttMs, mbps: c.device.network.downlinkMbps === 'unknown' ? FALLBACK_LINK.mbps : c.device.network.downlinkMbps };
        expect(cloud.transferMs).toBeCloseTo(transferMs(c.input.requestBytes + c.input.responseBytes, link), 6);
        expect(cloud.totalMs).toBeCloseTo(
          cloudMs({ link, requestBytes: c.input.requestBytes, responseBytes: c.input.responseBytes, queueMs: cloud.queueMs, computeMs: cloud.computeMs }),
          6,
        );
      }
    }
  });

  it('keeps auto decisions monotone: a faster network never moves a request from cloud to local', () => {
    const order = ['3g', '4g', 'wifi'];
    for (const [m, model] of Object.entries(MODELS))
      for (const [d, device] of Object.entries(DEVICES)) {
        const wheres = order.map((n) => route(router, input(model, withNetwork(device, n))));
        const clouds = wheres.map((w) => typeof w !== 'string' && w.where === 'cloud');
        for (let k = 1; k < clouds.length; k++) if (clouds[k - 1]) expect(clouds[k], `${m}/${d}/${order[k]}`).toBe(true);
      }
  });

  it('sends a model over the local size limit to the cloud, and refuses it under local-only', () => {
    const big = input(MODELS.large as Model, DEVICES.desktop as DeviceProfile);
    const decision = router.decide(big);
    expect(decision.where).toBe('cloud');
    expect(decision.localBlocked).toMatch(/over the 64\.0 MB local limit/);
    expect(route(router, { ...big, thresholds: thresholds({ privacy: 'local-only' }) })).toBe('LOCAL_UNAVAILABLE');
  });

  it('keeps a slow device off the local route in auto mode, naming the setting, but lets prefer-local use it', () => {
    const slow = { ...(DEVICES['low-end'] as DeviceProfile), gflops: 0.02 };
    const i = input(MODELS.tiny as Model, slow, { thresholds: thresholds({ minDeviceGflops: 0.05 }) });
    expect(router.decide(i).localBlocked).toMatch(/0\.02 GFLOPS, under minDeviceGflops \(0\.05\)/);
    expect(router.decide({ ...i, thresholds: thresholds({ mode: 'prefer-local' }) }).where).toBe('local');
    // The floor prefers the cloud; where the cloud cannot take the request, a slow answer beats none.
    const unserved = router.decide({ ...i, cloud: { configured: true, serves: false } });
    expect(unserved.where).toBe('local');
    expect(unserved.localBlocked).toBeUndefined();
  });

  it('never sends auto traffic to an endpoint that does not serve the model, and says so', () => {
    for (const c of cases.filter((c) => c.mode === 'auto' && c.privacy === 'any')) {
      const unserved = route(router, { ...c.input, cloud: { configured: true, serves: false } });
      if (typeof unserved === 'string') {
        expect(['LOCAL_UNAVAILABLE', 'OFFLINE'], c.name).toContain(unserved);
        continue;
      }
      expect(unserved.where, c.name).toBe('local');
      expect(unserved.fallback, c.name).toBeUndefined();
      if (c.device.network.online !== false) expect(unserved.reason, c.name).toContain(`does not serve "${c.model.id}"`);
    }
  });

  it('says MODEL_NOT_FOUND for cloud-only when the endpoint does not serve the model', () => {
    const i = input(MODELS.tiny as Model, withNetwork(DEVICES.laptop as DeviceProfile, 'wifi'), {
      thresholds: thresholds({ mode: 'cloud-only' }),
      cloud: { configured: true, serves: false },
    });
    expect(route(router, i)).toBe('MODEL_NOT_FOUND');
    expect(router.decide({ ...i, cloud: { configured: true, serves: true } }).where).toBe('cloud');
  });

  it('prefers the requested route until it misses the budget and the other meets it', () => {
    const vision = input(MODELS['vision-s'] as Model, withNetwork(DEVICES['low-end'] as DeviceProfile, 'wifi'));
    const preferLocal = router.decide({ ...vision, thresholds: thresholds({ mode: 'prefer-local', latencyBudgetMs: 200 }) });
    expect(preferLocal.estimates.local?.totalMs).toBeGreaterThan(200);
    expect(preferLocal.where).toBe('cloud');
    const generous = router.decide({ ...vision, thresholds: thresholds({ mode: 'prefer-local', latencyBudgetMs: 1e9 }) });
    expect(generous.where).toBe('local');
  });
});

describe('latency router with live estimates', () => {
  it("lets the model's own measured runs override the probe's speed class", () => {
    const live = createLiveEstimates({ alpha: 1 });
    const router = createLatencyRouter({ estimates: live });
    const slow = { ...withNetwork(DEVICES.laptop as DeviceProfile, 'wifi'), gflops: 0.01 };
    const i = input(MODELS.tiny as Model, slow, { thresholds: thresholds({ minDeviceGflops: 0.05 }) });
    expect(router.decide(i).localBlocked).toMatch(/minDeviceGflops/);
    live.recordLocal('tiny', MODELS.tiny?.cost.flops[0]?.coefficient as number, 0.05);
    const measured = router.decide(i);
    expect(measured.localBlocked).toBeUndefined();
    expect(measured.where).toBe('local');
  });

  it('keeps first runs out of the steady estimate', () => {
    const live = createLiveEstimates({ alpha: 1 });
    const router = createLatencyRouter({ estimates: live });
    const i = input(MODELS.tiny as Model, withNetwork(DEVICES.laptop as DeviceProfile, 'wifi'));
    const prior = router.decide(i).estimates.local?.computeMs;
    live.recordFirstRun('tiny', 2000);
    const afterWarmup = router.decide(i);
    expect(afterWarmup.estimates.local).toMatchObject({ computeMs: prior, source: 'prior' });
    expect(afterWarmup.where).toBe('local');
    expect(live.snapshot().local.tiny?.firstRunMs).toBe(2000);
  });

  it('estimates transfers from measured throughput, not the Network Information hint', () => {
    const live = createLiveEstimates({ alpha: 1 });
    const router = createLatencyRouter({ estimates: live });
    const model = MODELS['vision-s'] as Model;
    // Headless Chromium reports about 1 Mbps whatever the link.
    const hinted = withNetwork(DEVICES.laptop as DeviceProfile, '3g');
    const i = input(model, hinted, {}, { missingBytes: model.fileBytes, sessionWarm: false });
    const before = router.decide(i).estimates;
    live.recordRtt(1);
    live.recordTransfer(model.fileBytes, 20);
    const after = router.decide(i).estimates;
    const link = { rttMs: 1, mbps: (model.fileBytes * 8) / (20 * 1000) };
    expect(after.cloud?.transferMs).toBeCloseTo(transferMs(i.requestBytes + i.responseBytes, link), 6);
    expect(after.cloud?.source).toBe('measured');
    expect(after.local?.downloadMs).toBeLessThan((before.local?.downloadMs as number) / 100);
    expect(after.cloud?.totalMs).toBeLessThan((before.cloud?.totalMs as number) / 10);
    // Too small to say anything about throughput.
    live.recordTransfer(1000, 1000);
    expect(live.linkMbps()).toBeCloseTo(link.mbps, 6);
  });

  it('sends the request at the measured uplink and the answer at the downlink, and forgets both on a new network', () => {
    const live = createLiveEstimates({ alpha: 1 });
    const router = createLatencyRouter({ estimates: live });
    const model = MODELS['vision-s'] as Model;
    const i = input(model, withNetwork(DEVICES.laptop as DeviceProfile, 'wifi'), {}, { missingBytes: model.fileBytes, sessionWarm: false });
    live.recordRtt(10);
    live.recordTransfer(1_250_000, 100); // 100 Mbit/s down
    const symmetric = router.decide(i).estimates;
    expect(symmetric.cloud?.transferMs).toBeCloseTo(transferMs(i.requestBytes + i.responseBytes, { rttMs: 10, mbps: 100 }), 6);
    live.recordUpload(125_000, 1000); // 1 Mbit/s up
    expect(live.uplinkMbps()).toBeCloseTo(1, 9);
    const measured = router.decide(i).estimates;
    expect(measured.cloud?.transferMs).toBeCloseTo(10 + (i.requestBytes * 8) / 1000 + (i.responseBytes * 8) / 100_000, 6);
    expect(measured.cloud?.source).toBe('measured');
    // A model download goes the other way: the uplink does not slow it.
    expect(measured.local?.downloadMs).toBeGreaterThan(0);
    expect(measured.local?.downloadMs).toBe(symmetric.local?.downloadMs);
    // Too small to say anything about throughput.
    live.recordUpload(1000, 1000);
    expect(live.uplinkMbps()).toBeCloseTo(1, 9);
    live.resetNetwork();
    expect(live.uplinkMbps()).toBeUndefined();
  });

  it('moves a model to the cloud after measured local runs turn out slow, and back when they speed up', () => {
    const live = createLiveEstimates({ alpha: 1 });
    const router = createLatencyRouter({ estimates: live });
    const i = input(MODELS.tiny as Model, withNetwork(DEVICES.laptop as DeviceProfile, 'wifi'));
    const flops = MODELS.tiny?.cost.flops[0]?.coefficient as number;
    const first = router.decide(i);
    expect(first.where).toBe('local');
    expect(first.estimates.local?.source).toBe('prior');
    live.recordLocal('tiny', flops, 500);
    const slow = router.decide(i);
    expect(slow.estimates.local?.source).toBe('measured');
    expect(slow.estimates.local?.computeMs).toBe(500);
    expect(slow.where).toBe('cloud');
    live.recordLocal('tiny', flops, 500);
    // The estimate is the median of the last runs: one fast run among slow ones does not move it back.
    live.recordLocal('tiny', flops, 0.1);
    expect(router.decide(i).where).toBe('cloud');
    // Of an even count the lower middle: as many fast runs as slow ones bring it back.
    live.recordLocal('tiny', flops, 0.1);
    expect(router.decide(i).estimates.local?.computeMs).toBe(0.1);
    expect(router.decide(i).where).toBe('local');
  });

  it('uses the pinged RTT, then the measured network, queue and compute times in the cloud estimate', () => {
    const live = createLiveEstimates({ alpha: 1 });
    const router = createLatencyRouter({ estimates: live });
    const i = input(MODELS['vision-s'] as Model, withNetwork(DEVICES.phone as DeviceProfile, 'wifi'));
    live.recordRtt(40);
    const pinged = router.decide(i).estimates.cloud;
    expect(pinged?.rttMs).toBe(40);
    expect(pinged?.transferMs).toBeCloseTo(transferMs(i.requestBytes + i.responseBytes, { rttMs: 40, mbps: 100 }), 6);
    live.recordCloud('vision-s', 6e8, { networkMs: 70, queueMs: 25, computeMs: 12 });
    const cloud = router.decide(i).estimates.cloud;
    expect(cloud).toMatchObject({ transferMs: 70, queueMs: 25, computeMs: 12, totalMs: 107, source: 'measured' });
    live.resetNetwork();
    const reset = router.decide(i).estimates.cloud;
    expect(reset?.rttMs).toBe(10);
    expect(reset?.transferMs).toBeCloseTo(transferMs(i.requestBytes + i.responseBytes, { rttMs: 10, mbps: 100 }), 6);
    expect(reset).toMatchObject({ queueMs: 25, computeMs: 12 });
  });

  it('counts download and compile on the first local run and drops them once warm', () => {
    const router = createLatencyRouter({ estimates: createLiveEstimates() });
    const model = MODELS['vision-s'] as Model;
    const device = withNetwork(DEVICES.desktop as DeviceProfile, '3g');
    const cold = router.decide(input(model, device, {}, { missingBytes: model.fileBytes, sessionWarm: false }));
    expect(cold.estimates.local?.downloadMs).toBeGreaterThan(100_000);
    expect(cold.where).toBe('cloud');
    const warm = router.decide(input(model, device));
    expect(warm.estimates.local?.downloadMs).toBe(0);
    expect(warm.where).toBe('local');
  });
});
