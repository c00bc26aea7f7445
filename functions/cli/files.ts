import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { transformConfigFor } from '../../infra/defaults.ts';
import {
  DeployConfigSchema,
  parseConfig,
  type TransformConfig,
  TransformConfigSchema,
} from '../../schemas/config.ts';
import { loadTransformConfig } from '../transform/runtime-config.ts';
import { type CliIo, UsageError } from './io.ts';

/** Reading what a user names on the command line: failures are usage errors naming the file (exit 2). */

/** A file's bytes; `.gz` files are gunzipped. */
export async function readUserFile(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (!path.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes);
  } catch {
    throw new UsageError(`${path} is not gzip`);
  }
}

export function parseUserJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${where} is not valid JSON`);
  }
}

/**
 * The transform configuration of `--config FILE` (relative to the cwd), else BEDROCK_O2_CONFIG. FILE may be
 * the Lambda's own JSON (as BEDROCK_O2_CONFIG) or the deployment configuration people actually keep (a
 * `-c bedrockO2ConfigFile` file, or cdk.json with its `bedrockO2` context): then the Lambda's part is
 * derived exactly as the stack does, for the region named by `region` (a --region flag) or AWS_REGION.
 */
export async function loadCliConfig(
  path: string | undefined,
  io: CliIo,
  region?: string,
): Promise<TransformConfig> {
  if (path === undefined) return loadTransformConfig(io.env);
  const text = (await readUserFile(resolve(io.cwd, path))).toString('utf8');
  const json = parseUserJson(text, path);
  const deployment = deploymentConfigIn(json);
  if (deployment === undefined) return parseConfig(TransformConfigSchema, json, path);
  const config = parseConfig(DeployConfigSchema, deployment, path);
  const wanted = nonEmpty(region) ?? nonEmpty(io.env['AWS_REGION']) ?? nonEmpty(io.env['AWS_DEFAULT_REGION']);
  const regions = config.regions.map((r) => r.region);
  const matches =
    wanted === undefined && config.regions.length === 1
      ? config.regions
      : config.regions.filter((r) => r.region === wanted);
  const [deployed] = matches;
  if (deployed === undefined || matches.length > 1) {
    const which =
      wanted === undefined
        ? 'set AWS_REGION (or --region where the command has it) to pick one'
        : matches.length > 1
          ? `it lists ${wanted} for several accounts; pass that account's settings as BEDROCK_O2_CONFIG JSON`
          : `not for ${wanted}`;
    throw new UsageError(`${path} is a deployment configuration for ${regions.join(', ')}: ${which}`);
  }
  return parseConfig(
    TransformConfigSchema,
    transformConfigFor(config, deployed, config.firehose.logsStreamName),
    `${path} (${deployed.region})`,
  );
}

/** The deployment configuration inside a parsed file: the file itself, or cdk.json's `context.bedrockO2`. */
function deploymentConfigIn(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  if (Object.hasOwn(json, 'regions')) return json;
  const context: unknown = Object.hasOwn(json, 'context')
    ? (json as { context: unknown }).context
    : undefined;
  if (typeof context === 'object' && context !== null && Object.hasOwn(context, 'bedrockO2'))
    return (context as { bedrockO2: unknown }).bedrockO2;
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Creates `dir` if needed; a path that is (or lies under) a file, or cannot be created, is a usage error
 * (exit 2) naming the path that is in the way.
 */
export async function writableDirectory(dir: string, flag: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new UsageError(`${flag}: ${await fileInTheWay(dir)} is a file, not a directory`);
    }
    throw new UsageError(`${flag}: ${dir} cannot be created (${code})`);
  }
  return dir;
}

/** The first of `dir` and its parents that exists and is not a directory. */
async function fileInTheWay(dir: string): Promise<string> {
  for (let path = dir; ; path = dirname(path)) {
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && !info.isDirectory()) return path;
    if (dirname(path) === path) return dir;
  }
}
