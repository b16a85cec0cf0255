import type { LinkProfile } from './shaped-link.js';

export interface NamedProfile extends LinkProfile {
  label: string;
  /** Where the numbers come from. */
  source: string;
}

const WPT = "WebPageTest's connectivity profiles (www/settings/connectivity.ini.sample in WPO-Foundation/webpagetest)";

/**
 * The networks of the split benchmark, each as published by a tool that web performance work uses,
 * not tuned to make any route win.
 */
export const SPLIT_NETWORKS: Readonly<Record<string, NamedProfile>> = Object.freeze({
  '3g': { label: '3G', rttMs: 300, downMbps: 1.6, upMbps: 0.768, source: `${WPT}: "3G", 1.6 Mbps down, 768 Kbps up, 300 ms RTT` },
  'lte-congested': {
    label: 'congested LTE',
    rttMs: 150,
    downMbps: 1.6,
    upMbps: 0.75,
    source:
      'Lighthouse\'s default mobile throttling, "Slow 4G" (core/config/constants.js, throttling.mobileSlow4G: 150 ms RTT, 1,638.4 Kbps down, 750 Kbps up), which its docs (docs/throttling.md) describe as roughly the bottom 25% of 4G connections',
  },
  '4g': { label: '4G', rttMs: 170, downMbps: 9, upMbps: 9, source: `${WPT}: "4G", 9 Mbps down and up, 170 ms RTT` },
  wifi: {
    label: 'Wi-Fi (home fibre)',
    rttMs: 4,
    downMbps: 20,
    upMbps: 5,
    source: `${WPT}: "FIOS", 20 Mbps down, 5 Mbps up, 4 ms RTT (a fibre line behind a home Wi-Fi)`,
  },
});
