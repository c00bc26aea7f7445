import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCliConfig } from '../../../functions/cli/files.ts';
import { main } from '../../../functions/cli/main.ts';
import { captureIo } from '../../helpers/cli.ts';

// `--config` is told to take "the deployed configuration": what people keep is the deployment file (or
// cdk.json), so the CLI derives the Lambda's part from it for one region, as the stack does.
const EXAMPLE_EVENT = fileURLToPath(new URL('../../../examples/firehose-event.json', import.meta.url));
const LOG_GROUP = 'bedrock/model-invocations'; // the log group of the example event

const deployment = {
  openobserve: { url: 'https://o2.example.com', organisation: 'default' },
  regions: [
    { account: '111122223333', region: 'us-east-1', logGroups: [{ name: LOG_GROUP }] },
    { account: '111122223333', region: 'eu-west-1', logGroups: [{ name: LOG_GROUP, contentMode: 'hash' }] },
  ],
  transform: { promoteMetadataKeys: ['team'] },
};

function file(name: string, content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bedrock-o2-deploy-config-')), name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

async function contentModes(configFile: string, env: Record<string, string>) {
  const { io, stdout, stderr } = captureIo({ env });
  const code = await main(['transform', '--rows', '--config', configFile, EXAMPLE_EVENT], io);
  const modes = stdout()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as Record<string, unknown>)['aws_bedrock_content_mode']);
  return { code, modes, stderr: stderr() };
}

describe('--config with a deployment configuration', () => {
  it("uses the content settings of AWS_REGION's log groups, as that region's Lambda would", async () => {
    const path = file('prod.json', deployment);
    const eu = await contentModes(path, { AWS_REGION: 'eu-west-1' });
    expect(eu.code).toBe(0);
    expect(eu.modes.length).toBeGreaterThan(0);
    expect(new Set(eu.modes)).toEqual(new Set(['hash']));
    const us = await contentModes(path, { AWS_REGION: 'us-east-1' });
    expect(new Set(us.modes)).toEqual(new Set(['full']));
  });

  it("reads cdk.json's bedrockO2 context too", async () => {
    const path = file('cdk.json', { app: 'x', context: { bedrockO2: deployment } });
    const eu = await contentModes(path, { AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(eu.code).toBe(0);
    expect(new Set(eu.modes)).toEqual(new Set(['hash']));
  });

  it('a --region flag wins over AWS_REGION, and the shared transform settings are kept', async () => {
    const path = file('prod.json', deployment);
    const config = await loadCliConfig(path, captureIo({ env: { AWS_REGION: 'us-east-1' } }).io, 'eu-west-1');
    expect(config.logGroups[LOG_GROUP]?.contentMode).toBe('hash');
    expect(config.promoteMetadataKeys).toEqual(['team']);
  });

  it('a single-region file needs no region', async () => {
    const path = file('one.json', { ...deployment, regions: [deployment.regions[1]] });
    expect((await contentModes(path, {})).modes).toContain('hash');
  });

  it.each([
    [{}, /prod\.json is a deployment configuration for us-east-1, eu-west-1: set AWS_REGION/],
    [
      { AWS_REGION: 'ap-south-1' },
      /prod\.json is a deployment configuration for us-east-1, eu-west-1: not for ap-south-1/,
    ],
  ])('with env %j it exits 2 with one line saying which regions the file has', async (env, message) => {
    const result = await contentModes(file('prod.json', deployment), env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd()).not.toContain('\n');
  });

  it('an invalid deployment file names the bad path', async () => {
    const path = file('bad.json', { ...deployment, openobserve: { url: 'http://o2.example.com' } });
    const result = await contentModes(path, { AWS_REGION: 'us-east-1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/openobserve\.url/);
  });
});
