import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { backupPrefixes, endpointUrl } from '../../infra/defaults.ts';
import { TransformConfigSchema } from '../../schemas/config.ts';
import {
  buildApp,
  defaultConfigInput,
  fullConfigInput,
  lambdaEnvironment,
  logicalIdOf,
  parse,
  resourceById,
  resourcesOfType,
} from './build-app.ts';

// Prepare once per file: each app synthesizes (with CloudFormation validation and cdk-nag) on first use.
const defaults = buildApp(parse(defaultConfigInput()));
const full = buildApp(parse(fullConfigInput()));
const east = () => defaults.template('BedrockO2-us-east-1');
const fullEast = () => full.template('BedrockO2-us-east-1');
const fullIreland = () => full.template('O2Ireland');

const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

function deliveryStream(template: Template, name: string) {
  const id = logicalIdOf(template, 'AWS::KinesisFirehose::DeliveryStream', { DeliveryStreamName: name });
  const resource = resourceById(template, id);
  return {
    id,
    config: resource.Properties['HttpEndpointDestinationConfiguration'] as Record<string, unknown>,
    dependsOn: resource.DependsOn ?? [],
  };
}

function functionByDescription(template: Template, pattern: RegExp): string {
  const matches = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, resource]) =>
    pattern.test(String(resource.Properties['Description'])),
  );
  if (matches.length !== 1)
    throw new Error(`expected one function matching ${pattern}, found ${matches.length}`);
  return (matches[0] as [string, unknown])[0];
}

function processorParameters(config: Record<string, unknown>): Record<string, unknown> {
  const processing = config['ProcessingConfiguration'] as {
    Enabled: boolean;
    Processors: { Type: string; Parameters: { ParameterName: string; ParameterValue: unknown }[] }[];
  };
  expect(processing.Enabled).toBe(true);
  expect(processing.Processors).toHaveLength(1);
  const [processor] = processing.Processors;
  expect(processor?.Type).toBe('Lambda');
  return Object.fromEntries((processor?.Parameters ?? []).map((p) => [p.ParameterName, p.ParameterValue]));
}

