import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type DeployConfigInput, DeployConfigSchema, TransformConfigSchema } from '../../schemas/config.ts';
import {
  buildApp,
  defaultConfigInput,
  lambdaEnvironment,
  parse,
  resourceById,
  resourcesOfType,
} from './build-app.ts';

// hydrateLargeBodies in the stack: the logs processor's S3 grant and its allow-list, on and off.
// buildApp runs CloudFormation schema validation and cdk-nag at synth: any unacknowledged finding fails.
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function configWith(change: (regions: DeployConfigInput['regions']) => void): DeployConfigInput {
  const input = defaultConfigInput();
  change(input.regions);
  return input;
}

const on = buildApp(
  parse(
    configWith((regions) => {
      Object.assign(regions[0] ?? {}, {
        s3Logs: {
          bucketName: 'acme-bedrock-logs',
          prefix: 'bedrock',
          hydrateLargeBodies: true,
          kmsKeyArn: KEY,
        },
        hydrateLargeBodies: { bucketName: 'acme-large-bodies' },
      });
      Object.assign(regions[1] ?? {}, {
        bedrockLogging: { manage: true, largeDataBucketName: 'acme-eu-large' },
        hydrateLargeBodies: true,
      });
    }),
  ),
);
const off = buildApp(
  parse(
    configWith((regions) => {
      Object.assign(regions[0] ?? {}, { s3Logs: { bucketName: 'acme-bedrock-logs', prefix: 'bedrock' } });
      Object.assign(regions[1] ?? {}, {
        bedrockLogging: { manage: true, largeDataBucketName: 'acme-eu-large' },
      });
    }),
  ),
);

function logsProcessorId(template: Template): string {
  const [match, ...rest] = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, r]) =>
    String(r.Properties['Description']).includes('Bedrock invocation logs -> OpenObserve rows'),
  );
  if (match === undefined || rest.length > 0) throw new Error('expected one logs processor');
  return match[0];
}

function processorStatements(
  template: Template,
): { Action: unknown; Resource: unknown; Condition?: unknown }[] {
  const role = (
    resourceById(template, logsProcessorId(template)).Properties['Role'] as { 'Fn::GetAtt': [string, string] }
  )['Fn::GetAtt'][0];
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties['Roles']).includes(JSON.stringify({ Ref: role })))
    .flatMap(([, p]) => (p.Properties['PolicyDocument'] as { Statement: never[] }).Statement);
}

function processorConfig(template: Template) {
  const raw = lambdaEnvironment(template, logsProcessorId(template))['BEDROCK_O2_CONFIG'];
  return TransformConfigSchema.parse(JSON.parse(String(raw)));
}

describe('hydrateLargeBodies on', () => {
  it('grants s3:GetObject only under each allowed bucket’s Bedrock prefix, and kms:Decrypt through S3', () => {
    const template = on.template('BedrockO2-us-east-1');
    const statements = processorStatements(template);
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('s3:')));
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: [
          'arn:aws:s3:::acme-bedrock-logs/bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/*',
          'arn:aws:s3:::acme-large-bodies/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/*',
        ],
      }),
    ]);
    expect(statements.filter((s) => s.Action === 'kms:Decrypt')).toEqual([
      expect.objectContaining({
        Resource: KEY,
        Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
      }),
    ]);
  });

  it('gives the Lambda the same allow-list, each bucket for its own log source', () => {
    expect(processorConfig(on.template('BedrockO2-us-east-1')).hydrateLargeBodies?.locations).toEqual([
      {
        bucketName: 'acme-bedrock-logs',
        prefix: 'bedrock',
        accountId: '123456789012',
        region: 'us-east-1',
        logSources: ['s3'],
      },
      {
        bucketName: 'acme-large-bodies',
        prefix: '',
        accountId: '123456789012',
        region: 'us-east-1',
        logSources: ['cloudwatch_logs'],
      },
    ]);
  });

  it('true reads the managed large-data bucket', () => {
    const template = on.template('BedrockO2-eu-west-1');
    expect(processorConfig(template).hydrateLargeBodies?.locations).toEqual([
      expect.objectContaining({ bucketName: 'acme-eu-large', prefix: '', logSources: ['cloudwatch_logs'] }),
    ]);
    expect(JSON.stringify(processorStatements(template))).toContain(
      'acme-eu-large/AWSLogs/123456789012/BedrockModelInvocationLogs/eu-west-1/*',
    );
  });
});

describe('hydrateLargeBodies off (the default)', () => {
  it('gives the logs processor no S3 or KMS permission and no allow-list', () => {
    for (const name of ['BedrockO2-us-east-1', 'BedrockO2-eu-west-1']) {
      const template = off.template(name);
      const actions = processorStatements(template).flatMap((s) => [s.Action].flat() as string[]);
      expect(actions.filter((a) => a.startsWith('s3:') || a.startsWith('kms:'))).toEqual([]);
      expect(processorConfig(template).hydrateLargeBodies).toBeUndefined();
    }
  });
});

describe('hydrateLargeBodies validation', () => {
  const issues = (change: (regions: DeployConfigInput['regions']) => void) =>
    DeployConfigSchema.safeParse(configWith(change)).error?.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    ) ?? [];

  it('true without a large-data bucket names the path and the way out', () => {
    expect(issues((regions) => Object.assign(regions[0] ?? {}, { hydrateLargeBodies: true }))).toEqual([
      expect.stringMatching(
        /^regions\.0\.hydrateLargeBodies: true reads regions\[0\]\.bedrockLogging\.largeDataBucketName/,
      ),
    ]);
  });

  it('is refused for a region without log groups', () => {
    expect(
      issues((regions) =>
        Object.assign(regions[0] ?? {}, {
          logGroups: [],
          s3Logs: { bucketName: 'acme-bedrock-logs' },
          hydrateLargeBodies: { bucketName: 'acme-large' },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^regions\.0\.hydrateLargeBodies: applies to logGroups.*s3Logs\.hydrateLargeBodies/,
      ),
    ]);
  });

  it('checks the bucket name', () => {
    expect(
      issues((regions) =>
        Object.assign(regions[0] ?? {}, { hydrateLargeBodies: { bucketName: 'Not_A_Bucket' } }),
      ),
    ).toEqual([expect.stringMatching(/^regions\.0\.hydrateLargeBodies/)]);
  });
});

describe('large-data delivery alarm', () => {
  const largeDataAlarms = (template: Template) =>
    resourcesOfType(template, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a['MetricName'] === 'ModelInvocationLargeDataS3DeliveryFailure');

  it.each([
    ['hydrateLargeBodies names the bucket', () => on.template('BedrockO2-us-east-1'), 'BedrockO2-us-east-1'],
    ['the managed configuration offloads', () => off.template('BedrockO2-eu-west-1'), 'BedrockO2-eu-west-1'],
  ])('watches Bedrock’s large-data failure metric when %s', (_, template, stackName) => {
    expect(largeDataAlarms(template())).toEqual([
      expect.objectContaining({
        AlarmName: `${stackName}-bedrock-large-data-delivery-failures`,
        Namespace: 'AWS/Bedrock',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      }),
    ]);
    // Published "across all model IDs": a dimension would make the alarm watch a metric that never exists.
    expect(largeDataAlarms(template())[0]?.['Dimensions']).toBeUndefined();
  });

  it('is absent where no large-data bucket is known (Bedrock would never emit the metric)', () => {
    expect(largeDataAlarms(off.template('BedrockO2-us-east-1'))).toEqual([]);
  });
});
