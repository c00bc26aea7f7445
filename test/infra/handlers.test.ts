import {
  BedrockClient,
  DeleteModelInvocationLoggingConfigurationCommand,
  GetModelInvocationLoggingConfigurationCommand,
  PutModelInvocationLoggingConfigurationCommand,
} from '@aws-sdk/client-bedrock';
import { CloudWatchLogsClient, DescribeSubscriptionFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type LoggingConfig,
  type LoggingProperties,
  makeHandler as makeLoggingHandler,
  planDelete,
  planPut,
  sdkApi,
  ssmState,
} from '../../infra/handlers/bedrock-logging.ts';
import { runCustomResource } from '../../infra/handlers/cfn-response.ts';
import {
  checkFilterSlots,
  listFiltersWith,
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

  it('answers the rollback Delete of a Create whose properties were invalid', async () => {
    const { sent, put } = responses();
    await makeGuardHandler(async () => [], put)(event('Delete', {}, { PhysicalResourceId: 'failed-req-0' }));
    expect(sent[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'failed-req-0' });
  });

  it('lists every page of filters through the CloudWatch Logs client', async () => {
    const logs = mockClient(CloudWatchLogsClient);
    logs
      .on(DescribeSubscriptionFiltersCommand, { logGroupName: 'g' })
      .resolvesOnce({ subscriptionFilters: [{ filterName: 'team-a' }], nextToken: 't1' })
      .resolvesOnce({ subscriptionFilters: [{ filterName: 'team-b' }, {}] });
    expect(await listFiltersWith(new CloudWatchLogsClient({ region: 'us-east-1' }))('g')).toEqual([
      'team-a',
      'team-b',
    ]);
    expect(logs.commandCalls(DescribeSubscriptionFiltersCommand)[1]?.args[0].input).toMatchObject({
      logGroupName: 'g',
      nextToken: 't1',
    });
    logs.restore();
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
    AudioDataDeliveryEnabled: false,
    OverwriteExisting: false,
    StateParameterName: '/bedrock-o2/BedrockO2-us-east-1/bedrock-invocation-logging/replaced-configuration',
  };
  const cloudWatch = (logGroupName: string, roleArn = ours.RoleArn): LoggingConfig => ({
    cloudWatchConfig: { logGroupName, roleArn },
    textDataDeliveryEnabled: true,
  });
  const theirs = cloudWatch('team-a/bedrock', 'arn:aws:iam::123456789012:role/team-a');

  describe('planPut', () => {
    it('puts when logging is off, remembering nothing', () => {
      expect(planPut(undefined, ours)).toEqual({ action: 'put', config: expect.any(Object) });
      expect(planPut({}, ours)).toEqual({ action: 'put', config: expect.any(Object) });
    });

    it('sends every delivery flag explicitly, audio included', () => {
      const plan = planPut(undefined, ours);
      expect(plan.action === 'put' && plan.config).toEqual({
        cloudWatchConfig: { logGroupName: ours.LogGroupName, roleArn: ours.RoleArn },
        textDataDeliveryEnabled: true,
        imageDataDeliveryEnabled: false,
        embeddingDataDeliveryEnabled: false,
        videoDataDeliveryEnabled: false,
        audioDataDeliveryEnabled: false,
      });
    });

    it('refuses a configuration to our log group with another role: it is not ours', () => {
      const sameGroup = cloudWatch(ours.LogGroupName, 'arn:aws:iam::123456789012:role/manual');
      expect(planPut(sameGroup, ours)).toMatchObject({
        action: 'refuse',
        message: expect.stringContaining('role arn:aws:iam::123456789012:role/manual'),
      });
    });

    it('refuses to replace a configuration that sends elsewhere', () => {
      const plan = planPut(theirs, ours);
      expect(plan).toEqual({
        action: 'refuse',
        message: expect.stringContaining('CloudWatch log group team-a/bedrock'),
      });
      expect(plan.action === 'refuse' && plan.message).toContain('bedrockLogging.overwriteExisting');
    });

    it('treats our log group and role next to an S3 destination as ours, and keeps the S3 destination', () => {
      const s3Config = { bucketName: 'audit-bucket', keyPrefix: 'bedrock' };
      const current = { ...cloudWatch(ours.LogGroupName), s3Config };
      const plan = planPut(current, { ...ours, ImageDataDeliveryEnabled: true }, ours);
      expect(plan).toEqual({ action: 'put', config: expect.objectContaining({ s3Config }) });
    });

    it('keeps the S3 destination of a configuration it replaces, and remembers the whole one', () => {
      const s3Config = { bucketName: 'bedrock-logs', keyPrefix: 'bedrock' };
      const withS3 = { ...theirs, s3Config };
      const plan = planPut(withS3, { ...ours, OverwriteExisting: true });
      expect(plan).toMatchObject({ action: 'put', replaced: withS3 });
      expect(plan.action === 'put' && plan.config).toMatchObject({
        cloudWatchConfig: { logGroupName: ours.LogGroupName, roleArn: ours.RoleArn },
        s3Config,
      });
      // Refused without overwriteExisting, and says the S3 destination would be kept.
      expect(planPut(withS3, ours)).toMatchObject({
        action: 'refuse',
        message: expect.stringContaining('an S3 destination is kept'),
      });
    });

    it('replaces it when told to, and returns the whole configuration it replaced', () => {
      expect(planPut(theirs, { ...ours, OverwriteExisting: true })).toMatchObject({
        action: 'put',
        replaced: theirs,
      });
    });

    it('on Update leaves a configuration someone else wrote since alone instead of failing (and its rollback)', () => {
      expect(planPut(theirs, ours, ours)).toMatchObject({
        action: 'keep',
        reason: expect.stringContaining('CloudWatch log group team-a/bedrock'),
      });
    });

    it('moves its own configuration to a new log group on Update, remembering nothing new', () => {
      const previous = { ...ours, LogGroupName: 'old/group' };
      expect(planPut(cloudWatch('old/group'), ours, previous)).toEqual({
        action: 'put',
        config: expect.any(Object),
      });
    });

    it('passes the large-data bucket', () => {
      expect(planPut(undefined, { ...ours, LargeDataBucketName: 'big' })).toMatchObject({
        config: { cloudWatchConfig: { largeDataDeliveryS3Config: { bucketName: 'big' } } },
      });
    });
  });

  describe('planDelete', () => {
    it('puts back what it replaced while the configuration is still ours', () => {
      expect(planDelete(cloudWatch(ours.LogGroupName), ours, { replaced: theirs })).toEqual({
        action: 'restore',
        config: theirs,
      });
    });

    it('switches logging off when it was off before, or when nothing was remembered', () => {
      expect(planDelete(cloudWatch(ours.LogGroupName), ours, { replaced: null })).toEqual({
        action: 'delete',
      });
      expect(planDelete(cloudWatch(ours.LogGroupName), ours, undefined)).toEqual({ action: 'delete' });
    });

    it('removes only its CloudWatch destination when an S3 destination sits next to it', () => {
      const s3Config = { bucketName: 'bedrock-logs' };
      const current = { ...cloudWatch(ours.LogGroupName), s3Config };
      expect(planDelete(current, ours, { replaced: null })).toEqual({
        action: 'restore',
        config: { s3Config, textDataDeliveryEnabled: true },
      });
    });

    it('leaves a configuration someone changed since alone (log group or role)', () => {
      expect(planDelete(theirs, ours, { replaced: null }).action).toBe('keep');
      const otherRole = cloudWatch(ours.LogGroupName, 'arn:aws:iam::123456789012:role/theirs');
      expect(planDelete(otherRole, ours, { replaced: theirs }).action).toBe('keep');
      expect(planDelete(undefined, ours, { replaced: theirs }).action).toBe('keep');
    });
  });

  // The handler end to end, through the real SDK clients with their transport mocked.
  describe('handler with the Bedrock and SSM clients', () => {
    const bedrock = mockClient(BedrockClient);
    const ssm = mockClient(SSMClient);
    const deps = () => ({
      api: sdkApi(new BedrockClient({ region: 'us-east-1' }), 0),
      state: ssmState(new SSMClient({ region: 'us-east-1' })),
    });
    const parameterNotFound = Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
    // CloudFormation passes every property as a string.
    const asStrings = (props: LoggingProperties) =>
      Object.fromEntries(Object.entries(props).map(([key, value]) => [key, String(value)]));
    const current = (loggingConfig: LoggingConfig | undefined) =>
      bedrock
        .on(GetModelInvocationLoggingConfigurationCommand)
        .resolves(loggingConfig ? { loggingConfig } : {});
    const remembered = (value: unknown) =>
      ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(value) } });
    const putInputs = () =>
      bedrock.commandCalls(PutModelInvocationLoggingConfigurationCommand).map((call) => call.args[0].input);
    const deleteEvent = (properties = asStrings(ours)) =>
      event('Delete', properties, { PhysicalResourceId: 'bedrock-invocation-logging' });

    beforeEach(() => {
      bedrock.reset();
      ssm.reset();
      bedrock.on(PutModelInvocationLoggingConfigurationCommand).resolves({});
      bedrock.on(DeleteModelInvocationLoggingConfigurationCommand).resolves({});
      ssm.on(PutParameterCommand).resolves({});
      ssm.on(DeleteParameterCommand).resolves({});
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    });
    afterEach(() => vi.restoreAllMocks());

    it('creates the configuration from string properties and records that logging was off', async () => {
      const { sent, put } = responses();
      current(undefined);
      await makeLoggingHandler(deps, put)(event('Create', asStrings(ours)));
      expect(putInputs()).toEqual([
        {
          loggingConfig: {
            cloudWatchConfig: { logGroupName: ours.LogGroupName, roleArn: ours.RoleArn },
            textDataDeliveryEnabled: true,
            imageDataDeliveryEnabled: false,
            embeddingDataDeliveryEnabled: false,
            videoDataDeliveryEnabled: false,
            audioDataDeliveryEnabled: false,
          },
        },
      ]);
      expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toMatchObject({
        Name: ours.StateParameterName,
        Value: '{"replaced":null}',
        Overwrite: true,
      });
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'bedrock-invocation-logging' });
    });

    it('fails the deploy without writing anything when the configuration belongs to someone else', async () => {
      const { sent, put } = responses();
      current(theirs);
      await makeLoggingHandler(deps, put)(event('Create', asStrings(ours)));
      expect(putInputs()).toEqual([]);
      expect(ssm.commandCalls(PutParameterCommand)).toEqual([]);
      expect(sent[0]).toMatchObject({
        Status: 'FAILED',
        Reason: expect.stringContaining('Not replacing it'),
      });
    });

    it('remembers a replaced configuration before it replaces it, and puts it back on Delete', async () => {
      const overwrite = asStrings({ ...ours, OverwriteExisting: true });
      current(theirs);
      await makeLoggingHandler(deps, responses().put)(event('Create', overwrite));
      const stored = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.Value;
      expect(JSON.parse(String(stored))).toEqual({ replaced: theirs });
      const [remember] = ssm.commandCalls(PutParameterCommand);
      const [replace] = bedrock.commandCalls(PutModelInvocationLoggingConfigurationCommand);
      expect(remember && replace && remember.calledBefore(replace)).toBe(true);

      // The rollback of that first deploy (or a later stack delete) sends Delete with the same properties.
      bedrock.resetHistory();
      current(cloudWatch(ours.LogGroupName));
      remembered({ replaced: theirs });
      const { sent, put } = responses();
      await makeLoggingHandler(deps, put)(deleteEvent(overwrite));
      expect(putInputs()).toEqual([{ loggingConfig: theirs }]);
      expect(bedrock.commandCalls(DeleteModelInvocationLoggingConfigurationCommand)).toEqual([]);
      expect(ssm.commandCalls(DeleteParameterCommand)[0]?.args[0].input).toEqual({
        Name: ours.StateParameterName,
      });
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS' });
    });

    it('with overwriteExisting keeps the S3 destination the s3Logs source reads, says so, and leaves only it on Delete', async () => {
      const s3Config = { bucketName: 'acme-bedrock-logs', keyPrefix: 'bedrock' };
      const overwrite = asStrings({ ...ours, OverwriteExisting: true });
      current({ s3Config, textDataDeliveryEnabled: true });
      const lines: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
      await makeLoggingHandler(deps, responses().put)(event('Create', overwrite));
      expect(putInputs()).toEqual([
        {
          loggingConfig: expect.objectContaining({
            cloudWatchConfig: { logGroupName: ours.LogGroupName, roleArn: ours.RoleArn },
            s3Config,
          }),
        },
      ]);
      expect(lines.join('')).toContain('"keptS3Destination":"s3://acme-bedrock-logs/bedrock"');

      // Delete with logging off before would delete the whole configuration; only ours goes.
      bedrock.resetHistory();
      current({ ...cloudWatch(ours.LogGroupName), s3Config });
      remembered({ replaced: null });
      const { sent, put } = responses();
      await makeLoggingHandler(deps, put)(deleteEvent(overwrite));
      expect(putInputs()).toEqual([{ loggingConfig: { s3Config, textDataDeliveryEnabled: true } }]);
      expect(bedrock.commandCalls(DeleteModelInvocationLoggingConfigurationCommand)).toEqual([]);
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS' });
    });

    it('keeps what Create remembered through an Update of its own configuration', async () => {
      current(cloudWatch(ours.LogGroupName));
      const updated = asStrings({ ...ours, ImageDataDeliveryEnabled: true });
      await makeLoggingHandler(
        deps,
        responses().put,
      )(
        event('Update', updated, {
          PhysicalResourceId: 'bedrock-invocation-logging',
          OldResourceProperties: asStrings(ours),
        }),
      );
      expect(putInputs()[0]).toMatchObject({ loggingConfig: { imageDataDeliveryEnabled: true } });
      expect(ssm.commandCalls(PutParameterCommand)).toEqual([]);
    });

    it('succeeds without writing on an Update (or its rollback) after someone else took the configuration', async () => {
      current(theirs);
      const { sent, put } = responses();
      await makeLoggingHandler(
        deps,
        put,
      )(
        event('Update', asStrings(ours), {
          PhysicalResourceId: 'bedrock-invocation-logging',
          OldResourceProperties: asStrings({ ...ours, ImageDataDeliveryEnabled: true }),
        }),
      );
      expect(putInputs()).toEqual([]);
      expect(ssm.commandCalls(PutParameterCommand)).toEqual([]);
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS' });
    });

    it('switches logging off on Delete when it was off before, or nothing was remembered', async () => {
      current(cloudWatch(ours.LogGroupName));
      remembered({ replaced: null });
      await makeLoggingHandler(deps, responses().put)(deleteEvent());
      ssm.on(GetParameterCommand).rejects(parameterNotFound);
      ssm.on(DeleteParameterCommand).rejects(parameterNotFound);
      const { sent, put } = responses();
      await makeLoggingHandler(deps, put)(deleteEvent());
      expect(bedrock.commandCalls(DeleteModelInvocationLoggingConfigurationCommand)).toHaveLength(2);
      expect(putInputs()).toEqual([]);
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS' });
    });

    it('leaves a configuration someone changed since alone on Delete', async () => {
      current(theirs);
      remembered({ replaced: null });
      await makeLoggingHandler(deps, responses().put)(deleteEvent());
      expect(putInputs()).toEqual([]);
      expect(bedrock.commandCalls(DeleteModelInvocationLoggingConfigurationCommand)).toEqual([]);
    });

    it('switches logging off when the replaced configuration can no longer be put back', async () => {
      current(cloudWatch(ours.LogGroupName));
      remembered({ replaced: theirs });
      bedrock
        .on(PutModelInvocationLoggingConfigurationCommand)
        .rejects(Object.assign(new Error('role cannot be assumed'), { name: 'ValidationException' }));
      const { sent, put } = responses();
      await makeLoggingHandler(deps, put)(deleteEvent());
      expect(putInputs()).toHaveLength(4);
      expect(bedrock.commandCalls(DeleteModelInvocationLoggingConfigurationCommand)).toHaveLength(1);
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS' });
    });

    it('answers the rollback Delete of a failed Create without reading or parsing anything', async () => {
      const { sent, put } = responses();
      await makeLoggingHandler(deps, put)(event('Delete', {}, { PhysicalResourceId: 'failed-req-0' }));
      expect(bedrock.calls()).toEqual([]);
      expect(ssm.calls()).toEqual([]);
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'failed-req-0' });
    });
  });
});
