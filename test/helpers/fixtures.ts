import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/bedrock', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(new URL('../golden', import.meta.url));

export interface Fixture {
  /** Folder name = the normaliser expected to handle it. */
  readonly normaliser: string;
  readonly name: string;
  readonly path: string;
  readonly log: Record<string, unknown>;
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Every ModelInvocationLog fixture, grouped by the folder (normaliser id) it sits in. */
export function allFixtures(): Fixture[] {
  return readdirSync(FIXTURES_DIR, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((relative) => {
      const path = join(FIXTURES_DIR, relative);
      return {
        normaliser: basename(dirname(path)),
        name: basename(path, '.json'),
        path,
        log: readJson<Record<string, unknown>>(path),
      };
    });
}
