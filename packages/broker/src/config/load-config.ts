import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type BrokerConfig, SplitflowError, validateBrokerConfig } from '@splitflow/contract';
import { parse } from 'yaml';

export interface LoadedConfig {
  config: BrokerConfig;
  /** Directory relative paths in the config (catalog, jobs.path) are resolved against. */
  baseDir: string;
}

/** Reads a YAML (or JSON) broker config and validates it; errors name the file, the path and the rule. */
export async function loadBrokerConfig(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SplitflowError('INVALID_DOCUMENT', { message: `cannot read broker config ${path}: ${(error as Error).message}` });
  }
  let value: unknown;
  try {
    value = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new SplitflowError('INVALID_DOCUMENT', { message: `broker config ${path} is not valid YAML: ${(error as Error).message}` });
  }
  try {
    return { config: validateBrokerConfig(value), baseDir: dirname(resolve(path)) };
  } catch (error) {
    if (error instanceof SplitflowError) throw new SplitflowError(error.code, { message: `${path}: ${error.message}`, details: error.details });
    throw error;
  }
}
