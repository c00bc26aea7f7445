import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  type BedrockLoggingApi,
  type LoggingConfig,
  type LoggingProperties,
  makeHandler as makeLoggingHandler,
  planDelete,
  planPut,
} from '../../infra/handlers/bedrock-logging.ts';
import { runCustomResource } from '../../infra/handlers/cfn-response.ts';
import {
  checkFilterSlots,
  makeHandler as makeGuardHandler,
} from '../../infra/handlers/subscription-filter-guard.ts';

const common = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:guard',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/BedrockO2-us-east-1/1',
  RequestId: 'req-1',
  LogicalResourceId: 'Resource',
  ResourceType: 'Custom::Test',
};

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, unknown>,
  extra: { PhysicalResourceId?: string; OldResourceProperties?: Record<string, unknown> } = {},
): CloudFormationCustomResourceEvent {
  const ResourceProperties = { ...properties, ServiceToken: common.ServiceToken };
  if (requestType === 'Create') return { ...common, RequestType: 'Create', ResourceProperties };
  const PhysicalResourceId = extra.PhysicalResourceId ?? 'physical-1';
  if (requestType === 'Delete')
    return { ...common, RequestType: 'Delete', ResourceProperties, PhysicalResourceId };
  return {
    ...common,
    RequestType: 'Update',
    ResourceProperties,
    PhysicalResourceId,
    OldResourceProperties: { ...extra.OldResourceProperties, ServiceToken: common.ServiceToken },
  };
}

/** Captures what the handler sends to CloudFormation. */
function responses() {
  const sent: Record<string, unknown>[] = [];
  const put = vi.fn(async (url: string, body: string) => {
    expect(url).toBe(common.ResponseURL);
    sent.push(JSON.parse(body) as Record<string, unknown>);
  });
  return { sent, put };
}

describe('runCustomResource', () => {
  it('answers SUCCESS with the physical id and data', async () => {
    const { sent, put } = responses();
    await runCustomResource(
      event('Create', {}),
      async () => ({ physicalResourceId: 'p', data: { A: '1' } }),
      put,
    );
    expect(sent).toEqual([
      {
        Status: 'SUCCESS',
        PhysicalResourceId: 'p',
        StackId: common.StackId,
        RequestId: 'req-1',
        LogicalResourceId: 'Resource',
        Data: { A: '1' },
      },
    ]);
  });

  it('answers FAILED with the reason instead of throwing, so CloudFormation does not hang', async () => {
    const { sent, put } = responses();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runCustomResource(
      event('Update', {}, { PhysicalResourceId: 'keep-me' }),
      async () => {
        throw new Error('x'.repeat(5000));
      },
      put,
    );
    expect(sent[0]).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'keep-me' });
    expect(String(sent[0]?.['Reason']).length).toBeLessThanOrEqual(2000);
    vi.restoreAllMocks();
  });

  it('gives a failed Create a placeholder id that the rollback Delete can recognise', async () => {
    const { sent, put } = responses();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runCustomResource(event('Create', {}), async () => Promise.reject(new Error('no')), put);
    expect(sent[0]).toMatchObject({ Status: 'FAILED', Reason: 'no', PhysicalResourceId: 'failed-req-1' });
    vi.restoreAllMocks();
  });
});

describe('subscription filter guard', () => {
  const props = { LogGroupName: 'bedrock/model-invocations', FilterName: 'bedrock-o2-BedrockO2-us-east-1' };

  it.each<[string[], boolean]>([
    [[], true],
    [['team-a'], true],
    [['bedrock-o2-BedrockO2-us-east-1', 'team-a'], true],
    [['team-a', 'team-b'], false],
  ])('with filters %j: fits = %s', (existing, fits) => {
    expect(checkFilterSlots(props.LogGroupName, props.FilterName, existing).ok).toBe(fits);
  });

  it('fails the deploy naming the filters in the way and the limit', async () => {
    const { sent, put } = responses();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await makeGuardHandler(async () => ['team-a', 'siem-export'], put)(event('Create', props));
    expect(sent[0]?.['Status']).toBe('FAILED');
    expect(sent[0]?.['Reason']).toContain(
      'log group bedrock/model-invocations already has 2 subscription filters (team-a, siem-export)',
    );
    expect(sent[0]?.['Reason']).toContain('allows 2 per log group');
    vi.restoreAllMocks();
  });

  it('passes when a slot is free and reports the other filters', async () => {
    const { sent, put } = responses();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await makeGuardHandler(async () => ['team-a'], put)(event('Create', props));
    expect(sent[0]).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'bedrock/model-invocations|bedrock-o2-BedrockO2-us-east-1',
      Data: { OtherFilters: 'team-a' },
    });
    vi.restoreAllMocks();
  });

  it('explains a missing log group', async () => {
    const { sent, put } = responses();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const notFound = Object.assign(new Error('The specified log group does not exist.'), {
      name: 'ResourceNotFoundException',
    });
    await makeGuardHandler(async () => Promise.reject(notFound), put)(event('Update', props));
    expect(sent[0]?.['Reason']).toContain('log group bedrock/model-invocations does not exist');
    vi.restoreAllMocks();
  });

  it('does nothing on Delete', async () => {
    const { sent, put } = responses();
    const list = vi.fn(async () => ['a', 'b']);
    await makeGuardHandler(list, put)(event('Delete', props, { PhysicalResourceId: 'x|y' }));
    expect(list).not.toHaveBeenCalled();
    expect(sent[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'x|y' });
  });
});

