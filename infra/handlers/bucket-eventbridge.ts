import {
  GetBucketNotificationConfigurationCommand,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type CustomResourceResult, log, type PutResponse, runCustomResource } from './cfn-response.ts';

/**
 * Custom resource `Custom::BucketEventBridgeNotifications`: turns on "send events to EventBridge" for an
 * existing bucket (the S3 source's rule listens there). PutBucketNotificationConfiguration replaces the whole
 * configuration, so the current one is read first and written back whole, with only EventBridge added: the
 * bucket's topic, queue and Lambda notifications survive. Already on: nothing is written. On delete it is
 * left on, because other consumers may rely on it by then and it costs nothing; nothing the user configured
 * is removed. (Between the read and the write, a concurrent change to the bucket's notifications by someone
 * else would be lost; a deploy is the only writer here and it takes milliseconds.)
 */

export interface BucketNotificationsApi {
  get(bucket: string): Promise<NotificationConfiguration>;
  put(bucket: string, configuration: NotificationConfiguration): Promise<void>;
}

/** The configuration to write, or undefined when EventBridge is already on. */
export function withEventBridge(current: NotificationConfiguration): NotificationConfiguration | undefined {
  if (current.EventBridgeConfiguration !== undefined) return undefined;
  return {
    ...(current.TopicConfigurations && { TopicConfigurations: current.TopicConfigurations }),
    ...(current.QueueConfigurations && { QueueConfigurations: current.QueueConfigurations }),
    ...(current.LambdaFunctionConfigurations && {
      LambdaFunctionConfigurations: current.LambdaFunctionConfigurations,
    }),
    EventBridgeConfiguration: {},
  };
}

export function eventBridgeWork(api: BucketNotificationsApi) {
  return async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> => {
    const bucket = String(event.ResourceProperties['BucketName'] ?? '');
    if (bucket === '') throw new Error('BucketName is required');
    const physicalResourceId = `eventbridge-notifications:${bucket}`;
    if (event.RequestType === 'Delete') {
      log({ level: 'INFO', bucket, action: 'left on (other consumers may rely on it)' });
      return { physicalResourceId };
    }
    const next = withEventBridge(await api.get(bucket));
    if (next === undefined) {
      log({ level: 'INFO', bucket, action: 'already on' });
      return { physicalResourceId, data: { Enabled: 'already' } };
    }
    await api.put(bucket, next);
    log({ level: 'INFO', bucket, action: 'turned on, other notifications kept' });
    return { physicalResourceId, data: { Enabled: 'now' } };
  };
}

function sdkApi(): BucketNotificationsApi {
  const client = new S3Client({});
  return {
    async get(bucket) {
      const { $metadata: _, ...configuration } = await client.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: bucket }),
      );
      return configuration;
    },
    async put(bucket, configuration) {
      await client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: configuration,
          // The existing destinations are the user's and were validated when they were added; a stale one
          // must not fail our deploy.
          SkipDestinationValidation: true,
        }),
      );
    },
  };
}

export function makeHandler(api: () => BucketNotificationsApi = sdkApi, put?: PutResponse) {
  return async (event: CloudFormationCustomResourceEvent) =>
    runCustomResource(event, (e) => eventBridgeWork(api())(e), put);
}

export const handler = makeHandler();
