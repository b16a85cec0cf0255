#!/usr/bin/env node
// The command's entry, committed so that npm links it at install time; it runs the built CLI. In a clone
// of the repository the root `prepare` script builds dist/ during `npm ci`.
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) throw error;
  console.error('splitflow-broker: the package is not built (dist/cli.js is missing): run `npm run build` at the repository root');
  process.exit(1);
}
