import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Node } from 'constructs';
import { ConfigError, type DeployConfig, DeployConfigSchema, parseConfig } from '../schemas/config.ts';

/** cdk.json context key holding the deployment config. */
export const CONFIG_CONTEXT_KEY = 'bedrockO2';
/** Context key naming a JSON file that replaces the `bedrockO2` context, e.g. `-c bedrockO2ConfigFile=prod.json`. */
export const CONFIG_FILE_CONTEXT_KEY = 'bedrockO2ConfigFile';

/**
 * Read and validate the deployment config once, at synth. A file named by `bedrockO2ConfigFile` wins over the
 * `bedrockO2` context (cdk.json, or `-c bedrockO2='{…}'` as a JSON string). Throws a ConfigError with one line
 * per bad path.
 */
export function loadDeployConfig(node: Node, cwd: string = process.cwd()): DeployConfig {
  const file: unknown = node.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file !== undefined) {
    if (typeof file !== 'string' || file.trim() === '') {
      throw new ConfigError(`context ${CONFIG_FILE_CONTEXT_KEY} must be a path to a JSON file`);
    }
    const path = resolve(cwd, file);
    return parseConfig(DeployConfigSchema, readJsonFile(path), path);
  }
  const value: unknown = node.tryGetContext(CONFIG_CONTEXT_KEY);
  if (value === undefined) {
    throw new ConfigError(
      `no configuration: set context "${CONFIG_CONTEXT_KEY}" in cdk.json or pass -c ${CONFIG_FILE_CONTEXT_KEY}=path.json`,
    );
  }
  const where = `context "${CONFIG_CONTEXT_KEY}"`;
  // `-c key=value` on the command line arrives as a string.
  return parseConfig(DeployConfigSchema, typeof value === 'string' ? parseJson(value, where) : value, where);
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  return parseJson(text, path);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
}
