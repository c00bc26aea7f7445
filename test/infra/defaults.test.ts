import { describe, expect, it } from 'vitest';
import {
  alarmSpecs,
  backupPrefixes,
  bedrockLogDestinations,
  customResourceServiceTimeoutSeconds,
  endpointUrl,
  environmentBytes,
  httpDeliverySettings,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  logsProcessorEnvironment,
  metricsProcessorEnvironment,
  processorParameters,
  processorTimeoutSeconds,
  subscriptionFilterName,
  transformConfigFor,
} from '../../infra/defaults.ts';
import {
  ConfigError,
  type DeployConfig,
  type DeployConfigInput,
  TransformConfigSchema,
} from '../../schemas/config.ts';
import { defaultConfigInput, fullConfigInput, parse } from './build-app.ts';

const defaults = parse(defaultConfigInput());
const firehose = (change: Partial<DeployConfig['firehose']>) => ({ ...defaults.firehose, ...change });

describe('endpointUrl', () => {
  it.each([
    ['https://o2.example.com', 'https://o2.example.com/aws/default/s/_kinesis_firehose'],
    ['https://o2.example.com/', 'https://o2.example.com/aws/default/s/_kinesis_firehose'],
    ['https://o2.example.com/base//', 'https://o2.example.com/base/aws/default/s/_kinesis_firehose'],
  ])('%s -> %s', (base, url) => {
    expect(endpointUrl(base, 'default', 's')).toBe(url);
  });
});

describe('backupPrefixes', () => {
  it('keeps the logs failures where the replay CLI reads them', () => {
    expect(backupPrefixes('logs').errors).toBe(
      'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
    );
  });

  it('gives the metrics stream its own root, so replaying errors/ never sees metric datapoints', () => {
    const metrics = backupPrefixes('metrics');
    expect(metrics.errors.startsWith('errors/')).toBe(false);
    expect(metrics.errors).toContain('!{firehose:error-output-type}/');
    for (const prefix of [metrics.data, metrics.errors]) {
      expect(metrics.writableRoots.some((root) => prefix.startsWith(root))).toBe(true);
    }
  });

  it.each(['logs', 'metrics'] as const)('lets the %s role write under its own prefixes only', (kind) => {
    const { data, errors, writableRoots } = backupPrefixes(kind);
    for (const prefix of [data, errors])
      expect(writableRoots.some((root) => prefix.startsWith(root))).toBe(true);
    const other = backupPrefixes(kind === 'logs' ? 'metrics' : 'logs');
    for (const prefix of [other.data, other.errors]) {
      expect(writableRoots.some((root) => prefix.startsWith(root))).toBe(false);
    }
  });
});

describe('processorParameters', () => {
  it('renders every parameter explicitly, including sub-MiB buffers and zero retries', () => {
    expect(
      processorParameters(
        firehose({ processorBufferMiB: 0.25, processorIntervalSeconds: 0, processorRetries: 0 }),
      ),
    ).toEqual({ BufferSizeInMBs: '0.25', BufferIntervalInSeconds: '0', NumberOfRetries: '0' });
  });

  it.each<[string, Partial<DeployConfig['firehose']>]>([
    ['firehose.processorBufferMiB', { processorBufferMiB: 0.19 }],
    ['firehose.processorBufferMiB', { processorBufferMiB: 3.01 }],
    ['firehose.processorIntervalSeconds', { processorIntervalSeconds: 901 }],
    ['firehose.processorRetries', { processorRetries: 11 }],
  ])('refuses %s outside the Lambda processor range even if the schema was bypassed', (path, change) => {
    expect(() => processorParameters(firehose(change))).toThrow(ConfigError);
    expect(() => processorParameters(firehose(change))).toThrow(path);
  });
});

describe('httpDeliverySettings', () => {
  it('passes values within the HTTP endpoint limits', () => {
    expect(
      httpDeliverySettings(firehose({ httpBufferMiB: 64, httpIntervalSeconds: 900, retrySeconds: 7200 })),
    ).toEqual({
      bufferMiB: 64,
      intervalSeconds: 900,
      retrySeconds: 7200,
    });
  });

  it.each<[string, Partial<DeployConfig['firehose']>]>([
    // 65-128 MiB passes CloudFormation validation and the CDK helper, but not the HTTP endpoint API.
    ['firehose.httpBufferMiB', { httpBufferMiB: 65 }],
    ['firehose.httpBufferMiB', { httpBufferMiB: 0 }],
    ['firehose.httpIntervalSeconds', { httpIntervalSeconds: 901 }],
    ['firehose.retrySeconds', { retrySeconds: 7201 }],
  ])('refuses %s outside the service range', (path, change) => {
    expect(() => httpDeliverySettings(firehose(change))).toThrow(path);
  });
});

describe('processorTimeoutSeconds', () => {
  it('allows up to the 5 minutes Firehose waits for a processor', () => {
    expect(processorTimeoutSeconds({ ...defaults.lambda, timeoutSeconds: 300 })).toBe(300);
    expect(() => processorTimeoutSeconds({ ...defaults.lambda, timeoutSeconds: 301 })).toThrow(
      'lambda.timeoutSeconds',
    );
  });
});

describe('customResourceServiceTimeoutSeconds', () => {
  it("covers the first run and both Lambda retries, within CloudFormation's 3600 s cap", () => {
    expect(customResourceServiceTimeoutSeconds(60)).toBe(240);
    expect(customResourceServiceTimeoutSeconds(120)).toBe(420);
    expect(customResourceServiceTimeoutSeconds(900)).toBe(2760);
    expect(customResourceServiceTimeoutSeconds(1500)).toBe(3600);
  });
});

