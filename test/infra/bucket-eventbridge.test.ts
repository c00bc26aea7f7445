import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../infra/handlers/bucket-eventbridge.ts';

// The bucket's other notifications must survive turning EventBridge on: S3 replaces the whole configuration.
const s3 = mockClient(S3Client);
beforeEach(() => {
  s3.reset();
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

const EXISTING = {
  TopicConfigurations: [
    {
      Id: 'team-a-topic',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:uploads',
      Events: ['s3:ObjectCreated:*' as const],
      Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'uploads/' }] } },
    },
  ],
  QueueConfigurations: [
    {
      Id: 'audit',
      QueueArn: 'arn:aws:sqs:us-east-1:123456789012:audit',
      Events: ['s3:ObjectRemoved:*' as const],
    },
  ],
  LambdaFunctionConfigurations: [
    {
      Id: 'thumbs',
      LambdaFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:thumbs',
      Events: ['s3:ObjectCreated:Put' as const],
    },
  ],
};

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:eb',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/BedrockO2-us-east-1/1',
    RequestId: 'req-1',
    LogicalResourceId: 'Notifications',
    ResourceType: 'Custom::BucketEventBridgeNotifications',
    ResourceProperties: { ServiceToken: 'x', BucketName: 'bedrock-logs' },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Delete') return { ...base, RequestType: 'Delete', PhysicalResourceId: 'p' };
  return {
    ...base,
    RequestType: 'Update',
    PhysicalResourceId: 'p',
    OldResourceProperties: base.ResourceProperties,
  };
}

async function run(requestType: 'Create' | 'Update' | 'Delete') {
  const sent: Record<string, unknown>[] = [];
  await makeHandler(undefined, async (_url, body) => {
    sent.push(JSON.parse(body) as Record<string, unknown>);
  })(event(requestType));
  return sent;
}

describe('Custom::BucketEventBridgeNotifications', () => {
  it('adds EventBridge and writes back every existing notification unchanged', async () => {
    s3.on(GetBucketNotificationConfigurationCommand).resolves({ ...EXISTING, $metadata: {} });
    s3.on(PutBucketNotificationConfigurationCommand).resolves({});

    const [response] = await run('Create');

    expect(response).toMatchObject({ Status: 'SUCCESS', Data: { Enabled: 'now' } });
    const puts = s3.commandCalls(PutBucketNotificationConfigurationCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input).toEqual({
      Bucket: 'bedrock-logs',
      NotificationConfiguration: { ...EXISTING, EventBridgeConfiguration: {} },
      SkipDestinationValidation: true,
    });
  });

  it('writes nothing when EventBridge is already on', async () => {
    s3.on(GetBucketNotificationConfigurationCommand).resolves({ ...EXISTING, EventBridgeConfiguration: {} });
    const [response] = await run('Update');
    expect(response).toMatchObject({ Status: 'SUCCESS', Data: { Enabled: 'already' } });
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)).toHaveLength(0);
  });

  it('leaves the bucket alone on delete', async () => {
    const [response] = await run('Delete');
    expect(response).toMatchObject({ Status: 'SUCCESS' });
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails the deploy, and writes nothing, when the configuration cannot be read', async () => {
    s3.on(GetBucketNotificationConfigurationCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
    );
    const [response] = await run('Create');
    expect(response).toMatchObject({ Status: 'FAILED', Reason: 'Access Denied' });
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)).toHaveLength(0);
  });
});
