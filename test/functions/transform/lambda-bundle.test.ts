import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../../infra/constructs/bundled-function.ts';

/** The modules esbuild puts into the logs Lambda's bundle (as CDK bundles it: ESM, AWS SDK external). */
async function bundledModules(entry: string): Promise<string[]> {
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
  return Object.keys(result.metafile.inputs);
}

describe('the logs Lambda bundle', () => {
  it('loads the AWS-only copy of the price package, not the package with every provider', async () => {
    const modules = await bundledModules('functions/transform/handler.ts');
    expect(modules).toContain('functions/transform/pricing/genai-prices-aws.js');
    expect(modules.filter((path) => path.includes('@pydantic/genai-prices'))).toEqual([]);
  });
});