/** Every Allow statement of every IAM policy (inline role policies and AWS::IAM::Policy). */
function allowStatements(
  template: Template,
): { Action: string | string[]; Resource: unknown; policy: string }[] {
  const statements: { Action: string | string[]; Resource: unknown; policy: string }[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::IAM::Policy')) {
    const document = resource.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] };
    for (const statement of document.Statement) {
      if (statement['Effect'] === 'Allow') {
        statements.push({ ...(statement as { Action: string | string[]; Resource: unknown }), policy: id });
      }
    }
  }
  for (const [id, resource] of resourcesOfType(template, 'AWS::IAM::Role')) {
    for (const inline of (resource.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: [] } }[]) {
      for (const statement of inline.PolicyDocument.Statement as Record<string, unknown>[]) {
        statements.push({ ...(statement as { Action: string | string[]; Resource: unknown }), policy: id });
      }
    }
  }
  return statements;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('IngestStack (default config)', () => {
  it('creates one stack per region with an explicit env and no cross-stack references', () => {
    expect(defaults.stacks.map((stack) => [stack.stackName, stack.account, stack.region])).toEqual([
      ['BedrockO2-us-east-1', '123456789012', 'us-east-1'],
      ['BedrockO2-eu-west-1', '123456789012', 'eu-west-1'],
    ]);
    for (const stack of defaults.stacks) {
      const json = JSON.stringify(defaults.template(stack.stackName).toJSON());
      expect(json).not.toContain('Fn::ImportValue');
      expect(json).not.toContain('"Export"');
      expect(stack.dependencies).toEqual([]);
    }
  });

  it('has the pipeline resources and nothing opt-in', () => {
    const template = east();
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 2);
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 1);
    template.resourceCountIs('Custom::SubscriptionFilterGuard', 1);
    template.resourceCountIs('AWS::CloudWatch::MetricStream', 1);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 19);
    // Opt-in only: Bedrock logging configuration, created log groups, alarm topic.
    template.resourceCountIs('Custom::BedrockInvocationLogging', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(
      resourcesOfType(template, 'AWS::Logs::LogGroup').filter(([, r]) => r.Properties['LogGroupName']),
    ).toEqual([]);
  });

  it("keeps the created secret (it holds the user's key) on delete and replacement, not on a failed first deploy", () => {
    east().hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('wires the logs stream: logs processor, invocations endpoint, key from Secrets Manager, S3 backup', () => {
    const template = east();
    const logs = deliveryStream(template, 'bedrock-o2-logs');
    const processor = functionByDescription(template, /invocation logs/);
    const secret = logicalIdOf(template, 'AWS::SecretsManager::Secret');
    const bucket = logicalIdOf(template, 'AWS::S3::Bucket');

    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'bedrock-o2-logs',
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
    });
    expect(logs.config).toMatchObject({
      EndpointConfiguration: {
        Url: 'https://openobserve.example.com/aws/default/bedrock_invocations/_kinesis_firehose',
      },
      RequestConfiguration: { ContentEncoding: 'GZIP' },
      SecretsManagerConfiguration: { Enabled: true, SecretARN: { Ref: secret } },
      S3BackupMode: 'FailedDataOnly',
      S3Configuration: {
        BucketARN: getAtt(bucket),
        CompressionFormat: 'GZIP',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
        Prefix: backupPrefixes('logs').data,
      },
    });
    expect((logs.config['EndpointConfiguration'] as Record<string, unknown>)['AccessKey']).toBeUndefined();
    expect(processorParameters(logs.config)['LambdaArn']).toEqual(getAtt(processor));
  });

  it('wires the metrics stream to the metrics processor and the metrics endpoint', () => {
    const template = east();
    const metrics = deliveryStream(template, 'bedrock-o2-metrics');
    const processor = functionByDescription(template, /metric stream/);
    expect(metrics.config).toMatchObject({
      EndpointConfiguration: {
        Url: 'https://openobserve.example.com/aws/default/bedrock_metrics/_kinesis_firehose',
      },
      RequestConfiguration: { ContentEncoding: 'GZIP' },
      SecretsManagerConfiguration: {
        Enabled: true,
        SecretARN: { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret') },
      },
      S3BackupMode: 'FailedDataOnly',
      S3Configuration: { ErrorOutputPrefix: backupPrefixes('metrics').errors, CompressionFormat: 'GZIP' },
    });
    expect(processorParameters(metrics.config)['LambdaArn']).toEqual(getAtt(processor));
  });

  it('puts processor buffer, interval and retries explicitly and within the service limits', () => {
    for (const name of ['bedrock-o2-logs', 'bedrock-o2-metrics']) {
      const params = processorParameters(deliveryStream(east(), name).config);
      expect(params).toMatchObject({
        BufferSizeInMBs: '1',
        BufferIntervalInSeconds: '60',
        NumberOfRetries: '3',
      });
      expect(Number(params['BufferSizeInMBs'])).toBeGreaterThanOrEqual(0.2);
      expect(Number(params['BufferSizeInMBs'])).toBeLessThanOrEqual(3);
      expect(Number(params['BufferIntervalInSeconds'])).toBeLessThanOrEqual(900);
    }
  });

  it('sets HTTP buffering and retries within the HTTP endpoint limits', () => {
    for (const name of ['bedrock-o2-logs', 'bedrock-o2-metrics']) {
      const { config } = deliveryStream(east(), name);
      expect(config['BufferingHints']).toEqual({ SizeInMBs: 5, IntervalInSeconds: 60 });
      expect(config['RetryOptions']).toEqual({ DurationInSeconds: 3600 });
    }
  });

  it('creates the streams only after their role may use bucket, function and secret', () => {
    const template = east();
    for (const name of ['bedrock-o2-logs', 'bedrock-o2-metrics']) {
      const stream = deliveryStream(template, name);
      const [policy] = stream.dependsOn;
      expect(resourceById(template, policy as string).Type).toBe('AWS::IAM::Policy');
    }
  });

  it('subscribes the Bedrock log group to the logs stream after the slot guard ran', () => {
    const template = east();
    const logs = deliveryStream(template, 'bedrock-o2-logs');
    const guard = logicalIdOf(template, 'Custom::SubscriptionFilterGuard');
    template.hasResource('AWS::Logs::SubscriptionFilter', {
      Properties: {
        LogGroupName: 'bedrock/model-invocations',
        FilterName: 'bedrock-o2-BedrockO2-us-east-1',
        FilterPattern: '',
        DestinationArn: getAtt(logs.id),
        RoleArn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
      },
      DependsOn: Match.arrayWith([guard]),
    });
    template.hasResourceProperties('Custom::SubscriptionFilterGuard', {
      ServiceToken: getAtt(functionByDescription(template, /subscription-filter slot/)),
      LogGroupName: 'bedrock/model-invocations',
      FilterName: 'bedrock-o2-BedrockO2-us-east-1',
    });
  });

  it('streams the whole AWS/Bedrock namespace as JSON with latency percentiles into the metrics stream', () => {
    const template = east();
    const metrics = deliveryStream(template, 'bedrock-o2-metrics');
    template.hasResourceProperties('AWS::CloudWatch::MetricStream', {
      FirehoseArn: getAtt(metrics.id),
      OutputFormat: 'json',
      IncludeFilters: [{ Namespace: 'AWS/Bedrock' }],
      StatisticsConfigurations: [
        {
          AdditionalStatistics: ['p50', 'p90', 'p99'],
          IncludeMetrics: [
            { Namespace: 'AWS/Bedrock', MetricName: 'InvocationLatency' },
            { Namespace: 'AWS/Bedrock', MetricName: 'TimeToFirstToken' },
          ],
        },
      ],
    });
  });

  it('keeps the backup bucket encrypted, private, TLS-only, expiring, and retained except on a failed first deploy', () => {
    const template = east();
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })],
        },
        VersioningConfiguration: Match.absent(),
      },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('runs both processors on Node.js 22 arm64, within Firehose’s 5-minute limit', () => {
    const template = east();
    const processors = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, r]) =>
      /processor/.test(String(r.Properties['Description'])),
    );
    expect(processors).toHaveLength(2);
    for (const [, { Properties }] of processors) {
      expect(Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(Properties['Timeout']).toBe(120);
      expect(Properties['Timeout']).toBeLessThanOrEqual(300);
    }
    const logs = functionByDescription(template, /invocation logs/);
    expect(resourceById(template, logs).Properties['MemorySize']).toBe(1024);
    expect(lambdaEnvironment(template, logs)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'bedrock-o2',
      POWERTOOLS_METRICS_NAMESPACE: 'BedrockO2',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('gives the logs Lambda a BEDROCK_O2_CONFIG that TransformConfigSchema accepts', () => {
    const template = east();
    const raw = lambdaEnvironment(template, functionByDescription(template, /invocation logs/))[
      'BEDROCK_O2_CONFIG'
    ];
    const parsed = TransformConfigSchema.safeParse(JSON.parse(raw ?? 'null'));
    expect(parsed.error).toBeUndefined();
    expect(parsed.data?.reingestStreamName).toBe('bedrock-o2-logs');
    expect(parsed.data?.logGroups).toEqual({});
  });

  it('alarms on delivery, freshness, processing, Lambda errors and throttles, failed records and backups', () => {
    const template = east();
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const byName = new Map(alarms.map((alarm) => [alarm['AlarmName'] as string, alarm]));
    const bucket = { Ref: logicalIdOf(template, 'AWS::S3::Bucket') };
    for (const stream of ['logs', 'metrics']) {
      expect(byName.get(`BedrockO2-us-east-1-${stream}-delivery-success`)).toMatchObject({
        Namespace: 'AWS/Firehose',
        MetricName: 'DeliveryToHttpEndpoint.Success',
        Statistic: 'Average',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        Dimensions: [{ Name: 'DeliveryStreamName', Value: `bedrock-o2-${stream}` }],
      });
      expect(byName.get(`BedrockO2-us-east-1-${stream}-data-freshness`)).toMatchObject({
        MetricName: 'DeliveryToHttpEndpoint.DataFreshness',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 900,
      });
      expect(byName.get(`BedrockO2-us-east-1-${stream}-processing-success`)).toMatchObject({
        MetricName: 'ExecuteProcessing.Success',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
      });
      expect(byName.get(`BedrockO2-us-east-1-${stream}-processor-errors`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Threshold: 0,
      });
      expect(byName.get(`BedrockO2-us-east-1-${stream}-processor-throttles`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Threshold: 0,
      });
      expect(byName.get(`BedrockO2-us-east-1-${stream}-throttled-records`)).toMatchObject({
        Namespace: 'AWS/Firehose',
        MetricName: 'ThrottledRecords',
        Statistic: 'Sum',
        Dimensions: [{ Name: 'DeliveryStreamName', Value: `bedrock-o2-${stream}` }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
      // Failed data: S3 request metrics on the stream's error prefix, not the BackupToS3.* metrics that AWS
      // documents only for "back up all data".
      const backup = byName.get(`BedrockO2-us-east-1-${stream}-backup-writes`);
      expect(backup).toMatchObject({
        Namespace: 'AWS/S3',
        MetricName: 'PutRequests',
        Statistic: 'Sum',
        Dimensions: expect.arrayContaining([
          { Name: 'BucketName', Value: bucket },
          { Name: 'FilterId', Value: `${stream}-errors` },
        ]),
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      MetricsConfigurations: [
        { Id: 'logs-errors', Prefix: backupPrefixes('logs').errorRoot },
        { Id: 'metrics-errors', Prefix: backupPrefixes('metrics').errorRoot },
      ],
    });
    expect(backupPrefixes('logs').errors.startsWith(backupPrefixes('logs').errorRoot)).toBe(true);
    expect(backupPrefixes('metrics').errors.startsWith(backupPrefixes('metrics').errorRoot)).toBe(true);
    expect(JSON.stringify(alarms)).not.toContain('BackupToS3');

    expect(byName.get('BedrockO2-us-east-1-records-failed')).toMatchObject({
      Namespace: 'BedrockO2',
      MetricName: 'RecordsFailed',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'service', Value: 'bedrock-o2' }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    for (const metric of ['DeliveryErrors', 'DeliveryThrottling']) {
      const alarm = byName.get(
        `BedrockO2-us-east-1-subscription-delivery-${metric === 'DeliveryErrors' ? 'errors' : 'throttling'}`,
      );
      expect(alarm?.['Metrics']).toEqual([
        expect.objectContaining({
          Expression:
            `SELECT SUM(${metric}) FROM SCHEMA("AWS/Logs", DestinationType, FilterName, LogGroupName) ` +
            "WHERE FilterName = 'bedrock-o2-BedrockO2-us-east-1'",
          Period: 300,
        }),
      ]);
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    }
    expect(byName.get('BedrockO2-us-east-1-metric-stream-publish-errors')).toMatchObject({
      Namespace: 'AWS/CloudWatch/MetricStreams',
      MetricName: 'PublishErrorRate',
      Dimensions: [{ Name: 'MetricStreamName', Value: 'bedrock-o2-metrics' }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    const bedrockDelivery = byName.get('BedrockO2-us-east-1-bedrock-log-delivery-failures');
    expect(bedrockDelivery).toMatchObject({
      Namespace: 'AWS/Bedrock',
      MetricName: 'ModelInvocationLogsCloudWatchDeliveryFailure',
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    // Published "across all model IDs": no ModelId dimension, or the alarm would watch nothing.
    expect(bedrockDelivery?.['Dimensions']).toBeUndefined();

    for (const alarm of alarms) {
      expect(alarm['TreatMissingData']).toBe('notBreaching');
      // Says what failed and what to do.
      expect(String(alarm['AlarmDescription']).length).toBeGreaterThan(80);
      // No topic configured: no actions.
      expect(alarm['AlarmActions']).toBeUndefined();
    }
  });

  it('tags every taggable resource with the project', () => {
    east().hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      Tags: Match.arrayWith([{ Key: 'project', Value: 'bedrock-o2' }]),
    });
  });
});

describe('IAM (least privilege)', () => {
  const templates = () => [east(), fullEast(), fullIreland()];

  it('allows no wildcard actions anywhere', () => {
    for (const template of templates()) {
      for (const statement of allowStatements(template)) {
        for (const action of asArray(statement.Action)) expect(action, statement.policy).not.toContain('*');
      }
    }
  });

  it('uses Resource "*" only for the Bedrock logging actions, which have no resource type', () => {
    for (const template of templates()) {
      for (const statement of allowStatements(template)) {
        if (asArray(statement.Resource as string).includes('*')) {
          expect(asArray(statement.Action).every((action) => action.startsWith('bedrock:'))).toBe(true);
        }
      }
    }
  });

  it('lets the logs Lambda PutRecordBatch into its own stream only', () => {
    const template = east();
    const puts = allowStatements(template).filter((s) =>
      asArray(s.Action).some((action) => action.startsWith('firehose:')),
    );
    const lambdaPuts = puts.filter(
      (s) =>
        asArray(s.Action).includes('firehose:PutRecordBatch') &&
        !asArray(s.Action).includes('firehose:PutRecord'),
    );
    expect(lambdaPuts).toHaveLength(1);
    expect(lambdaPuts[0]?.Resource).toBe(
      'arn:aws:firehose:us-east-1:123456789012:deliverystream/bedrock-o2-logs',
    );
    expect(lambdaPuts[0]?.Action).toBe('firehose:PutRecordBatch');
  });

  it('scopes the Firehose roles to their bucket prefixes, function and secret', () => {
    const template = east();
    const bucket = logicalIdOf(template, 'AWS::S3::Bucket');
    const statements = allowStatements(template);
    const objects = statements.filter((s) => asArray(s.Action).includes('s3:PutObject'));
    expect(objects).toHaveLength(2);
    const prefixesOf = (resource: unknown) =>
      asArray(resource as object).map((r) => JSON.stringify(r).match(/"(\/[a-z]+\/\*)"/)?.[1]);
    expect(objects.map((s) => prefixesOf(s.Resource)).sort()).toEqual([
      ['/errors/*', '/logs/*'],
      ['/metrics/*'],
    ]);
    for (const s of objects) expect(JSON.stringify(s.Resource)).toContain(bucket);

    const invokes = statements.filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
    expect(invokes.map((s) => s.Resource)).toEqual([
      getAtt(functionByDescription(template, /invocation logs/)),
      getAtt(functionByDescription(template, /metric stream/)),
    ]);
    const secretReads = statements.filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'));
    expect(secretReads.map((s) => s.Resource)).toEqual([
      { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret') },
      { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret') },
    ]);
  });

  it('lets CloudWatch Logs and the metric stream put records only into their own stream', () => {
    const template = east();
    const putRecord = allowStatements(template).filter((s) =>
      asArray(s.Action).includes('firehose:PutRecord'),
    );
    expect(putRecord.map((s) => s.Resource)).toEqual([
      getAtt(deliveryStream(template, 'bedrock-o2-logs').id),
      getAtt(deliveryStream(template, 'bedrock-o2-metrics').id),
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'logs.amazonaws.com' },
            Condition: { StringLike: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:123456789012:*' } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'streams.metrics.cloudwatch.amazonaws.com' } })],
      },
    });
  });

  it('trusts Firehose only for its own stream in its own account', () => {
    east().hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'firehose.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: {
                'aws:SourceArn': 'arn:aws:firehose:us-east-1:123456789012:deliverystream/bedrock-o2-logs',
              },
            },
          }),
        ],
      },
    });
  });

  it('lets the slot guard only describe the subscribed log groups', () => {
    const describe = allowStatements(east()).filter((s) =>
      asArray(s.Action).includes('logs:DescribeSubscriptionFilters'),
    );
    expect(describe).toEqual([
      expect.objectContaining({
        Action: 'logs:DescribeSubscriptionFilters',
        Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:bedrock/model-invocations:*',
      }),
    ]);
  });
});

describe('no secret in the template', () => {
  it.each([
    ['default us-east-1', () => east()],
    ['default eu-west-1', () => defaults.template('BedrockO2-eu-west-1')],
    ['full us-east-1', () => fullEast()],
    ['full eu-west-1', () => fullIreland()],
  ])('%s carries no key, only a generated placeholder or an ARN', (_, template) => {
    const json = JSON.stringify(template().toJSON());
    expect(json).not.toMatch(/"AccessKey"/);
    expect(json).not.toMatch(/"SecretString"/);
    // The only api_key mentions are the generated key name and the instructions with a placeholder.
    for (const match of json.matchAll(/api_key[^,}]{0,60}/g)) {
      expect(match[0]).toMatch(/^api_key(\\"|")?(: \\"<base64|,|$)|^api_key\\?"?$/);
    }
    for (const [, secret] of resourcesOfType(template(), 'AWS::SecretsManager::Secret')) {
      expect(secret.Properties['GenerateSecretString']).toMatchObject({
        SecretStringTemplate: '{}',
        GenerateStringKey: 'api_key',
      });
    }
    for (const [, fn] of resourcesOfType(template(), 'AWS::Lambda::Function')) {
      expect(JSON.stringify(fn.Properties['Environment'] ?? {})).not.toMatch(/api_key|secret/i);
    }
  });
});

describe('IngestStack (every option on)', () => {
  it('creates the requested log group, retained, and subscribes both groups; guards only the existing one', () => {
    const template = fullEast();
    // Retained on delete and replacement, but removed when its own first deploy rolls back, so that the next
    // attempt does not fail on "already exists".
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/bedrock/invocations', RetentionInDays: 14 },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    template.resourceCountIs('Custom::SubscriptionFilterGuard', 1);
    template.hasResourceProperties('Custom::SubscriptionFilterGuard', {
      LogGroupName: 'other/group',
      ServiceTimeout: '240',
    });
  });

  it('manages Bedrock invocation logging with a scoped delivery role, without overwriting by default', () => {
    const template = fullEast();
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', {
      LogGroupName: '/aws/bedrock/invocations',
    });
    const stateParameter =
      '/bedrock-o2/BedrockO2-us-east-1/bedrock-invocation-logging/replaced-configuration';
    template.hasResource('Custom::BedrockInvocationLogging', {
      Properties: {
        LogGroupName: '/aws/bedrock/invocations',
        OverwriteExisting: false,
        TextDataDeliveryEnabled: true,
        ImageDataDeliveryEnabled: false,
        EmbeddingDataDeliveryEnabled: false,
        VideoDataDeliveryEnabled: false,
        AudioDataDeliveryEnabled: false,
        LargeDataBucketName: 'my-large-bodies',
        StateParameterName: stateParameter,
        // Three runs of the 120 s handler (Lambda retries twice) and a minute, instead of an hour.
        ServiceTimeout: '420',
      },
      DependsOn: Match.arrayWith([logGroup]),
    });
    const stateAccess = allowStatements(template).filter((s) =>
      asArray(s.Action).includes('ssm:PutParameter'),
    );
    expect(stateAccess).toEqual([
      expect.objectContaining({
        Action: expect.arrayContaining(['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter']),
        Resource: `arn:aws:ssm:us-east-1:123456789012:parameter${stateParameter}`,
      }),
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'bedrock.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:bedrock:us-east-1:123456789012:*' },
            },
          }),
        ],
      },
    });
    const logWrites = allowStatements(template).filter((s) =>
      asArray(s.Action).includes('logs:PutLogEvents'),
    );
    expect(logWrites.map((s) => s.Resource)).toContain(
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/bedrock/invocations:log-stream:aws/bedrock/modelinvocations',
    );
    const passRole = allowStatements(template).filter((s) => asArray(s.Action).includes('iam:PassRole'));
    expect(passRole).toEqual([
      expect.objectContaining({
        Condition: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
      }),
    ]);
  });

  it('with overwriteExisting may pass the role of the replaced configuration back to Bedrock, and only to Bedrock', () => {
    const input = fullConfigInput();
    const [first, second] = input.regions;
    if (!first || !second) throw new Error('fullConfigInput has two regions');
    const overwriting = buildApp(
      parse({
        ...input,
        regions: [{ ...first, bedrockLogging: { ...first.bedrockLogging, overwriteExisting: true } }, second],
      }),
    ).template('BedrockO2-us-east-1');
    // One statement (IAM merges same action and condition): our delivery role and any role, to Bedrock only.
    const passRole = allowStatements(overwriting).filter((s) => asArray(s.Action).includes('iam:PassRole'));
    expect(passRole).toEqual([
      expect.objectContaining({
        Resource: expect.arrayContaining(['arn:aws:iam::123456789012:role/*']),
        Condition: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
      }),
    ]);
  });

  it('passes per-log-group content settings to the Lambda', () => {
    const template = fullEast();
    const raw = lambdaEnvironment(template, functionByDescription(template, /invocation logs/))[
      'BEDROCK_O2_CONFIG'
    ];
    const parsed = TransformConfigSchema.parse(JSON.parse(raw ?? 'null'));
    expect(parsed.logGroups).toEqual({
      '/aws/bedrock/invocations': { contentMode: 'hash' },
      'other/group': { redact: ['\\d{16}'] },
    });
  });

  it('uses the configured secret ARN (shared, and per-region override) instead of creating one', () => {
    fullEast().resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(deliveryStream(fullEast(), 'bedrock-o2-logs').config['SecretsManagerConfiguration']).toMatchObject(
      {
        SecretARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:o2-key-Zz9Yx8',
      },
    );
    expect(
      deliveryStream(fullIreland(), 'bedrock-o2-logs').config['SecretsManagerConfiguration'],
    ).toMatchObject({
      SecretARN: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:o2-key-AbCdEf',
    });
  });

  it('renders a sub-MiB processor buffer and zero retries exactly', () => {
    for (const template of [fullEast(), fullIreland()]) {
      expect(processorParameters(deliveryStream(template, 'bedrock-o2-logs').config)).toMatchObject({
        BufferSizeInMBs: '0.5',
        NumberOfRetries: '0',
      });
    }
  });

  it('builds the endpoint from a base URL with a path and trailing slash', () => {
    expect(deliveryStream(fullEast(), 'bedrock-o2-logs').config['EndpointConfiguration']).toMatchObject({
      Url: endpointUrl('https://o2.example.com/base/', 'acme', 'bedrock_invocations'),
    });
    expect(endpointUrl('https://o2.example.com/base/', 'acme', 'bedrock_invocations')).toBe(
      'https://o2.example.com/base/aws/acme/bedrock_invocations/_kinesis_firehose',
    );
  });

  it('sends alarms to an encrypted, TLS-only topic with the email subscribed', () => {
    const template = fullEast();
    const topic = logicalIdOf(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    // The topic policy that enforceSSL creates replaces the default one: it must let CloudWatch publish, or no
    // notification is ever delivered.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topic },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: {
                'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:BedrockO2-us-east-1-*',
              },
            },
          }),
        ]),
      },
    });
    // And the topic's key must let CloudWatch encrypt the message.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    for (const [, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
      expect(String(alarm.Properties['AlarmName'])).toMatch(/^BedrockO2-us-east-1-/);
    }
    for (const [, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: topic }]);
    }
  });

  it('uses an existing topic, skips the metric stream and honours the stack name in the other region', () => {
    const template = fullIreland();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::CloudWatch::MetricStream', 0);
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { FilterName: 'bedrock-o2-O2Ireland' });
    for (const [, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties['AlarmActions']).toEqual(['arn:aws:sns:eu-west-1:210987654321:ops']);
    }
  });

  it('versions the bucket and moves backups to Standard-IA when asked', () => {
    fullEast().hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
          }),
        ],
      },
    });
  });

  it('adds the configured tags', () => {
    fullEast().hasResourceProperties('AWS::S3::Bucket', {
      Tags: Match.arrayWith([{ Key: 'team', Value: 'ml-platform' }]),
    });
  });
});
