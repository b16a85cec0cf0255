import type { DeviceProfile } from '@splitflow/sdk';
import type { AppState } from '../app-state.js';
import { h, table } from '../dom.js';

const show = (v: unknown, unit = ''): string => (v === 'unknown' || v === undefined ? 'unknown' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : `${v}${unit}`);

export function profileRows(p: DeviceProfile): [string, string][] {
  const gpu = p.webgpu;
  return [
    [
      'WebGPU',
      gpu.available
        ? `yes (${[gpu.vendor, gpu.architecture].filter(Boolean).join(' / ') || 'adapter'}${gpu.isFallbackAdapter ? ', software fallback' : ''})`
        : `no${gpu.reason ? `: ${gpu.reason}` : ''}`,
    ],
    ['shader-f16', show(gpu.shaderF16)],
    ['GPU max buffer', gpu.maxBufferSize === undefined ? 'unknown' : `${Math.round(gpu.maxBufferSize / 2 ** 20)} MiB`],
    ['wasm', show(p.wasm.available)],
    ['wasm SIMD', show(p.wasm.simd)],
    ['wasm threads', show(p.wasm.threads)],
    ['cross-origin isolated', show(p.crossOriginIsolated)],
    ['CPU cores', show(p.hardwareConcurrency)],
    ['device memory', show(p.deviceMemoryGb, ' GB')],
    ['online', show(p.network.online)],
    ['network type', show(p.network.effectiveType)],
    ['RTT', show(p.network.rttMs, ' ms')],
    ['downlink', show(p.network.downlinkMbps, ' Mbit/s')],
    ['save-data', show(p.network.saveData)],
    ['GFLOPS (micro-benchmark)', p.gflops === 'unknown' ? 'unknown' : p.gflops.toFixed(2)],
    ['probe took', `${p.probeMs.toFixed(1)} ms`],
  ];
}

export async function renderDevicePage(root: HTMLElement, state: AppState): Promise<void> {
  const body = h('div', { class: 'card' }, 'Measuring this device...');
  const again = h('button', { type: 'button', 'data-testid': 'probe-again' }, 'Measure again');
  root.replaceChildren(h('h2', {}, 'This device'), body, again);
  const draw = (p: DeviceProfile) => body.replaceChildren(table(profileRows(p), 'device-table'));
  try {
    const client = await state.client();
    draw(client.capabilities);
    again.addEventListener('click', async () => {
      again.setAttribute('disabled', '');
      try {
        draw(await client.refresh());
      } finally {
        again.removeAttribute('disabled');
      }
    });
  } catch (error) {
    body.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not start the SDK: ${(error as Error).message}`));
  }
}
