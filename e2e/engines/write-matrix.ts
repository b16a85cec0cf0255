import { writeMatrixIntoReadme } from './compat-matrix.js';

/** Playwright's global teardown: the run's compatibility matrix goes into packages/sdk/README.md. */
export default function writeMatrix(): void {
  writeMatrixIntoReadme();
}
