import { describe, expect, it } from 'vitest';
import { controlMessage, dataMessage } from '../../functions/cli/firehose-event.ts';
import { CONFIG_ENV, loadTransformConfig } from '../../functions/transform/runtime-config.ts';
import { BedrockInvocationLogSchema } from '../../schemas/bedrock-invocation-log.ts';
import { CloudWatchLogsEnvelopeSchema } from '../../schemas/cloudwatch-logs.ts';
import { ConfigError, TransformConfigSchema } from '../../schemas/config.ts';
import { allFixtures } from '../helpers/fixtures.ts';

describe('BedrockInvocationLogSchema', () => {
  it.each(allFixtures().map((f) => [`${f.normaliser}/${f.name}`, f.log] as const))(
    'accepts fixture %s',
    (_name, log) => {
      expect(BedrockInvocationLogSchema.safeParse(log).error?.issues ?? []).toEqual([]);
    },
  );

  it('rejects a log without its envelope fields', () => {
    const result = BedrockInvocationLogSchema.safeParse({ schemaType: 'ModelInvocationLog' });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['requestId', 'modelId', 'input']),
    );
  });
});

describe('CloudWatchLogsEnvelopeSchema', () => {
  it('accepts what the test helpers build, data and control', () => {
    expect(CloudWatchLogsEnvelopeSchema.parse(dataMessage([{ message: 'x', timestamp: 1 }]))).toMatchObject({
      messageType: 'DATA_MESSAGE',
    });
    expect(CloudWatchLogsEnvelopeSchema.parse(controlMessage())).toMatchObject({
      messageType: 'CONTROL_MESSAGE',
    });
  });
});

describe('TransformConfigSchema and BEDROCK_O2_CONFIG', () => {
  it('defaults everything from an empty env', () => {
    expect(loadTransformConfig({})).toEqual(TransformConfigSchema.parse({}));
    expect(loadTransformConfig({}).content).toEqual({});
  });

  it.each([
    [{ content: { contentMode: 'everything' } }, /content\.contentMode/],
    [{ content: { maxContentBytes: 10 } }, /content\.maxContentBytes/],
    [{ content: { maxContentBytes: 64 * 1024 } }, /content\.maxContentBytes: Too big/],
    [{ content: { redact: ['(unclosed'] } }, /content\.redact\[0\]: not a valid regular expression/],
    [{ logGroups: { g: { contentMode: 'x' } } }, /logGroups\.g\.contentMode/],
    [
      { applicationProfiles: { 'not-an-arn': 'anthropic.claude-3-haiku-20240307-v1:0' } },
      /applicationProfiles/,
    ],
    [
      { modelArns: { 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/p': 'not a model' } },
      /modelArns/,
    ],
    [{ ingestWindowHours: -1 }, /ingestWindowHours/],
    [{ nonBedrockLines: 'maybe' }, /nonBedrockLines/],
    [{ surprise: true }, /surprise|Unrecognized key/],
  ])('names the bad path: %j', (config, message) => {
    expect(() => loadTransformConfig({ [CONFIG_ENV]: JSON.stringify(config) })).toThrow(ConfigError);
    expect(() => loadTransformConfig({ [CONFIG_ENV]: JSON.stringify(config) })).toThrow(message);
  });

  it('says when the env var is not JSON', () => {
    expect(() => loadTransformConfig({ [CONFIG_ENV]: '{oops' })).toThrow(ConfigError);
    expect(() => loadTransformConfig({ [CONFIG_ENV]: '{oops' })).toThrow(
      /BEDROCK_O2_CONFIG is not valid JSON/,
    );
  });
});
