import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../cli/io.ts';

/**
 * Checks, before any work, that a file the run will write (checkpoint, rejects) can be written: an existing
 * path must be a writable file; a new one needs its nearest existing ancestor to be a writable directory (the
 * folders in between are created). `flag` names the option the user can change.
 */
export function ensureWritableFile(path: string, flag: string): void {
  const existing = statOrUndefined(path);
  if (existing?.isDirectory() === true)
    throw new UsageError(`${flag} ${path} is a directory: give a file path`);
  if (existing !== undefined) {
    if (!canWrite(path)) throw new UsageError(`${flag} ${path} is not writable: give another file`);
    return;
  }
  let ancestor = dirname(path);
  for (;;) {
    const stats = statOrUndefined(ancestor);
    if (stats !== undefined) {
      if (!stats.isDirectory())
        throw new UsageError(`${flag} ${path}: ${ancestor} is not a directory: give another file`);
      if (!canWrite(ancestor))
        throw new UsageError(`${flag} ${path}: cannot create files in ${ancestor}: give another file`);
      return;
    }
    const parent = dirname(ancestor);
    if (parent === ancestor) return;
    ancestor = parent;
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
