// The split decision on the real catalog's vision-s cuts, with device and network profiles: which
// route wins where, every candidate in the reason, and the modes and privacy that rule splits out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DeviceProfile,
  evalTerms,
  type ModelManifest,
  type NetworkInfo,
  parseCatalogJson,
  type RoutingThresholds,
  responseBytes,
} from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { DEVICES, NETWORKS, thresholds } from '../testing/profiles.js';
import { createLatencyRouter, linkOf } from './latency-router.js';
import { createLiveEstimates, type LiveEstimates } from './live-estimates.js';
import { splitCandidates } from './split-candidates.js';
import { decideWithSplit, SPLIT_MARGIN } from './split-decision.js';

const CATALOG = join(import.meta.dirname, '../../../../models/catalog.json');
const catalog = parseCatalogJson(readFileSync(CATALOG, 'utf8'), CATALOG);
const vision = catalog.models.find((m) => m.id === 'vision-s') as ModelManifest;
const hasModel = (id: string) => catalog.models.some((m) => m.id === id);

function decide(
  device: DeviceProfile,
  network: NetworkInfo,
  t: Partial<RoutingThresholds> = {},
  live: LiveEstimates = createLiveEstimates(),
  force?: Parameters<typeof decideWithSplit>[3],
) {
  const router = createLatencyRouter({ estimates: live });
  const routed = { ...device, network };
  const link = linkOf(routed, live, { rttMs: 100, mbps: 10 });
  return decideWithSplit(
    router,
    {
      manifest: vision,
      thresholds: thresholds({ minDeviceGflops: 0, latencyBudgetMs: 60_000, ...t }),
      dims: { batch: 1 },
      requestBytes: 3 * 224 * 224 * 4,
      responseBytes: 4000,
      device: routed,
      local: { runnable: true, backend: 'wasm', modelBytes: 6.8e6, missingBytes: 0, sessionWarm: true },
      cloud: { configured: true },
    },
    {
      manifest: vision,
      hasModel,
      link,
      heads: () => ({ backend: 'wasm', sessionWarm: true, missingBytes: 0 }),
      live,
      cloudThroughput: { gflops: 100, fixedOverheadMs: 1 },
    },
    force,
  );
}

describe('split candidates', () => {
  it('estimates each cut in its smallest allowed encoding: head at device speed, bytes up, tail at pool speed', () => {
    const live = createLiveEstimates();
    const link = { rttMs: 70, mbps: 10 };
    const candidates = () =>
      splitCandidates({
        manifest: vision,
        hasModel,
        dims: { batch: 1 },
        responseBytes: 4000,
        device: DEVICES.phone as DeviceProfile,
        link,
        heads: () => ({ backend: 'wasm', sessionWarm: true, missingBytes: 0 }),
        live,
        cloudThroughput: { gflops: 100, fixedOverheadMs: 1 },
      });
    const c = candidates();
    expect(c.map((x) => x.cut).sort()).toEqual((vision.cutPoints ?? []).map((x) => x.name).sort());
    const maxpool = c.find((x) => x.cut === 'maxpool');
    expect(maxpool).toMatchObject({
      encoding: 'uint8',
      tail: 'vision-s.maxpool.uint8',
      uploadBytes: 64 * 56 * 56 + 5,
      headSource: 'prior',
      tailSource: 'prior',
    });
    expect(maxpool?.networkMs).toBeCloseTo(70 + ((64 * 56 * 56 + 5 + 4000) * 8) / 10_000, 6);
    for (let i = 1; i < c.length; i++) expect(c[i]?.totalMs).toBeGreaterThanOrEqual(c[i - 1]?.totalMs ?? 0);
    // Measured runs replace the priors: a head measured at 1 s is taken as 1 s.
    live.recordLocal('vision-s/head:maxpool', 82_480_000, 1000);
    const after = candidates();
    const measured = after.find((x) => x.cut === 'maxpool');
    expect(measured?.headSource).toBe('measured');
    expect(measured?.headMs).toBeCloseTo((1000 * (vision.cutPoints?.find((x) => x.name === 'maxpool')?.flopsBefore[0]?.coefficient ?? 0)) / 82_480_000, 6);
  });
});

