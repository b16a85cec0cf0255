#!/usr/bin/env node
import { runWorkerCli } from './run-cli.js';

await runWorkerCli(process.argv.slice(2));
