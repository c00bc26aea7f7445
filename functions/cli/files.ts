import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseConfig, type TransformConfig, TransformConfigSchema } from '../../schemas/config.ts';
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

/** The transform configuration of `--config FILE` (relative to the cwd), else BEDROCK_O2_CONFIG. */
export async function loadCliConfig(path: string | undefined, io: CliIo): Promise<TransformConfig> {
  if (path === undefined) return loadTransformConfig(io.env);
  const text = (await readUserFile(resolve(io.cwd, path))).toString('utf8');
  return parseConfig(TransformConfigSchema, parseUserJson(text, path), path);
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