describe('decideWithSplit', () => {
  // A phone's wasm (0.8 GFLOPS probed, SIMD: 3.2 GFLOPS) runs vision-s in about 190 ms; 602 kB of
  // image take about 280 ms up a 20 Mbps link; the head to the max pool (14% of the FLOPs, 26 ms) and
  // its 201 kB in uint8 (120 ms) beat both.
  const link20: NetworkInfo = { online: true, effectiveType: '4g', rttMs: 40, downlinkMbps: 20, saveData: false };

  it('auto: a phone on a 20 Mbps link splits, and the reason shows every candidate and both whole routes', () => {
    const d = decide(DEVICES.phone as DeviceProfile, link20);
    expect(d.where).toBe('split');
    expect(d.split?.totalMs).toBeLessThan(Math.min(d.estimates.local?.totalMs ?? 0, d.estimates.cloud?.totalMs ?? 0));
    for (const c of vision.cutPoints ?? []) expect(d.reason).toContain(`split@${c.name}`);
    expect(d.reason).toMatch(/local \d+ ms; cloud \d+ ms/);
    expect(d.estimates.split).toHaveLength(vision.cutPoints?.length ?? 0);
    expect(d.fallback).toBe('local');
  });

  it('auto: a fast desktop stays local, and still lists the splits it weighed', () => {
    const d = decide(DEVICES.desktop as DeviceProfile, link20);
    expect(d.where).toBe('local');
    expect(d.reason).toContain('splits: split@');
    expect(d.estimates.split?.length).toBeGreaterThan(0);
  });

  it('local-only never sends anything and cloud-only never splits; local-only privacy neither', () => {
    expect(decide(DEVICES.phone as DeviceProfile, NETWORKS['3g'] as NetworkInfo, { mode: 'local-only' })).toMatchObject({
      where: 'local',
      splitBlocked: 'mode is local-only: nothing is sent',
    });
    expect(decide(DEVICES.phone as DeviceProfile, NETWORKS['3g'] as NetworkInfo, { mode: 'cloud-only' })).toMatchObject({
      where: 'cloud',
      splitBlocked: 'mode is cloud-only: never split',
    });
    const privateOnly = decide(DEVICES.phone as DeviceProfile, NETWORKS['3g'] as NetworkInfo, { privacy: 'local-only' });
    expect(privateOnly.where).toBe('local');
    expect(privateOnly.splitBlocked).toMatch(/local-only/);
  });

  it('no-raw-input allows local and split, never the whole model to the cloud, and no whole-cloud fallback', () => {
    for (const device of [DEVICES.phone, DEVICES.desktop, DEVICES['low-end']] as DeviceProfile[]) {
      for (const network of [NETWORKS['3g'], NETWORKS.wifi] as NetworkInfo[]) {
        const d = decide(device, network, { privacy: 'no-raw-input' });
        expect(d.where).not.toBe('cloud');
        expect(d.cloudBlocked).toBe('privacy is no-raw-input: the raw input never leaves the device');
        expect(d.fallback).not.toBe('cloud');
      }
    }
  });

  it('takes the cut the caller asks for, and refuses one the model does not have', () => {
    expect(decide(DEVICES.desktop as DeviceProfile, NETWORKS.wifi as NetworkInfo, {}, createLiveEstimates(), 'block6-dw-conv')).toMatchObject({
      where: 'split',
      split: { cut: 'block6-dw-conv' },
    });
    expect(() => decide(DEVICES.desktop as DeviceProfile, NETWORKS.wifi as NetworkInfo, {}, createLiveEstimates(), 'nope')).toThrow(/no usable cut "nope"/);
  });

  it('takes the encoding the caller asks for, and refuses one the cut does not allow', () => {
    const wifi = NETWORKS.wifi as NetworkInfo;
    const desktop = DEVICES.desktop as DeviceProfile;
    const fp16 = decide(desktop, wifi, {}, createLiveEstimates(), { cut: 'maxpool', encoding: 'fp16' });
    expect(fp16).toMatchObject({ where: 'split', split: { cut: 'maxpool', encoding: 'fp16', tail: 'vision-s.maxpool.fp16', uploadBytes: 64 * 56 * 56 * 2 } });
    expect(decide(desktop, wifi, {}, createLiveEstimates(), { cut: 'maxpool', encoding: 'fp32' }).split).toMatchObject({ tail: 'vision-s.maxpool' });
    const det = catalog.models.find((m) => m.id === 'ocr-det') as ModelManifest;
    const refused = det.cutPoints?.find((c) => c.encodings.some((e) => e.encoding === 'uint8' && !e.allowed));
    expect(refused).toBeDefined();
    const router = createLatencyRouter({ estimates: createLiveEstimates() });
    const live = createLiveEstimates();
    expect(() =>
      decideWithSplit(
        router,
        {
          manifest: det,
          thresholds: thresholds({ minDeviceGflops: 0, latencyBudgetMs: 60_000 }),
          dims: { batch: 1, height: 320, width: 320 },
          requestBytes: 3 * 320 * 320 * 4,
          responseBytes: 320 * 320 * 4,
          device: { ...desktop, network: wifi },
          local: { runnable: true, backend: 'wasm', modelBytes: 4.7e6, missingBytes: 0, sessionWarm: true },
          cloud: { configured: true },
        },
        {
          manifest: det,
          hasModel,
          link: { rttMs: 5, mbps: 50 },
          heads: () => ({ backend: 'wasm', sessionWarm: true, missingBytes: 0 }),
          live,
          cloudThroughput: { gflops: 100, fixedOverheadMs: 1 },
        },
        { cut: refused?.name as string, encoding: 'uint8' },
      ),
    ).toThrow(/no usable cut ".*" in uint8/);
  });

  it('a split sends its cut at the uplink: a slow uplink moves auto from split to local', () => {
    const phone = DEVICES.phone as DeviceProfile;
    const live = createLiveEstimates({ alpha: 1 });
    const before = decide(phone, link20, {}, live);
    expect(before.where).toBe('split');
    const chosen = before.split as NonNullable<typeof before.split>;
    // Until an upload is measured the uplink is taken to be the downlink.
    expect(chosen.networkMs).toBeCloseTo(40 + ((chosen.uploadBytes + 4000) * 8) / 20_000, 6);
    live.recordUpload(125_000, 10_000); // 0.1 Mbit/s up
    const after = decide(phone, link20, {}, live);
    const same = after.estimates.split?.find((c) => c.cut === chosen.cut);
    expect(same?.networkMs).toBeCloseTo(40 + (chosen.uploadBytes * 8) / 100 + (4000 * 8) / 20_000, 6);
    expect(after.where).toBe('local');
    expect(after.reason).toMatch(/^auto: local is faster/);
    // The reason names the network it was weighed on.
    expect(before.reason).toContain('network: RTT 40 ms probed, down 20 Mbps probed, up not measured yet (taken as down)');
    expect(after.reason).toContain('up 0.10 Mbps measured');
  });

  it('a measured slow pool moves auto off the split', () => {
    const live = createLiveEstimates();
    const slow = decide(DEVICES.phone as DeviceProfile, link20, {}, live);
    expect(slow.where).toBe('split');
    // The tail answered, reporting 60 s of queue: that cut is no longer taken, and its estimate says why.
    live.recordCloud(slow.split?.tail ?? '', 1e8, { networkMs: 100, queueMs: 60_000, computeMs: 10 });
    const next = decide(DEVICES.phone as DeviceProfile, link20, {}, live);
    expect(next.split?.tail).not.toBe(slow.split?.tail);
    expect(next.estimates.split?.find((c) => c.tail === slow.split?.tail)?.queueMs).toBe(60_000);
  });
});

