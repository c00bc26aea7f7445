import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { S3_SOURCE_MAX_RECEIVES, S3_SOURCE_TIMEOUT } from '../../infra/constructs/s3-log-source.ts';
import type { DeployConfigInput } from '../../schemas/config.ts';
import {
  buildApp,
  defaultConfigInput,
  lambdaEnvironment,
  parse,
  resourceById,
  resourcesOfType,
} from './build-app.ts';

// The S3 source's resources for a region that reads Bedrock's S3 logs only, both sources, and CloudWatch only.
// buildApp runs CloudFormation schema validation and cdk-nag at synth: any unacknowledged finding fails.
function configWith(change: (regions: DeployConfigInput['regions']) => void): DeployConfigInput {
  const input = defaultConfigInput();
  change(input.regions);
  return input;
}
const s3Only = buildApp(
  parse(
    configWith((regions) => {
      Object.assign(regions[0] ?? {}, {
        logGroups: [],
        s3Logs: { bucketName: 'acme-bedrock-logs', prefix: 'bedrock' },
      });
    }),
  ),
);
const both = buildApp(
  parse(
    configWith((regions) => {
      Object.assign(regions[1] ?? {}, {
        s3Logs: {
          bucketName: 'acme-eu-logs',
          kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        },
      });
    }),
  ),
);
const cloudWatchOnly = buildApp(parse(defaultConfigInput()));
const s3OnlyEast = () => s3Only.template('BedrockO2-us-east-1');
const bothEu = () => both.template('BedrockO2-eu-west-1');

function sourceFunctionId(template: Template): string {
  const [match, ...rest] = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, r]) =>
    String(r.Properties['Description']).includes('log objects in S3'),
  );
  if (match === undefined || rest.length > 0) throw new Error('expected one S3 source function');
  return match[0];
}

/** Every Allow statement of the policies attached to a role. */
function statementsOfRole(
  template: Template,
  roleRef: unknown,
): { Action: unknown; Resource: unknown; Condition?: unknown }[] {
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties['Roles']).includes(JSON.stringify(roleRef)))
    .flatMap(([, p]) => (p.Properties['PolicyDocument'] as { Statement: never[] }).Statement);
}

