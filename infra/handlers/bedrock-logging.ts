import {
  BedrockClient,
  DeleteModelInvocationLoggingConfigurationCommand,
  GetModelInvocationLoggingConfigurationCommand,
  PutModelInvocationLoggingConfigurationCommand,
} from '@aws-sdk/client-bedrock';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { z } from 'zod';
import { type CustomResourceResult, log, type PutResponse, runCustomResource } from './cfn-response.ts';

/**
 * Custom resource `Custom::BedrockInvocationLogging`: the account+region Bedrock model-invocation logging
 * configuration (no CloudFormation resource exists). It is a singleton other teams may own, so:
 * - create/update first reads the current configuration and does not replace one that is not this
 *   resource's own (same log group and role) unless `OverwriteExisting` is true: create fails and says where
 *   logs go now; update leaves it alone with a warning (failing would also fail the rollback);
 * - whatever it replaces is remembered, and delete (including the Delete of a rolled-back first deploy) puts
 *   it back; only when logging was off before does delete switch it off;
 * - delete leaves the configuration alone when someone changed it after this resource wrote it.
 *
 * Where the replaced configuration is remembered: an SSM parameter named in the properties. A Delete event
 * carries only the properties and the physical id, never the Data an earlier response returned, so Data
 * cannot carry it; the physical id is capped at 1 KB (a role ARN alone may be 2 KB) and must not change on
 * Update, or CloudFormation would send a Delete for the old id and undo the update. The parameter is not a
 * CloudFormation resource, so a rollback does not remove it before the rollback Delete reads it; that Delete
 * removes it.
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
  AudioDataDeliveryEnabled: flag,
  OverwriteExisting: flag,
  LargeDataBucketName: z.string().min(1).optional(),
  /** SSM parameter that remembers the configuration this resource replaced. */
  StateParameterName: z.string().startsWith('/'),
});
export type LoggingProperties = z.output<typeof PropertiesSchema>;

const S3ConfigSchema = z.looseObject({ bucketName: z.string(), keyPrefix: z.string().optional() });

/**
 * Bedrock's `LoggingConfig`. Loose, so that a configuration remembered for restoring keeps fields this
 * version does not know (the SDK still sends only the fields it knows).
 */