/** ocr-rec at width 320 on a wasm device with every model warm and present, as the split bench runs it. */
function decideOcrRec(o: { budgetMs: number; responseBytes: number; device: DeviceProfile; live: LiveEstimates; assumed: { rttMs: number; mbps: number } }) {
  const rec = catalog.models.find((m) => m.id === 'ocr-rec') as ModelManifest;
  return decideWithSplit(
    createLatencyRouter({ estimates: o.live }),
    {
      manifest: rec,
      thresholds: thresholds({ minDeviceGflops: 0, latencyBudgetMs: o.budgetMs }),
      dims: { batch: 1, width: 320 },
      requestBytes: 3 * 48 * 320 * 4,
      responseBytes: o.responseBytes,
      device: o.device,
      local: { runnable: true, backend: 'wasm', modelBytes: 10.8e6, missingBytes: 0, sessionWarm: true },
      cloud: { configured: true },
    },
    {
      manifest: rec,
      hasModel,
      link: linkOf(o.device, o.live, o.assumed),
      heads: () => ({ backend: 'wasm', sessionWarm: true, missingBytes: 0 }),
      live: o.live,
      cloudThroughput: { gflops: 100, fixedOverheadMs: 1 },
    },
  );
}

describe('ocr-rec on a Wi-Fi link (the answer is 40 steps of 6625 scores, 1 MB)', () => {
  const rec = catalog.models.find((m) => m.id === 'ocr-rec') as ModelManifest;
  const dims = { batch: 1, width: 320 };
  // A wasm device at the speed the split bench's cold client probed (local about 700 ms by its prior),
  // its round trip measured at the link's 4 ms, no transfer measured yet (10 Mbps assumed).
  const device = { ...(DEVICES.phone as DeviceProfile), gflops: 0.5, network: NETWORKS.unknown as NetworkInfo };
  const decideRec = (responseBytes: number) => {
    const live = createLiveEstimates();
    live.recordRtt(4);
    return decideOcrRec({ budgetMs: 60_000, responseBytes, device, live, assumed: { rttMs: 100, mbps: 10 } });
  };

  it('weighs the answer at its real size, so the cold choice stays local (one step made the split look 0.8 s faster)', () => {
    expect(responseBytes(rec, dims)).toBe(40 * 6625 * 4);
    const decision = decideRec(responseBytes(rec, dims));
    expect(decision.where).toBe('local');
    // Every route that sends gets the answer back: 1 MB at 10 Mbps is about 850 ms of each.
    for (const s of decision.estimates.split ?? []) expect(s.networkMs).toBeGreaterThan((40 * 6625 * 4 * 8) / 10_000);
    expect(decision.estimates.cloud?.transferMs).toBeGreaterThan((40 * 6625 * 4 * 8) / 10_000);
    // The same request with the answer read as one step (the output-only `steps` dim taken as 1)
    // splits at conv2d-185: the choice the split bench's cold client made, 1.74x slower than local.
    const oneStep = decideRec(6625 * 4);
    expect(oneStep.where).toBe('split');
    expect(oneStep.split?.cut).toBe('conv2d-185');
  });
});

