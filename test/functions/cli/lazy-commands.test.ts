import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Each command is loaded when it runs: `--help` and `transform` must not pay for DuckDB, ECharts or the AWS
// SDK clients the other commands use (they took `--help` from ~0.2 s to ~1 s).
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const NODE = join(REPO, 'node_modules/.bin/node');

// A module hook that writes every package specifier resolved to stderr, one per line.
const RECORD_IMPORTS = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module';" +
    "registerHooks({ resolve(specifier, context, next) { if (!/^[.\\/]|^node:|^file:/.test(specifier)) process.stderr.write('IMPORT ' + specifier + '\\n'); return next(specifier, context); } });",
)}`;

function packagesLoadedBy(args: string[]): string[] {
  const result = spawnSync(NODE, ['--import', RECORD_IMPORTS, 'bin/bedrock-o2.mjs', ...args], {
    cwd: REPO,
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  return result.stderr
    .split('\n')
    .filter((line) => line.startsWith('IMPORT '))
    .map((line) => line.slice('IMPORT '.length));
}

const HEAVY = /^(@duckdb\/|echarts|@guanmingchiu\/|@aws-sdk\/)/;

describe('commands load only what they use', () => {
  it('--help loads none of the heavy packages', () => {
    const loaded = packagesLoadedBy(['--help']);
    expect(loaded.length).toBeGreaterThan(0); // the hook works: zod is loaded
    expect(loaded.filter((name) => HEAVY.test(name))).toEqual([]);
  });

  it('transform loads none of them either', () => {
    expect(
      packagesLoadedBy(['transform', '--rows', 'examples/firehose-event.json']).filter((name) =>
        HEAVY.test(name),
      ),
    ).toEqual([]);
  });

  it('dashboards preview does load DuckDB and ECharts (the hook sees them)', () => {
    const loaded = packagesLoadedBy(['dashboards', '--help']);
    expect(loaded.some((name) => name.startsWith('@duckdb/'))).toBe(true);
  });
});
