import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  buildApp,
  cdkJson,
  defaultConfigInput,
  fullConfigInput,
  normaliseTemplate,
  PROJECT_NODE,
  parse,
} from './build-app.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const outdirs: string[] = [];
function tempOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-synth-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['default config', () => parse(defaultConfigInput())],
    ['every option on', () => parse(fullConfigInput())],
  ])('has no unacknowledged finding with the %s', (_, config) => {
    // buildApp registers AwsSolutionsChecks like infra/app.ts; any unacknowledged finding fails synth.
    const { app } = buildApp(config(), { outdir: tempOutdir() });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synth on an unacknowledged finding (the checks are really on)', () => {
    const app = new App({ context: cdkJson().context, outdir: tempOutdir() });
    const stack = new Stack(app, 'Probe', { env: { account: '123456789012', region: 'us-east-1' } });
    new s3.Bucket(stack, 'Unlogged', { enforceSSL: true });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('justifies every acknowledgement in code', () => {
    const { app } = buildApp(parse(fullConfigInput()));
    const acknowledgements = app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Each entry's data is { "<plugin>::<rule id>": "<reason>" }.
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ id, reason }));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgements) {
      expect(id).toMatch(/^AwsSolutions::AwsSolutions-/);
      expect(reason.length, id).toBeGreaterThan(60);
    }
  });
});

describe('synth-time checks', () => {
  it('validates templates against the CloudFormation schemas (cdk.json turns errors on)', () => {
    const probe = (context: Record<string, unknown>) => {
      const app = new App({ context, outdir: tempOutdir() });
      const stack = new Stack(app, 'Probe', { env: { account: '123456789012', region: 'us-east-1' } });
      new firehose.CfnDeliveryStream(stack, 'TooLongRetry', {
        httpEndpointDestinationConfiguration: {
          endpointConfiguration: { url: 'https://o2.example.com/aws/default/s/_kinesis_firehose' },
          s3Configuration: {
            bucketArn: 'arn:aws:s3:::backup',
            roleArn: 'arn:aws:iam::123456789012:role/firehose',
          },
          retryOptions: { durationInSeconds: 9000 },
        },
      });
      return () => app.synth();
    };
    expect(probe(cdkJson().context)).toThrow(/DurationInSeconds/);
    // Without the flag the same finding is only printed (console.error); capture it so that this expected
    // warning does not show in the test output, where a real one must stand out.
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(
        probe({ ...cdkJson().context, '@aws-cdk/core:validateAgainstDefaultRules': false }),
      ).not.toThrow();
      expect(printed.mock.calls.flat().join('\n')).toMatch(/\[Warning\][\s\S]*DurationInSeconds/);
    } finally {
      printed.mockRestore();
    }
  });

  it.each([
    ['mx-central-1', false],
    ['xx-newplace-1', true],
  ])(
    'synthesizes %s, which has no Firehose CIDR entry in aws-cdk-lib (allowUnknownRegion %s)',
    (name, allow) => {
      const input = defaultConfigInput();
      const [first] = input.regions;
      if (!first) throw new Error('cdk.json has a region');
      const config = parse({ ...input, regions: [{ ...first, region: name, allowUnknownRegion: allow }] });
      const template = buildApp(config).template(`BedrockO2-${name}`).toJSON() as {
        Mappings?: Record<string, unknown>;
      };
      // The stand-in table entry is never rendered.
      expect(template.Mappings).toBeUndefined();
    },
  );

  it('refuses a Lambda environment over 4 KB, naming the region', () => {
    const input = defaultConfigInput();
    const big = {
      ...input,
      transform: { content: { redact: Array.from({ length: 20 }, (_, i) => `${i}${'x'.repeat(300)}`) } },
    };
    expect(() => buildApp(parse(big))).toThrow(
      /regions\[0\] \(us-east-1\): the Lambda environment would be \d+ bytes/,
    );
  });
});

describe('synthesized templates (default config)', () => {
  const built = buildApp(parse(defaultConfigInput()));

  it.each(['BedrockO2-us-east-1', 'BedrockO2-eu-west-1'])('%s matches its golden file', async (stackName) => {
    await expect(
      `${JSON.stringify(normaliseTemplate(built.template(stackName).toJSON()), null, 2)}\n`,
    ).toMatchFileSnapshot(`../golden/infra/${stackName}.template.json`);
  });
});

describe('infra/app.ts (the cdk.json "app")', () => {
  const runApp = (context: Record<string, unknown>) => {
    const outdir = tempOutdir();
    const result = spawnSync(PROJECT_NODE, ['infra/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      // What the CDK CLI hands the app: cdk.json context plus -c values, and the output directory.
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });
    return { ...result, outdir };
  };

  it('synthesizes both regions offline from the cdk.json defaults', () => {
    const { status, stderr, outdir } = runApp({ ...cdkJson().context, 'aws:cdk:bundling-stacks': [] });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(
      readdirSync(outdir)
        .filter((name) => name.endsWith('.template.json'))
        .sort(),
    ).toEqual(['BedrockO2-eu-west-1.template.json', 'BedrockO2-us-east-1.template.json']);
  });

  it('exits 1 with one line naming regions[i].region, not a stack trace, for a misspelt region', () => {
    const input = defaultConfigInput();
    const [first, ...rest] = input.regions;
    if (!first) throw new Error('cdk.json has a region');
    const misspelt = { ...input, regions: [{ ...first, region: 'us-esat-1' }, ...rest] };
    const { status, stderr } = runApp({ ...cdkJson().context, bedrockO2: misspelt });
    expect(status).toBe(1);
    expect(stderr).toContain('regions[0].region: us-esat-1 is not a region aws-cdk-lib knows');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with one line per bad path when the config is invalid', () => {
    const input = defaultConfigInput();
    const broken = {
      ...input,
      openobserve: { url: 'http://o2.example.com' },
      regions: [{ ...input.regions[0], logGroups: [{ name: 'a', contentMode: 'everything' }] }],
    };
    const { status, stderr } = runApp({ ...cdkJson().context, bedrockO2: broken });
    expect(status).toBe(1);
    expect(stderr).toContain('openobserve.url: must be https://');
    expect(stderr).toContain('regions[0].logGroups[0].contentMode: Invalid option');
  });

  it('reads -c bedrockO2ConfigFile=<path> instead of the context', () => {
    const dir = tempOutdir();
    const file = join(dir, 'config.json');
    const input = {
      ...defaultConfigInput(),
      regions: [{ account: '123', region: 'us-east-1', logGroups: [] }],
    };
    writeFileSync(file, JSON.stringify(input));
    const { status, stderr } = runApp({ ...cdkJson().context, bedrockO2ConfigFile: file });
    expect(status).toBe(1);
    expect(stderr).toContain(file);
    expect(stderr).toContain('regions[0].account: must be a 12-digit AWS account id');
    expect(stderr).toContain('regions[0].logGroups: set logGroups, s3Logs or both');
  });
});
