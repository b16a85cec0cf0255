import { launchChromium } from './chromium.js';
import type { Engine, EngineName, LaunchOptions } from './engine.js';
import { launchFirefox } from './firefox.js';
import { launchWebKit } from './webkit.js';

const LAUNCHERS: Readonly<Record<EngineName, (options?: LaunchOptions) => Promise<Engine>>> = Object.freeze({
  chromium: launchChromium,
  firefox: launchFirefox,
  webkit: launchWebKit,
});

export function launchEngine(name: EngineName, options: LaunchOptions = {}): Promise<Engine> {
  const launch = LAUNCHERS[name];
  if (!launch) throw new Error(`unknown engine "${name}"; expected one of ${Object.keys(LAUNCHERS).join(', ')}`);
  return launch(options);
}
