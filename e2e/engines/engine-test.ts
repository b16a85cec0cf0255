import { test as base } from '@playwright/test';
import type { Engine, EngineName } from './engine.js';
import { launchEngine } from './launch-engine.js';

/**
 * The Playwright runner with one of the three engines instead of Playwright's own browser: a project
 * sets `engineName`, the suite is written once against `engine` (see engine.ts).
 */
export const test = base.extend<Record<never, never>, { engineName: EngineName; engine: Engine }>({
  engineName: ['chromium', { option: true, scope: 'worker' }],
  engine: [
    async ({ engineName }, use) => {
      const engine = await launchEngine(engineName);
      await use(engine);
      await engine.close();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

export { expect } from '@playwright/test';
