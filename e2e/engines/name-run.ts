/** Playwright's global setup: names this run, so the suites' stacks build the field app once (e2e/stack.ts). */
export default function nameRun(): void {
  process.env.SPLITFLOW_TEST_RUN = `${process.pid}-${Date.now()}`;
}
