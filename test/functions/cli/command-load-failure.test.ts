import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A command whose module cannot load (a package missing from the install, DuckDB with no native build for
// this platform) is one line naming the module, exit 2: nothing was read, and it is the install, not a defect.
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const NODE = join(REPO, 'node_modules/.bin/node');

// A module hook that sends a request for `from` to `to`, a package that is not installed.
function redirect(from: RegExp, to: string): string {
  return `data:text/javascript,${encodeURIComponent(
    "import { registerHooks } from 'node:module';" +
      `registerHooks({ resolve(specifier, context, next) { return next(${from}.test(specifier) ? ${JSON.stringify(to)} : specifier, context); } });`,
  )}`;
}

function run(hook: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(NODE, ['--import', hook, 'bin/bedrock-o2.mjs', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, BEDROCK_O2_DEBUG: '', ...env },
    timeout: 30_000,
  });
}

describe('a command that cannot load', () => {
  it("DuckDB's native module missing (require): one line naming it, exit 2", () => {
    const result = run(
      redirect(/^@duckdb\/node-bindings-[^/]+\/duckdb\.node$/, '@duckdb/node-bindings-nowhere/duckdb.node'),
      ['dashboards', 'preview'],
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^bedrock-o2 dashboards: cannot load this command: Cannot find module '@duckdb\/node-bindings-nowhere\/duckdb\.node' \(reinstall with npm ci; [^\n]*\)\n$/,
    );
  });

  it('a package missing (import): one line naming it, exit 2', () => {
    const result = run(redirect(/^@aws-sdk\/client-s3$/, '@aws-sdk/client-nowhere'), [
      'replay',
      's3://bucket/prefix',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^bedrock-o2 replay: cannot load this command: Cannot find package '@aws-sdk\/client-nowhere' imported from [^\n]*\n$/,
    );
  });

  it('shows the whole error with BEDROCK_O2_DEBUG=1', () => {
    const result = run(redirect(/^@aws-sdk\/client-s3$/, '@aws-sdk/client-nowhere'), ['replay', 's3://b/p'], {
      BEDROCK_O2_DEBUG: '1',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('ERR_MODULE_NOT_FOUND');
  });
});