describe('subscriptionFilterName', () => {
  it('is deterministic per stack', () => {
    expect(subscriptionFilterName('BedrockO2-us-east-1')).toBe('bedrock-o2-BedrockO2-us-east-1');
  });
});

describe('transformConfigFor', () => {
  const full = parse(fullConfigInput());
  const east = full.regions[0] as DeployConfig['regions'][number];

  it('passes only the log groups that set content settings, and the re-ingest stream', () => {
    const lambdaConfig = transformConfigFor(full, east, 'bedrock-o2-logs');
    expect(lambdaConfig.logGroups).toEqual({
      '/aws/bedrock/invocations': { contentMode: 'hash' },
      'other/group': { redact: ['\\d{16}'] },
    });
    expect(lambdaConfig.reingestStreamName).toBe('bedrock-o2-logs');
  });

  it('round-trips through JSON and TransformConfigSchema unchanged', () => {
    const lambdaConfig = transformConfigFor(full, east, 'bedrock-o2-logs');
    const parsed = TransformConfigSchema.parse(JSON.parse(JSON.stringify(lambdaConfig)));
    expect(parsed).toEqual(lambdaConfig);
  });
});

describe('Lambda environment', () => {
  const east = defaults.regions[0] as DeployConfig['regions'][number];

  it('carries the Powertools settings, source maps and the transform config', () => {
    const environment = logsProcessorEnvironment(
      transformConfigFor(defaults, east, 'bedrock-o2-logs'),
      'regions[0]',
    );
    expect(environment).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'bedrock-o2',
      POWERTOOLS_METRICS_NAMESPACE: 'BedrockO2',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(TransformConfigSchema.safeParse(JSON.parse(environment['BEDROCK_O2_CONFIG'] ?? '')).success).toBe(
      true,
    );
    expect(metricsProcessorEnvironment('regions[0]')['BEDROCK_O2_CONFIG']).toBeUndefined();
  });

  it('counts UTF-8 bytes of keys and values', () => {
    expect(environmentBytes({ A: 'é' })).toBe(3);
  });

  it('fails at synth, naming the region, when it would exceed 4 KB', () => {
    const big = {
      ...transformConfigFor(defaults, east, 'bedrock-o2-logs'),
      logGroups: {
        'bedrock/model-invocations': {
          redact: Array.from({ length: 20 }, (_, i) => `${i}${'x'.repeat(250)}`),
        },
      },
    };
    expect(environmentBytes({ BEDROCK_O2_CONFIG: JSON.stringify(big) })).toBeGreaterThan(
      LAMBDA_ENVIRONMENT_LIMIT_BYTES,
    );
    expect(() => logsProcessorEnvironment(big, 'regions[0] (us-east-1)')).toThrow(ConfigError);
    expect(() => logsProcessorEnvironment(big, 'regions[0] (us-east-1)')).toThrow(
      /regions\[0\] \(us-east-1\): the Lambda environment would be \d+ bytes, over Lambda's 4096-byte limit/,
    );
  });
});

describe('alarmSpecs', () => {
  it('alarms below 100% success and above the configured freshness', () => {
    const specs = alarmSpecs({ ...defaults.alarms, freshnessSeconds: 600 });
    expect(specs.deliverySuccess).toMatchObject({ threshold: 1, comparison: 'LessThanThreshold' });
    expect(specs.processingSuccess).toMatchObject({ threshold: 1, comparison: 'LessThanThreshold' });
    expect(specs.dataFreshness).toMatchObject({ threshold: 600, comparison: 'GreaterThanThreshold' });
    for (const spec of [
      specs.errors,
      specs.throttles,
      specs.throttledRecords,
      specs.backupWrites,
      specs.recordsFailed,
      specs.subscriptionDeliveryErrors,
      specs.subscriptionDeliveryThrottling,
      specs.metricStreamPublishErrors,
      specs.bedrockLogDeliveryFailures,
      specs.bedrockS3LogDeliveryFailures,
      specs.bedrockLargeDataDeliveryFailures,
    ]) {
      expect(spec).toMatchObject({ threshold: 0, comparison: 'GreaterThanThreshold' });
    }
  });
});

describe('bedrockLogDestinations', () => {
  /** regions[0] of the default config (log groups only) after `change`. */
  const destinations = (change: Partial<DeployConfigInput['regions'][number]>) => {
    const input = defaultConfigInput();
    Object.assign(input.regions[0] ?? {}, change);
    const region = parse(input).regions[0];
    if (region === undefined) throw new Error('no region');
    return bedrockLogDestinations(region);
  };

  it('log groups without a named large-data bucket: no large-data destination', () => {
    expect(destinations({})).toEqual({ cloudWatch: true, s3: false, largeDataS3: false });
  });

  it.each([
    [
      'the managed configuration sets one',
      { bedrockLogging: { manage: true, largeDataBucketName: 'acme-large' } },
    ],
    [
      'the user names the bucket of their own configuration',
      { bedrockLogging: { largeDataBucketName: 'acme-large' } },
    ],
    ['hydrateLargeBodies names the bucket', { hydrateLargeBodies: { bucketName: 'acme-large' } }],
  ])('large-data destination when %s', (_, change) => {
    expect(destinations(change)).toEqual({ cloudWatch: true, s3: false, largeDataS3: true });
  });

  it('none without log groups: large-data offload belongs to the CloudWatch Logs destination', () => {
    expect(
      destinations({
        logGroups: [],
        s3Logs: { bucketName: 'acme-bedrock-logs' },
        bedrockLogging: { largeDataBucketName: 'acme-large' },
      }),
    ).toEqual({ cloudWatch: false, s3: true, largeDataS3: false });
  });
});