describe('Bedrock invocation logging', () => {
  const ours: LoggingProperties = {
    LogGroupName: 'bedrock/model-invocations',
    RoleArn: 'arn:aws:iam::123456789012:role/ours',
    TextDataDeliveryEnabled: true,
    ImageDataDeliveryEnabled: false,
    EmbeddingDataDeliveryEnabled: false,
    VideoDataDeliveryEnabled: false,
    OverwriteExisting: false,
  };
  const cloudWatch = (logGroupName: string, roleArn = ours.RoleArn): LoggingConfig => ({
    cloudWatchConfig: { logGroupName, roleArn },
    textDataDeliveryEnabled: true,
  });

  describe('planPut', () => {
    it('puts when logging is off', () => {
      expect(planPut(undefined, ours)).toMatchObject({ action: 'put' });
      expect(planPut({}, ours)).toMatchObject({ action: 'put' });
    });

    it('puts when the configuration already sends to our log group', () => {
      expect(
        planPut(cloudWatch(ours.LogGroupName, 'arn:aws:iam::123456789012:role/old'), ours),
      ).toMatchObject({
        action: 'put',
        config: { cloudWatchConfig: { logGroupName: ours.LogGroupName, roleArn: ours.RoleArn } },
      });
    });

    it('refuses to replace a configuration that sends elsewhere', () => {
      const plan = planPut(cloudWatch('team-a/bedrock'), ours);
      expect(plan).toEqual({
        action: 'refuse',
        message: expect.stringContaining('CloudWatch log group team-a/bedrock'),
      });
      expect(plan.action === 'refuse' && plan.message).toContain('bedrockLogging.overwriteExisting');
    });

    it('refuses to drop an S3 destination silently, even next to our log group', () => {
      const current = { ...cloudWatch(ours.LogGroupName), s3Config: { bucketName: 'audit-bucket' } };
      expect(planPut(current, ours)).toMatchObject({
        action: 'refuse',
        message: expect.stringContaining('S3 bucket audit-bucket'),
      });
    });

    it('replaces it when told to, and says what it replaced', () => {
      expect(planPut(cloudWatch('team-a/bedrock'), { ...ours, OverwriteExisting: true })).toMatchObject({
        action: 'put',
        replaced: 'CloudWatch log group team-a/bedrock',
      });
    });

    it('moves its own configuration to a new log group on Update', () => {
      const previous = { ...ours, LogGroupName: 'old/group' };
      expect(planPut(cloudWatch('old/group'), ours, previous)).toMatchObject({ action: 'put' });
    });

    it('passes the large-data bucket', () => {
      expect(planPut(undefined, { ...ours, LargeDataBucketName: 'big' })).toMatchObject({
        config: { cloudWatchConfig: { largeDataDeliveryS3Config: { bucketName: 'big' } } },
      });
    });
  });

  describe('planDelete', () => {
    it('switches logging off only while the configuration is exactly ours', () => {
      expect(planDelete(cloudWatch(ours.LogGroupName), ours)).toEqual({ action: 'delete' });
      expect(planDelete(cloudWatch('team-a/bedrock'), ours).action).toBe('keep');
      expect(
        planDelete(cloudWatch(ours.LogGroupName, 'arn:aws:iam::123456789012:role/theirs'), ours).action,
      ).toBe('keep');
      expect(planDelete(undefined, ours).action).toBe('keep');
    });
  });

  function fakeApi(current: LoggingConfig | undefined): BedrockLoggingApi & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      get: async () => current,
      put: async (config) => {
        calls.push(`put ${config.cloudWatchConfig?.logGroupName}`);
      },
      delete: async () => {
        calls.push('delete');
      },
    };
  }
  // CloudFormation passes every property as a string.
  const asStrings = (props: LoggingProperties) =>
    Object.fromEntries(Object.entries(props).map(([key, value]) => [key, String(value)]));

  it('creates the configuration from string properties', async () => {
    const { sent, put } = responses();
    const api = fakeApi(undefined);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await makeLoggingHandler(async () => api, put)(event('Create', asStrings(ours)));
    expect(api.calls).toEqual(['put bedrock/model-invocations']);
    expect(sent[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'bedrock-invocation-logging' });
    vi.restoreAllMocks();
  });

  it('fails the deploy without writing when the configuration belongs to someone else', async () => {
    const { sent, put } = responses();
    const api = fakeApi(cloudWatch('team-a/bedrock'));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await makeLoggingHandler(async () => api, put)(event('Create', asStrings(ours)));
    expect(api.calls).toEqual([]);
    expect(sent[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('Not replacing it') });
    vi.restoreAllMocks();
  });

  it('on Delete switches logging off when it is ours, and leaves it alone otherwise', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const deleteEvent = event('Delete', asStrings(ours), {
      PhysicalResourceId: 'bedrock-invocation-logging',
    });
    const mine = fakeApi(cloudWatch(ours.LogGroupName));
    await makeLoggingHandler(async () => mine, responses().put)(deleteEvent);
    expect(mine.calls).toEqual(['delete']);

    const theirs = fakeApi(cloudWatch('team-a/bedrock'));
    await makeLoggingHandler(async () => theirs, responses().put)(deleteEvent);
    expect(theirs.calls).toEqual([]);
    vi.restoreAllMocks();
  });

  it('leaves the configuration alone when deleting after a failed Create', async () => {
    const api = fakeApi(cloudWatch(ours.LogGroupName));
    const { sent, put } = responses();
    await makeLoggingHandler(
      async () => api,
      put,
    )(event('Delete', asStrings(ours), { PhysicalResourceId: 'failed-req-0' }));
    expect(api.calls).toEqual([]);
    expect(sent[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'failed-req-0' });
  });
});