describe('S3 source, s3Logs only', () => {
  it('has no subscription filter, and a queue, DLQ, rule and function', () => {
    const template = s3OnlyEast();
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  it('encrypts both queues, refuses non-TLS access, and redrives to the DLQ', () => {
    const template = s3OnlyEast();
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    for (const [, queue] of queues) expect(queue.Properties['SqsManagedSseEnabled']).toBe(true);
    const main = queues.find(([, q]) => q.Properties['RedrivePolicy'] !== undefined);
    expect(main?.[1].Properties['RedrivePolicy']).toMatchObject({ maxReceiveCount: S3_SOURCE_MAX_RECEIVES });
    expect(main?.[1].Properties['VisibilityTimeout']).toBeGreaterThanOrEqual(
      6 * S3_SOURCE_TIMEOUT.toSeconds(),
    );
    const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy');
    const tlsDenies = policies.filter(([, p]) =>
      JSON.stringify(p.Properties['PolicyDocument']).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsDenies.length).toBeGreaterThanOrEqual(2);
  });

  it('routes only this region’s Bedrock log objects of the bucket to the queue', () => {
    s3OnlyEast().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: ['acme-bedrock-logs'] },
          object: {
            key: [
              { wildcard: 'bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/*.json.gz' },
            ],
          },
        },
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
  });

  it('turns on the bucket’s EventBridge notifications through the merging custom resource', () => {
    s3OnlyEast().hasResource('Custom::BucketEventBridgeNotifications', {
      // Three 60 s handler runs and a minute: a handler that died without answering fails the deploy in
      // minutes, not CloudFormation's default hour.
      Properties: Match.objectLike({ BucketName: 'acme-bedrock-logs', ServiceTimeout: '240' }),
    });
    // Never CDK's own BucketNotifications resource (it would write the bucket's whole configuration).
    s3OnlyEast().resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('maps the queue with ReportBatchItemFailures', () => {
    s3OnlyEast().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('grants s3:GetObject on the log prefix only and PutRecordBatch on the logs stream only', () => {
    const template = s3OnlyEast();
    const id = sourceFunctionId(template);
    const role = (resourceById(template, id).Properties['Role'] as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const statements = statementsOfRole(template, { Ref: role });
    const flat = JSON.stringify(statements);
    expect(flat).toContain(
      'acme-bedrock-logs/bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/*',
    );
    expect(flat).toContain(':deliverystream/bedrock-o2-logs');
    expect(flat).not.toContain('kms:');
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject']);
    expect(actions.filter((a) => a.startsWith('firehose:'))).toEqual(['firehose:PutRecordBatch']);
    expect(lambdaEnvironment(template, id)['DELIVERY_STREAM_NAME']).toBe('bedrock-o2-logs');
    // Sends messages it had no time to start back to its own queue, and to no other.
    const queueId = resourcesOfType(template, 'AWS::SQS::Queue').find(
      ([, q]) => q.Properties['RedrivePolicy'],
    )?.[0];
    const sending = statements.filter((s) => ([s.Action].flat() as string[]).includes('sqs:SendMessage'));
    expect(sending.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    expect(lambdaEnvironment(template, id)['QUEUE_URL']).toEqual({ Ref: queueId });
  });

  it('has no subscription-filter alarms, since no log group is subscribed', () => {
    const names = resourcesOfType(s3OnlyEast(), 'AWS::CloudWatch::Alarm').map(([, a]) =>
      String(a.Properties['AlarmName']),
    );
    expect(names.some((name) => name.includes('subscription'))).toBe(false);
    expect(names).toContain('BedrockO2-us-east-1-logs-delivery-success');
  });

  it('alarms on visible messages in the dead-letter queue and on lines not forwarded', () => {
    const template = s3OnlyEast();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'BedrockO2-us-east-1-s3-source-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'BedrockO2-us-east-1-s3-source-lines-not-forwarded',
      Namespace: 'BedrockO2',
      MetricName: 'S3LinesNotForwarded',
      Dimensions: [{ Name: 'service', Value: 'bedrock-o2' }],
    });
  });
});

/** The `AWS/Bedrock` log-delivery alarms of a template, by metric name (no dimensions: "across all model IDs"). */
function bedrockDeliveryAlarms(template: Template): Map<string, Record<string, unknown>> {
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
    .map(([, a]) => a.Properties)
    .filter((a) => a['Namespace'] === 'AWS/Bedrock');
  for (const alarm of alarms) expect(alarm['Dimensions']).toBeUndefined();
  return new Map(alarms.map((a) => [String(a['MetricName']), a]));
}

describe('Bedrock log-delivery alarms follow the region’s destinations', () => {
  it('S3 only: the S3 delivery failure metric, never the CloudWatch one Bedrock would not emit', () => {
    const alarms = bedrockDeliveryAlarms(s3OnlyEast());
    expect([...alarms.keys()]).toEqual(['ModelInvocationLogsS3DeliveryFailure']);
    expect(alarms.get('ModelInvocationLogsS3DeliveryFailure')).toMatchObject({
      AlarmName: 'BedrockO2-us-east-1-bedrock-s3-log-delivery-failures',
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('CloudWatch only: the CloudWatch delivery failure metric only', () => {
    const alarms = bedrockDeliveryAlarms(cloudWatchOnly.template('BedrockO2-us-east-1'));
    expect([...alarms.keys()]).toEqual(['ModelInvocationLogsCloudWatchDeliveryFailure']);
  });

  it('both sources: one alarm per destination', () => {
    const alarms = bedrockDeliveryAlarms(bothEu());
    expect([...alarms.keys()].sort()).toEqual([
      'ModelInvocationLogsCloudWatchDeliveryFailure',
      'ModelInvocationLogsS3DeliveryFailure',
    ]);
  });
});

describe('S3 source, both sources', () => {
  it('keeps the subscription and adds the S3 source, with kms:Decrypt on the configured key through S3 only', () => {
    const template = bothEu();
    expect(resourcesOfType(template, 'AWS::Logs::SubscriptionFilter').length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::Events::Rule', 1);
    const id = sourceFunctionId(template);
    const role = (resourceById(template, id).Properties['Role'] as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const kms = statementsOfRole(template, { Ref: role }).filter((s) => s.Action === 'kms:Decrypt');
    expect(kms).toEqual([
      expect.objectContaining({
        Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      }),
    ]);
  });
});

describe('CloudWatch only', () => {
  it('has none of the S3 source', () => {
    const template = cloudWatchOnly.template('BedrockO2-us-east-1');
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('Custom::BucketEventBridgeNotifications', 0);
  });
});