describe('measured estimates on a busy device (the split bench: ocr-rec, chromium-wasm-2t, 4G)', () => {
  // The cell where auto split at conv2d-185 in 2 of 3 rounds and came out 1.323x slower than local: its
  // local runs took 1466 and 1991 ms before auto's first choice, then 643 and 1228 ms (median 1228), its
  // split runs 1468 to 1955 ms (median 1625); the estimates it chose on were 1624 ms local, 1582 ms split.
  const rec = catalog.models.find((m) => m.id === 'ocr-rec') as ModelManifest;
  const dims = { batch: 1, width: 320 };
  const flops = evalTerms(rec.cost.flops, dims);
  const cutOf = (name: string) => rec.cutPoints?.find((c) => c.name === name) as NonNullable<ModelManifest['cutPoints']>[number];
  const [cut, late] = [cutOf('conv2d-185'), cutOf('p2o-averagepool-1')];
  const device = { ...(DEVICES.laptop as DeviceProfile), network: NETWORKS['4g'] as NetworkInfo };
  const decideOn = (live: LiveEstimates) =>
    decideOcrRec({ budgetMs: 600_000, responseBytes: responseBytes(rec, dims), device, live, assumed: { rttMs: 170, mbps: 9 } });
  const measured = (localRuns: number[]) => {
    const live = createLiveEstimates();
    live.recordRtt(185);
    for (const ms of localRuns) live.recordLocal('ocr-rec', flops, ms);
    live.recordLocal('ocr-rec/head:conv2d-185', evalTerms(cut.flopsBefore, dims), 6.79);
    live.recordCloud('ocr-rec.conv2d-185.uint8', evalTerms(cut.flopsAfter, dims), { networkMs: 1250, queueMs: 0, computeMs: 325 });
    live.recordLocal('ocr-rec/head:p2o-averagepool-1', evalTerms(late.flopsBefore, dims), 864);
    live.recordCloud('ocr-rec.p2o-averagepool-1.uint8', evalTerms(late.flopsAfter, dims), { networkMs: 1105, queueMs: 0, computeMs: 30 });
    live.recordCloud('ocr-rec', flops, { networkMs: 1600, queueMs: 0, computeMs: 282 });
    return live;
  };

  it('keeps the whole route when a split is estimated less than SPLIT_MARGIN faster', () => {
    const d = decideOn(measured([1466, 1991, 1729]));
    const split = d.estimates.split?.find((s) => s.cut === 'conv2d-185');
    // The split looks faster (1582 ms against the median of three local runs, 1729 ms), but within the margin.
    expect(split?.totalMs).toBeCloseTo(1581.8, 0);
    expect(d.estimates.local?.totalMs).toBeCloseTo(1729, 0);
    expect(split?.totalMs).toBeGreaterThan((1 - SPLIT_MARGIN) * (d.estimates.local?.totalMs as number));
    expect(d.where).toBe('local');
    // A split clearly faster is still taken: the same cell with local runs twice as slow.
    expect(decideOn(measured([2932, 3982])).where).toBe('split');
  });

  it('reads two runs by the faster, so one stalled run does not make the device look slow', () => {
    // The cell's two local runs before auto's first choice: the mean, 1729 ms, made the split look
    // nearly as fast; the faster run says the device takes about 1466 ms.
    const d = decideOn(measured([1991, 1466]));
    expect(d.estimates.local?.totalMs).toBeCloseTo(1466, 0);
    expect(d.where).toBe('local');
    expect(d.reason).toContain('split@conv2d-185');
  });

  it('takes the median of the last runs, which one run on a busy core does not move', () => {
    const live = measured([1466, 1991, 643]);
    expect(live.localComputeMs('ocr-rec', flops)).toBe(1466);
    for (const ms of [1228, 1300, 1250]) live.recordLocal('ocr-rec', flops, ms);
    // The last five: 1991, 643, 1228, 1300, 1250.
    expect(live.localComputeMs('ocr-rec', flops)).toBe(1250);
    live.recordLocal('ocr-rec', flops, 9000);
    expect(live.localComputeMs('ocr-rec', flops)).toBe(1250);
    // At half the work, half the time: runs of other sizes are scaled before the median.
    expect(live.localComputeMs('ocr-rec', flops / 2)).toBe(625);
  });
});
