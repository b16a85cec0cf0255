/**
 * Emulated networks for the router benchmark, as Chromium's CDP takes them
 * (Network.emulateNetworkConditions: latency in ms, throughput in bytes per second).
 */
export interface NetworkCondition {
  offline: boolean;
  latency: number;
  downloadThroughput: number;
  uploadThroughput: number;
  connectionType?: 'none' | 'cellular3g' | 'cellular4g' | 'wifi';
}

const mbps = (n: number) => (n * 1e6) / 8;

export const NETWORK_CONDITIONS: Record<string, NetworkCondition> = {
  offline: { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1, connectionType: 'none' },
  '3g': { offline: false, latency: 300, downloadThroughput: mbps(1.6), uploadThroughput: mbps(0.75), connectionType: 'cellular3g' },
  '4g': { offline: false, latency: 70, downloadThroughput: mbps(9), uploadThroughput: mbps(3), connectionType: 'cellular4g' },
  wifi: { offline: false, latency: 5, downloadThroughput: mbps(50), uploadThroughput: mbps(20), connectionType: 'wifi' },
  /** No emulation: loopback to a worker on the same machine, the best link there is. */
  lan: { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 },
};
