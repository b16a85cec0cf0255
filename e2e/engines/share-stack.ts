import { serveSharedStack } from '../shared-stack.js';

/** Playwright's global setup: one field-app stack for the run, started when a suite first asks (e2e/shared-stack.ts). */
export default function shareStack(): Promise<() => Promise<void>> {
  return serveSharedStack();
}