export const LoggingConfigSchema = z.looseObject({
  cloudWatchConfig: z
    .looseObject({
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
  audioDataDeliveryEnabled: z.boolean().optional(),
});
export type LoggingConfig = z.output<typeof LoggingConfigSchema>;

/** What the state parameter holds: the configuration replaced at create, `null` when logging was off. */
const RememberedSchema = z.object({ replaced: LoggingConfigSchema.nullable() });
export type Remembered = z.output<typeof RememberedSchema>;

export type PutPlan =
  | {
      readonly action: 'put';
      readonly config: LoggingConfig;
      /** A configuration that was not ours and is being replaced: remember it. */
      readonly replaced?: LoggingConfig;
    }
  | { readonly action: 'refuse'; readonly message: string }
  | { readonly action: 'keep'; readonly reason: string };

export type DeletePlan =
  | { readonly action: 'restore'; readonly config: LoggingConfig }
  | { readonly action: 'delete' }
  | { readonly action: 'keep'; readonly reason: string };

/**
 * The configuration this resource writes for its properties: every delivery flag explicit. An S3 destination
 * already configured (`current.s3Config`) is carried over: this resource manages the CloudWatch destination
 * only, and dropping the S3 one would silently stop whatever reads it (this region's own `s3Logs` source,
 * an audit archive).
 */
export function desiredConfig(props: LoggingProperties, current?: LoggingConfig): LoggingConfig {
  return {
    cloudWatchConfig: {
      logGroupName: props.LogGroupName,
      roleArn: props.RoleArn,
      ...(props.LargeDataBucketName && {
        largeDataDeliveryS3Config: { bucketName: props.LargeDataBucketName },
      }),
    },
    ...(current?.s3Config && { s3Config: current.s3Config }),
    textDataDeliveryEnabled: props.TextDataDeliveryEnabled,
    imageDataDeliveryEnabled: props.ImageDataDeliveryEnabled,
    embeddingDataDeliveryEnabled: props.EmbeddingDataDeliveryEnabled,
    videoDataDeliveryEnabled: props.VideoDataDeliveryEnabled,
    audioDataDeliveryEnabled: props.AudioDataDeliveryEnabled,
  };
}

/** Where a configuration sends logs, for messages. */
export function describeDestination(config: LoggingConfig): string {
  const cw = config.cloudWatchConfig;
  const parts = [
    cw && `CloudWatch log group ${cw.logGroupName} (role ${cw.roleArn})`,
    config.s3Config && `S3 bucket ${config.s3Config.bucketName}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : 'nowhere';
}

function isEmpty(config: LoggingConfig | undefined): boolean {
  return config === undefined || (config.cloudWatchConfig === undefined && config.s3Config === undefined);
}

/**
 * Written by this resource: our log group with our role. An S3 destination next to it does not make it
 * someone else's, since every put carries the S3 destination over.
 */
export function isOurs(config: LoggingConfig, props: Pick<LoggingProperties, 'LogGroupName' | 'RoleArn'>) {
  const cw = config.cloudWatchConfig;
  return cw !== undefined && cw.logGroupName === props.LogGroupName && cw.roleArn === props.RoleArn;
}

/**
 * Create/Update. `previous` are the old properties on Update (or, on an Update rollback, the properties of
 * the update being undone): a configuration written for them is ours to change.
 */
export function planPut(
  current: LoggingConfig | undefined,
  props: LoggingProperties,
  previous?: LoggingProperties,
): PutPlan {
  const config = desiredConfig(props, current);
  if (current === undefined || isEmpty(current)) return { action: 'put', config };
  if (isOurs(current, props) || (previous && isOurs(current, previous))) return { action: 'put', config };
  if (props.OverwriteExisting) return { action: 'put', config, replaced: current };
  // On Update someone replaced our configuration since the last deploy. Failing would fail the rollback too
  // (CloudFormation rolls back with another Update, which would find the same configuration), leaving the
  // stack in UPDATE_ROLLBACK_FAILED; so leave theirs alone, as Delete does, and say so in the log.
  if (previous !== undefined) {
    return {
      action: 'keep',
      reason:
        `configuration now sends to ${describeDestination(current)}, which this stack did not write; left as it is ` +
        '(set bedrockLogging.overwriteExisting to true to replace it)',
    };
  }
  return {
    action: 'refuse',
    message:
      `Bedrock invocation logging in this account and region already sends logs to ${describeDestination(current)}. ` +
      'Not replacing it: set bedrockLogging.overwriteExisting to true to replace it (an S3 destination is kept; ' +
      'the whole configuration is put back when the stack is deleted), or set bedrockLogging.manage to false and list that log group in regions[].logGroups.',
  };
}

/**
 * Delete: only while the configuration is still ours; then put back what it replaced, or switch logging off
 * when it was off before (or when nothing was remembered).
 */
export function planDelete(
  current: LoggingConfig | undefined,
  props: LoggingProperties,
  remembered: Remembered | undefined,
): DeletePlan {
  if (current === undefined || !isOurs(current, props)) {
    return {
      action: 'keep',
      reason: `configuration now sends to ${current ? describeDestination(current) : 'nowhere'}; left as it is`,
    };
  }
  if (remembered?.replaced && !isEmpty(remembered.replaced)) {
    return { action: 'restore', config: remembered.replaced };
  }
  // Only our CloudWatch destination goes; an S3 destination next to it stays.
  if (current.s3Config !== undefined) {
    const { cloudWatchConfig: _ours, ...withoutOurs } = current;
    return { action: 'restore', config: withoutOurs };
  }
  return { action: 'delete' };
}

export interface BedrockLoggingApi {
  get(): Promise<LoggingConfig | undefined>;
  put(config: LoggingConfig): Promise<void>;
  delete(): Promise<void>;
}

/** The state parameter: `undefined` when there is none. */
export interface StateStore {
  read(name: string): Promise<Remembered | undefined>;
  write(name: string, value: Remembered): Promise<void>;
  remove(name: string): Promise<void>;
}

const PHYSICAL_ID = 'bedrock-invocation-logging';

export function loggingWork(api: BedrockLoggingApi, state: StateStore) {
  return async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> =>
    event.RequestType === 'Delete' ? deleteWork(api, state, event) : putWork(api, state, event);
}

async function deleteWork(
  api: BedrockLoggingApi,
  state: StateStore,
  event: CloudFormationCustomResourceDeleteEvent,
): Promise<CustomResourceResult> {
  // A failed Create never wrote anything; its rollback Delete must not touch the configuration, and
  // returns before parsing properties that may be what made the Create fail.
  if (event.PhysicalResourceId !== PHYSICAL_ID) return { physicalResourceId: event.PhysicalResourceId };
  const props = PropertiesSchema.parse(event.ResourceProperties);
  const plan = planDelete(await api.get(), props, await state.read(props.StateParameterName));
  log({ level: 'INFO', requestType: 'Delete', plan: plan.action });
  if (plan.action === 'restore') await restoreOrSwitchOff(api, plan.config);
  if (plan.action === 'delete') await api.delete();
  await state.remove(props.StateParameterName);
  return { physicalResourceId: PHYSICAL_ID };
}

async function putWork(
  api: BedrockLoggingApi,
  state: StateStore,
  event: CloudFormationCustomResourceCreateEvent | CloudFormationCustomResourceUpdateEvent,
): Promise<CustomResourceResult> {
  const props = PropertiesSchema.parse(event.ResourceProperties);
  const previous =
    event.RequestType === 'Update' ? PropertiesSchema.safeParse(event.OldResourceProperties).data : undefined;
  const plan = planPut(await api.get(), props, previous);
  if (plan.action === 'refuse') throw new Error(plan.message);
  if (plan.action === 'keep') {
    log({ level: 'WARN', requestType: event.RequestType, reason: plan.reason });
    return { physicalResourceId: PHYSICAL_ID, data: { Replaced: '' } };
  }
  // Remembered before the put, so a put that succeeds can never leave the replaced configuration
  // unrecorded. A Create always writes (null when logging was off) so a stale parameter left by an earlier
  // stack of the same name is never restored; an Update keeps what the Create remembered unless it
  // replaces someone else's configuration again.
  if (plan.replaced || event.RequestType === 'Create') {
    await state.write(props.StateParameterName, { replaced: plan.replaced ?? null });
  }
  log({
    level: 'INFO',
    requestType: event.RequestType,
    replaced: plan.replaced ? describeDestination(plan.replaced) : null,
    keptS3Destination: plan.config.s3Config
      ? `s3://${plan.config.s3Config.bucketName}/${plan.config.s3Config.keyPrefix ?? ''}`
      : null,
  });
  await api.put(plan.config);
  return {
    physicalResourceId: PHYSICAL_ID,
    data: { Replaced: plan.replaced ? describeDestination(plan.replaced).slice(0, 1000) : '' },
  };
}

/**
 * Put a replaced configuration back. If Bedrock no longer accepts it (its role or log group was deleted
 * since), switch logging off rather than fail the delete: a failed Delete would leave the stack stuck in
 * DELETE_FAILED or ROLLBACK_FAILED, and our own role is about to go. The configuration goes to the log so
 * that someone can put it back by hand.
 */
async function restoreOrSwitchOff(api: BedrockLoggingApi, config: LoggingConfig): Promise<void> {
  try {
    await api.put(config);
  } catch (error) {
    log({
      level: 'ERROR',
      message: 'could not put back the configuration this stack replaced; switched logging off instead',
      replaced: config,
      reason: error instanceof Error ? error.message : String(error),
    });
    await api.delete();
  }
}

const GetOutputSchema = z.object({ loggingConfig: LoggingConfigSchema.optional() });

/** Bedrock checks the new role when the configuration is put; IAM may need a few seconds to propagate it. */
const PUT_ATTEMPTS = 4;
const DEFAULT_PUT_RETRY_MS = 10_000;

/**
 * The SDK clients are bundled with the function instead of taken from the Lambda runtime: the runtime's SDK
 * version is whatever AWS last installed, and an SDK that predates a field (audioDataDeliveryEnabled) drops
 * it from the request without an error.
 */
export function sdkApi(client = new BedrockClient({}), putRetryMs = DEFAULT_PUT_RETRY_MS): BedrockLoggingApi {
  return {
    get: async () =>
      GetOutputSchema.parse(await client.send(new GetModelInvocationLoggingConfigurationCommand({})))
        .loggingConfig,
    put: async (loggingConfig) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig }));
          return;
        } catch (error) {
          if ((error as { name?: string }).name !== 'ValidationException' || attempt >= PUT_ATTEMPTS)
            throw error;
          log({ level: 'WARN', attempt, reason: (error as Error).message });
          await new Promise((resolve) => setTimeout(resolve, putRetryMs));
        }
      }
    },
    delete: async () => {
      await client.send(new DeleteModelInvocationLoggingConfigurationCommand({}));
    },
  };
}

