import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { z } from 'zod';
import { type CustomResourceResult, log, type PutResponse, runCustomResource } from './cfn-response.ts';

/**
 * Custom resource `Custom::BedrockInvocationLogging`: the account+region Bedrock model-invocation logging
 * configuration (no CloudFormation resource exists). It is a singleton other teams may own, so:
 * - create/update first reads the current configuration and refuses to replace one that sends logs elsewhere
 *   unless `OverwriteExisting` is true;
 * - delete switches logging off only while the configuration is still the one this resource wrote.
 */

// CloudFormation passes every property as a string.
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

const PropertiesSchema = z.object({
  LogGroupName: z.string().min(1),
  RoleArn: z.string().min(1),
  TextDataDeliveryEnabled: flag,
  ImageDataDeliveryEnabled: flag,
  EmbeddingDataDeliveryEnabled: flag,
  VideoDataDeliveryEnabled: flag,
  OverwriteExisting: flag,
  LargeDataBucketName: z.string().min(1).optional(),
});
export type LoggingProperties = z.output<typeof PropertiesSchema>;

const S3ConfigSchema = z.object({ bucketName: z.string(), keyPrefix: z.string().optional() });

/** The parts of Bedrock's `LoggingConfig` this resource reads or writes. */
export const LoggingConfigSchema = z.object({
  cloudWatchConfig: z
    .object({
      logGroupName: z.string(),
      roleArn: z.string(),
      largeDataDeliveryS3Config: S3ConfigSchema.optional(),
    })
    .optional(),
  s3Config: S3ConfigSchema.optional(),
  textDataDeliveryEnabled: z.boolean().optional(),
  imageDataDeliveryEnabled: z.boolean().optional(),
  embeddingDataDeliveryEnabled: z.boolean().optional(),
  videoDataDeliveryEnabled: z.boolean().optional(),
});
export type LoggingConfig = z.output<typeof LoggingConfigSchema>;

export type Plan =
  | { readonly action: 'put'; readonly config: LoggingConfig; readonly replaced?: string }
  | { readonly action: 'refuse'; readonly message: string }
  | { readonly action: 'delete' }
  | { readonly action: 'keep'; readonly reason: string };

/** The configuration this resource writes for its properties. */
export function desiredConfig(props: LoggingProperties): LoggingConfig {
  return {
    cloudWatchConfig: {
      logGroupName: props.LogGroupName,
      roleArn: props.RoleArn,
      ...(props.LargeDataBucketName && {
        largeDataDeliveryS3Config: { bucketName: props.LargeDataBucketName },
      }),
    },
    textDataDeliveryEnabled: props.TextDataDeliveryEnabled,
    imageDataDeliveryEnabled: props.ImageDataDeliveryEnabled,
    embeddingDataDeliveryEnabled: props.EmbeddingDataDeliveryEnabled,
    videoDataDeliveryEnabled: props.VideoDataDeliveryEnabled,
  };
}

