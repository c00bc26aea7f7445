import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_CONTEXT_KEY, CONFIG_FILE_CONTEXT_KEY, loadDeployConfig } from '../../infra/config.ts';
import {
  ConfigError,
  type DeployConfigInput,
  DeployConfigSchema,
  parseConfig,
  stackNameOf,
} from '../../schemas/config.ts';
import { DEPLOY_DOC, renderConfigReference, withReference } from '../../scripts/config-docs.ts';
import { defaultConfigInput, fullConfigInput } from './build-app.ts';

type Input = DeployConfigInput & Record<string, unknown>;
type Region = DeployConfigInput['regions'][number];

/** The default config with one change, applied to a copy. */
function withChange(change: (input: Input) => void): Input {
  const input = defaultConfigInput() as Input;
  change(input);
  return input;
}
const region = (input: Input, i: number) => input.regions[i] as Region & Record<string, unknown>;
const logGroup = (input: Input, i: number, j: number) =>
  (region(input, i).logGroups ?? [])[j] as NonNullable<Region['logGroups']>[number] & Record<string, unknown>;

function errorLines(input: unknown): string[] {
  try {
    parseConfig(DeployConfigSchema, input, 'test config');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n').slice(1);
  }
  throw new Error('config was accepted');
}

describe('DeployConfigSchema', () => {
  it('accepts the cdk.json defaults and fills in the documented defaults', () => {
    const config = DeployConfigSchema.parse(defaultConfigInput());
    expect(config.regions.map((r) => [r.account, r.region, r.logGroups[0]?.name])).toEqual([
      ['123456789012', 'us-east-1', 'bedrock/model-invocations'],
      ['123456789012', 'eu-west-1', 'bedrock/model-invocations'],
    ]);
    expect(config.firehose).toMatchObject({
      logsStreamName: 'bedrock-o2-logs',
      processorBufferMiB: 1,
      processorIntervalSeconds: 60,
      processorRetries: 3,
      httpBufferMiB: 5,
      retrySeconds: 3600,
    });
    expect(config.lambda).toMatchObject({ memoryMiB: 1024, timeoutSeconds: 120 });
    expect(config.secret).toEqual({ name: 'bedrock-o2/openobserve' });
    expect(config.regions[0]?.bedrockLogging.manage).toBe(false);
    expect(stackNameOf(config.regions[1] as Region)).toBe('BedrockO2-eu-west-1');
  });

  it('accepts every option at once', () => {
    expect(DeployConfigSchema.safeParse(fullConfigInput()).error).toBeUndefined();
  });

  it.each([
    'us-gov-west-1',
    'cn-north-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
    'mx-central-1',
  ])('accepts the known region %s in every partition', (name) => {
    const input = withChange((c) => (region(c, 0).region = name));
    expect(DeployConfigSchema.safeParse(input).error).toBeUndefined();
  });

  it('accepts a well-formed region newer than aws-cdk-lib only with allowUnknownRegion', () => {
    const unknown = withChange((c) => (region(c, 0).region = 'xx-newplace-1'));
    expect(errorLines(unknown)).toEqual([
      expect.stringMatching(/^regions\[0\]\.region: xx-newplace-1 is not a region aws-cdk-lib knows; fix/),
    ]);
    region(unknown, 0)['allowUnknownRegion'] = true;
    expect(DeployConfigSchema.parse(unknown).regions[0]?.region).toBe('xx-newplace-1');
    // The escape hatch is not a way around the format check.
    region(unknown, 0).region = 'xx_newplace';
    expect(errorLines(unknown)).toEqual([
      expect.stringMatching(/^regions\[0\]\.region: must be an AWS region/),
    ]);
  });

  it.each<[string, (input: Input) => void, string]>([
    ['openobserve.url', (c) => (c.openobserve.url = 'http://o2.example.com'), 'must be https://'],
    ['openobserve.url', (c) => (c.openobserve.url = 'https://o2.example.com:8443'), 'must use port 443'],
    [
      'openobserve.url',
      (c) => (c.openobserve.url = 'https://o2.example.com/?org=x'),
      'must not have a query',
    ],
    ['openobserve.url', (c) => (c.openobserve.url = 'not a url'), 'Invalid URL'],
    [
      'openobserve.organisation',
      (c) => (c.openobserve.organisation = 'a/b'),
      'must be an OpenObserve organisation',
    ],
    ['openobserve.invocationsStream', (c) => (c.openobserve.invocationsStream = 'Bedrock'), 'lower-case'],
    ['openobserve.metricsStream', (c) => (c.openobserve.metricsStream = 'bedrock-metrics'), 'lower-case'],
    ['openobserve', (c) => Object.assign(c.openobserve, { apiKey: 'k' }), 'Unrecognized key: "apiKey"'],
    [
      'secret.arn',
      (c) => (c.secret = { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key' }),
      'complete',
    ],
    [
      'secret.arn',
      (c) => (c.secret = { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf' }),
      'regions[1] deploys to 123456789012/eu-west-1',
    ],
    ['regions', (c) => (c.regions = []), 'Too small'],
    ['regions[1].account', (c) => (region(c, 1).account = '12345'), 'must be a 12-digit AWS account id'],
    ['regions[0].region', (c) => (region(c, 0).region = 'US-EAST-1'), 'must be an AWS region'],
    [
      'regions[0].region',
      (c) => (region(c, 0).region = 'us-esat-1'),
      'us-esat-1 is not a region aws-cdk-lib knows (did you mean us-east-1?); fix the spelling, or set regions[0].allowUnknownRegion to true',
    ],
    [
      'regions[0].stackName',
      (c) => (region(c, 0).stackName = '1stack'),
      'must be a CloudFormation stack name',
    ],
    [
      'regions[1].stackName',
      (c) => Object.assign(region(c, 1), { account: '210987654321', region: 'us-east-1' }),
      'is also used by regions[0]',
    ],
    [
      'regions[1].region',
      (c) => Object.assign(region(c, 1), { region: 'us-east-1', stackName: 'Second' }),
      'one stack per account and region',
    ],
    ['regions[0].logGroups', (c) => (region(c, 0).logGroups = []), 'set logGroups, s3Logs or both'],
    [
      'regions[0].s3Logs.bucketName',
      (c) => Object.assign(region(c, 0), { s3Logs: { bucketName: 'Not_A_Bucket' } }),
      'must be an S3 bucket name',
    ],
    [
      'regions[0].s3Logs.prefix',
      (c) => Object.assign(region(c, 0), { s3Logs: { bucketName: 'logs-bucket', prefix: '/logs' } }),
      'must not start with /',
    ],
    [
      'regions[0].s3Logs.prefix',
      (c) => Object.assign(region(c, 0), { s3Logs: { bucketName: 'logs-bucket', prefix: 'my logs' } }),
      "must use only S3's safe characters",
    ],
    [
      'regions[0].s3Logs',
      (c) => Object.assign(region(c, 0), { s3Logs: { bucketName: 'logs-bucket', hydrateLargeBodies: true } }),
      'Unrecognized key',
    ],
    [
      'regions[0].bedrockLogging.manage',
      (c) =>
        Object.assign(region(c, 0), {
          logGroups: [],
          s3Logs: { bucketName: 'logs-bucket' },
          bedrockLogging: { manage: true },
        }),
      'needs a log group',
    ],
    ['regions[0].logGroups[0].name', (c) => (logGroup(c, 0, 0).name = 'bad name!'), 'log group name'],
    [
      'regions[0].logGroups[1].name',
      (c) => region(c, 0).logGroups?.push({ name: 'bedrock/model-invocations' }),
      'listed twice',
    ],
    [
      'regions[1].logGroups[0].contentMode',
      (c) => Object.assign(logGroup(c, 1, 0), { contentMode: 'all' }),
      'Invalid option',
    ],
    ['regions[0].logGroups[0].maxContentBytes', (c) => (logGroup(c, 0, 0).maxContentBytes = 10), 'Too small'],
    [
      'regions[0].logGroups[0].redact[0]',
      (c) => (logGroup(c, 0, 0).redact = ['(']),
      'not a valid regular expression',
    ],
    [
      'regions[0].logGroups[0].retentionDays',
      (c) => Object.assign(logGroup(c, 0, 0), { create: true, retentionDays: 10 }),
      'Invalid option',
    ],
    [
      'regions[0].logGroups[0].retentionDays',
      (c) => (logGroup(c, 0, 0).retentionDays = 7),
      'only applies when create is true',
    ],
    [
      'regions[0].logGroups[0]',
      (c) => Object.assign(logGroup(c, 0, 0), { filter: 'x' }),
      'Unrecognized key: "filter"',
    ],
    [
      'regions[0].bedrockLogging.logGroupName',
      (c) => (region(c, 0).bedrockLogging = { manage: true, logGroupName: 'elsewhere' }),
      'must be one of regions[0].logGroups[].name',
    ],
    [
      'regions[0].bedrockLogging.largeDataBucketName',
      (c) => (region(c, 0).bedrockLogging = { manage: true, largeDataBucketName: 'Bad_Bucket' }),
      'must be an S3 bucket name',
    ],
    [
      'regions[0].secretArn',
      (c) => (region(c, 0).secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf'),
      'its own account and region',
    ],
    [
      'regions[0].alarmTopicArn',
      (c) => (region(c, 0).alarmTopicArn = 'arn:aws:sns:eu-west-1:123456789012:ops'),
      'must be in 123456789012/us-east-1',
    ],
    [
      'firehose.logsStreamName',
      (c) => (c.firehose = { logsStreamName: 'has space' }),
      'Firehose stream name',
    ],
    [
      'firehose.metricsStreamName',
      (c) => (c.firehose = { metricsStreamName: 'bedrock-o2-logs' }),
      'must differ',
    ],
    ['firehose.processorBufferMiB', (c) => (c.firehose = { processorBufferMiB: 3.5 }), 'Too big'],
    ['firehose.processorBufferMiB', (c) => (c.firehose = { processorBufferMiB: 0.1 }), 'Too small'],
    ['firehose.processorIntervalSeconds', (c) => (c.firehose = { processorIntervalSeconds: 901 }), 'Too big'],
    ['firehose.processorRetries', (c) => (c.firehose = { processorRetries: -1 }), 'Too small'],
    // CloudFormation's schema and the CDK helper accept up to 128 MiB; the HTTP endpoint API allows 64.
    ['firehose.httpBufferMiB', (c) => (c.firehose = { httpBufferMiB: 65 }), 'Too big'],
    ['firehose.httpBufferMiB', (c) => (c.firehose = { httpBufferMiB: 0 }), 'Too small'],
    ['firehose.httpIntervalSeconds', (c) => (c.firehose = { httpIntervalSeconds: 901 }), 'Too big'],
    ['firehose.retrySeconds', (c) => (c.firehose = { retrySeconds: 7201 }), 'Too big'],
    [
      'firehose.errorLogRetentionDays',
      (c) => Object.assign(c, { firehose: { errorLogRetentionDays: 2 } }),
      'Invalid option',
    ],
    ['lambda.timeoutSeconds', (c) => (c.lambda = { timeoutSeconds: 301 }), 'Too big'],
    ['lambda.memoryMiB', (c) => (c.lambda = { memoryMiB: 64 }), 'Too small'],
    ['lambda.metricsMemoryMiB', (c) => (c.lambda = { metricsMemoryMiB: 20480 }), 'Too big'],
    ['transform.ingestWindowHours', (c) => (c.transform = { ingestWindowHours: -1 }), 'Too small'],
    [
      'transform.nonBedrockLines',
      (c) => Object.assign(c, { transform: { nonBedrockLines: 'skip' } }),
      'Invalid option',
    ],
    ['transform', (c) => Object.assign(c, { transform: { reingestStreamName: 'x' } }), 'Unrecognized key'],
    ['backup.expireAfterDays', (c) => (c.backup = { expireAfterDays: 0 }), 'Too small'],
    ['backup.infrequentAccessAfterDays', (c) => (c.backup = { infrequentAccessAfterDays: 20 }), 'Too small'],
    [
      'backup.infrequentAccessAfterDays',
      (c) => (c.backup = { infrequentAccessAfterDays: 90 }),
      'must be less than',
    ],
    ['alarms.email', (c) => (c.alarms = { email: 'ops' }), 'Invalid email'],
    ['alarms.freshnessSeconds', (c) => (c.alarms = { freshnessSeconds: 10 }), 'Too small'],
    ['tags.aws:owner', (c) => (c.tags = { 'aws:owner': 'x' }), 'Invalid key'],
    ['tags.team', (c) => (c.tags = { team: 'x'.repeat(257) }), 'at most 256 characters'],
    ['(root)', (c) => Object.assign(c, { region: 'us-east-1' }), 'Unrecognized key: "region"'],
  ])('%s: rejects with a message naming the path (%#)', (path, change, message) => {
    const lines = errorLines(withChange(change));
    const line = lines.find((candidate) => candidate.startsWith(`${path}: `));
    expect(line, lines.join('\n')).toBeDefined();
    expect(line).toContain(message);
  });

  it('reports every bad path at once', () => {
    const lines = errorLines(
      withChange((c) => {
        c.openobserve.url = 'http://o2.example.com';
        logGroup(c, 1, 0).contentMode = 'preview';
        Object.assign(logGroup(c, 1, 0), { maxContentBytes: 1 });
        c.firehose = { httpBufferMiB: 100 };
      }),
    );
    expect(lines.map((line) => line.split(': ')[0])).toEqual([
      'openobserve.url',
      'regions[1].logGroups[0].maxContentBytes',
      'firehose.httpBufferMiB',
    ]);
  });
});

describe('loadDeployConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nodeWith = (context: Record<string, unknown>) => new App({ context }).node;

  it('reads the cdk.json context', () => {
    const config = loadDeployConfig(nodeWith({ [CONFIG_CONTEXT_KEY]: defaultConfigInput() }));
    expect(config.regions).toHaveLength(2);
  });

  it('parses the context when -c passes it as a JSON string', () => {
    const config = loadDeployConfig(nodeWith({ [CONFIG_CONTEXT_KEY]: JSON.stringify(fullConfigInput()) }));
    expect(config.openobserve.organisation).toBe('acme');
  });

  it('prefers a config file named by bedrockO2ConfigFile, relative to the working directory', () => {
    writeFileSync(join(dir, 'prod.json'), JSON.stringify(fullConfigInput()));
    const config = loadDeployConfig(
      nodeWith({ [CONFIG_CONTEXT_KEY]: defaultConfigInput(), [CONFIG_FILE_CONTEXT_KEY]: 'prod.json' }),
      dir,
    );
    expect(config.regions.map((r) => r.region)).toEqual(['us-east-1', 'eu-west-1']);
    expect(config.openobserve.organisation).toBe('acme');
  });

  it.each([
    ['no context', {}, 'no configuration: set context "bedrockO2"'],
    ['a missing file', { [CONFIG_FILE_CONTEXT_KEY]: 'missing.json' }, 'cannot read config file'],
    ['an empty file name', { [CONFIG_FILE_CONTEXT_KEY]: '' }, 'must be a path to a JSON file'],
    [
      'a string that is not JSON',
      { [CONFIG_CONTEXT_KEY]: '{regions:' },
      'context "bedrockO2" is not valid JSON',
    ],
  ])('fails clearly with %s', (_, context, message) => {
    expect(() => loadDeployConfig(nodeWith(context), dir)).toThrow(ConfigError);
    expect(() => loadDeployConfig(nodeWith(context), dir)).toThrow(message);
  });

  it('names the file and the path of a bad field', () => {
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ ...defaultConfigInput(), lambda: { timeoutSeconds: 900 } }),
    );
    expect(() => loadDeployConfig(nodeWith({ [CONFIG_FILE_CONTEXT_KEY]: 'bad.json' }), dir)).toThrow(
      /bad\.json:\nlambda\.timeoutSeconds: Too big/,
    );
  });
});

describe('docs/deploy.md configuration reference', () => {
  it('is up to date with the schema (regenerate with: node scripts/config-docs.ts)', () => {
    const current = readFileSync(DEPLOY_DOC, 'utf8');
    expect(withReference(current, renderConfigReference())).toBe(current);
  });

  it('lists every field with its description and range', () => {
    const rows = renderConfigReference()
      .split('\n')
      .slice(2)
      .map((line) =>
        line
          .slice(1, -1)
          .split(' | ')
          .map((text) => text.trim()),
      );
    expect(rows.find(([key]) => key === '`firehose.httpBufferMiB`')).toEqual([
      '`firehose.httpBufferMiB`',
      'integer',
      '`5`',
      '1–64',
      'HTTP endpoint buffer in MiB (1-64)',
    ]);
    expect(rows.filter((cells) => cells[4] === '').map(([key]) => key)).toEqual([]);
  });
});