export function ssmState(client = new SSMClient({})): StateStore {
  const notFound = (error: unknown) => (error as { name?: string }).name === 'ParameterNotFound';
  return {
    read: async (name) => {
      try {
        const output = await client.send(new GetParameterCommand({ Name: name }));
        return RememberedSchema.parse(JSON.parse(output.Parameter?.Value ?? ''));
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    write: async (name, value) => {
      await client.send(
        new PutParameterCommand({
          Name: name,
          Value: JSON.stringify(value),
          Type: 'String',
          Overwrite: true,
          // Standard parameters hold 4 KB; a configuration with long ARNs and prefixes may need more.
          Tier: 'Intelligent-Tiering',
          Description: 'bedrock-o2: the Bedrock invocation-logging configuration to put back on stack delete',
        }),
      );
    },
    remove: async (name) => {
      try {
        await client.send(new DeleteParameterCommand({ Name: name }));
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    },
  };
}

export function makeHandler(
  dependencies: () => { api: BedrockLoggingApi; state: StateStore } = () => ({
    api: sdkApi(),
    state: ssmState(),
  }),
  put?: PutResponse,
) {
  return async (event: CloudFormationCustomResourceEvent) =>
    runCustomResource(
      event,
      async (e) => {
        const { api, state } = dependencies();
        return loggingWork(api, state)(e);
      },
      put,
    );
}

export const handler = makeHandler();