/** Where a configuration sends logs, for messages. */
export function describeDestination(config: LoggingConfig): string {
  const parts = [
    config.cloudWatchConfig && `CloudWatch log group ${config.cloudWatchConfig.logGroupName}`,
    config.s3Config && `S3 bucket ${config.s3Config.bucketName}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : 'nowhere';
}

function isEmpty(config: LoggingConfig | undefined): boolean {
  return config === undefined || (config.cloudWatchConfig === undefined && config.s3Config === undefined);
}

/** Same destination as ours: only our log group, no S3 destination we would silently drop. */
function sendsOnlyTo(config: LoggingConfig, logGroupNames: readonly string[]): boolean {
  return (
    config.s3Config === undefined &&
    config.cloudWatchConfig !== undefined &&
    logGroupNames.includes(config.cloudWatchConfig.logGroupName)
  );
}

/**
 * Create/Update. `previous` are the old properties on Update: a configuration this resource wrote before
 * (e.g. to the log group it used to point at) is ours to change.
 */
export function planPut(
  current: LoggingConfig | undefined,
  props: LoggingProperties,
  previous?: LoggingProperties,
): Plan {
  const config = desiredConfig(props);
  if (current === undefined || isEmpty(current)) return { action: 'put', config };
  const ours = [props.LogGroupName, ...(previous ? [previous.LogGroupName] : [])];
  if (sendsOnlyTo(current, ours)) return { action: 'put', config };
  if (props.OverwriteExisting) return { action: 'put', config, replaced: describeDestination(current) };
  return {
    action: 'refuse',
    message:
      `Bedrock invocation logging in this account and region already sends logs to ${describeDestination(current)}. ` +
      'Not replacing it: set bedrockLogging.overwriteExisting to true to replace it, or set bedrockLogging.manage ' +
      'to false and list that log group in regions[].logGroups.',
  };
}

/** Delete: switch logging off only if the configuration is still exactly ours (log group and role). */
export function planDelete(current: LoggingConfig | undefined, props: LoggingProperties): Plan {
  const cw = current?.cloudWatchConfig;
  if (
    current &&
    cw &&
    cw.logGroupName === props.LogGroupName &&
    cw.roleArn === props.RoleArn &&
    !current.s3Config
  ) {
    return { action: 'delete' };
  }
  return {
    action: 'keep',
    reason: `configuration now sends to ${current ? describeDestination(current) : 'nowhere'}; left as it is`,
  };
}

export interface BedrockLoggingApi {
  get(): Promise<LoggingConfig | undefined>;
  put(config: LoggingConfig): Promise<void>;
  delete(): Promise<void>;
}

const PHYSICAL_ID = 'bedrock-invocation-logging';

export function loggingWork(api: BedrockLoggingApi) {
  return async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> => {
    if (event.RequestType === 'Delete') {
      // A failed Create never wrote anything; its rollback Delete must not touch the configuration.
      if (event.PhysicalResourceId !== PHYSICAL_ID) return { physicalResourceId: event.PhysicalResourceId };
      const plan = planDelete(await api.get(), PropertiesSchema.parse(event.ResourceProperties));
      log({ level: 'INFO', requestType: 'Delete', plan: plan.action });
      if (plan.action === 'delete') await api.delete();
      return { physicalResourceId: PHYSICAL_ID };
    }
    const props = PropertiesSchema.parse(event.ResourceProperties);
    const previous =
      event.RequestType === 'Update'
        ? PropertiesSchema.safeParse(event.OldResourceProperties).data
        : undefined;
    const plan = planPut(await api.get(), props, previous);
    if (plan.action === 'refuse') throw new Error(plan.message);
    if (plan.action !== 'put') throw new Error(`unexpected plan ${plan.action}`);
    log({ level: 'INFO', requestType: event.RequestType, replaced: plan.replaced ?? null });
    await api.put(plan.config);
    return { physicalResourceId: PHYSICAL_ID, data: { Replaced: plan.replaced ?? '' } };
  };
}

interface BedrockSdk {
  readonly BedrockClient: new (config: object) => { send(command: unknown): Promise<unknown> };
  readonly GetModelInvocationLoggingConfigurationCommand: new (input: object) => unknown;
  readonly PutModelInvocationLoggingConfigurationCommand: new (input: {
    loggingConfig: LoggingConfig;
  }) => unknown;
  readonly DeleteModelInvocationLoggingConfigurationCommand: new (input: object) => unknown;
}

// Provided by the Lambda runtime (kept external by the bundler); a variable keeps type-checking offline.
const BEDROCK_SDK = '@aws-sdk/client-bedrock';

const GetOutputSchema = z.object({ loggingConfig: LoggingConfigSchema.optional() });

/** Bedrock checks the new role when the configuration is put; IAM may need a few seconds to propagate it. */
const PUT_ATTEMPTS = 4;
const PUT_RETRY_MS = 10_000;

async function sdkApi(): Promise<BedrockLoggingApi> {
  const sdk = (await import(BEDROCK_SDK)) as BedrockSdk;
  const client = new sdk.BedrockClient({});
  return {
    get: async () =>
      GetOutputSchema.parse(await client.send(new sdk.GetModelInvocationLoggingConfigurationCommand({})))
        .loggingConfig,
    put: async (loggingConfig) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(new sdk.PutModelInvocationLoggingConfigurationCommand({ loggingConfig }));
          return;
        } catch (error) {
          if ((error as { name?: string }).name !== 'ValidationException' || attempt >= PUT_ATTEMPTS)
            throw error;
          log({ level: 'WARN', attempt, reason: (error as Error).message });
          await new Promise((resolve) => setTimeout(resolve, PUT_RETRY_MS));
        }
      }
    },
    delete: async () => {
      await client.send(new sdk.DeleteModelInvocationLoggingConfigurationCommand({}));
    },
  };
}

export function makeHandler(api: () => Promise<BedrockLoggingApi> = sdkApi, put?: PutResponse) {
  return async (event: CloudFormationCustomResourceEvent) =>
    runCustomResource(event, async (e) => loggingWork(await api())(e), put);
}

export const handler = makeHandler();
