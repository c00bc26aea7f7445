import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../../infra/constructs/bundled-function.ts';

/** The modules esbuild puts into the logs Lambda's bundle (as CDK bundles it: ESM, AWS SDK external). */
async function bundled(
  entry: string,
): Promise<{ modules: string[]; code: string; staticExternals: string[] }> {
  const result = await build({
    entryPoints: [projectPath(entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return {
    staticExternals: Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports
        .filter((entry) => entry.external === true && entry.kind === 'import-statement')
        .map((entry) => entry.path),
    ),
    modules: Object.keys(result.metafile.inputs),
    code: result.outputFiles.map((file) => file.text).join('\n'),
  };
}

const logsLambda = bundled('functions/transform/handler.ts');

describe('the logs Lambda bundle', () => {
  it('loads the AWS-only copy of the price package, not the package with every provider', async () => {
    const { modules } = await logsLambda;
    expect(modules).toContain('functions/transform/pricing/genai-prices-aws.js');
    expect(modules.filter((path) => path.includes('@pydantic/genai-prices'))).toEqual([]);
  });

  it('carries no code only the CLI uses (the price explanation), nor the CLI itself', async () => {
    const { modules, code } = await logsLambda;
    expect(modules).toContain('functions/transform/pricing/price-invocation.ts');
    expect(modules).not.toContain('functions/transform/pricing/explain.ts');
    // The explanation's own words: present in the code of `prices explain`, absent from the Lambda.
    for (const words of ['input (not cached)', 'tiered, by calcPrice'])
      expect(code.includes(words), words).toBe(false);
    expect(modules.filter((path) => path.startsWith('functions/cli/'))).toEqual([]);
  });

  it('imports no AWS SDK client at cold start (re-ingest and hydration load theirs when first used)', async () => {
    const { staticExternals } = await logsLambda;
    expect(staticExternals.length).toBeGreaterThan(0); // node: built-ins: the metafile lists what it sees
    expect(staticExternals.filter((path) => path.startsWith('@aws-sdk/'))).toEqual([]);
  });
});
