import {
  ConfigError,
  type DeployConfig,
  type HydrationLocation,
  type RegionDeployment,
  type TransformConfigInput,
} from '../schemas/config.ts';

/**
 * Pure functions that turn the validated config into resource settings. No constructs here, so every rule
 * (URLs, prefixes, processor parameters, the Lambda environment, alarm thresholds) is unit-testable
 * without synthesizing a stack.
 */

/** Powertools service name: the `service` dimension of every self-metric. */
export const SERVICE_NAME = 'bedrock-o2';
/** EMF namespace of the Lambda's self-metrics (decisions.md). */
export const METRICS_NAMESPACE = 'BedrockO2';
/** Lambda rejects a function whose environment variables total more than 4 KB. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4 * 1024;
/** The log stream Bedrock writes every invocation log to, in the configured log group. */
export const BEDROCK_LOG_STREAM = 'aws/bedrock/modelinvocations';
/** Retention of a log group the stack creates when the config gives none. */
export const DEFAULT_CREATED_LOG_GROUP_RETENTION_DAYS = 30;

/**
 * How long CloudFormation waits for a custom resource's answer (its default is one hour, which a handler that
 * died without answering would cost every deploy). Lambda retries a failed asynchronous invocation twice, so
 * allow three full runs and a minute of margin, within CloudFormation's 1-3600 s range.
 */
export function customResourceServiceTimeoutSeconds(handlerTimeoutSeconds: number): number {
  return Math.min(3600, handlerTimeoutSeconds * 3 + 60);
}

/** OpenObserve's Firehose ingestion endpoint for one stream. */
export function endpointUrl(baseUrl: string, organisation: string, stream: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/aws/${organisation}/${stream}/_kinesis_firehose`;
}

/**
 * Subscription filter name: deterministic per stack, so the deploy-time guard can tell our filter from
 * the (at most two) filters other teams may already have on the log group.
 */
export function subscriptionFilterName(stackName: string): string {
  return `bedrock-o2-${stackName}`;
}

export type StreamKind = 'logs' | 'metrics';

export interface BackupPrefixes {
  /** Prefix for delivered data; unused because backup is failed-data-only, but Firehose requires one. */
  readonly data: string;
  /** Prefix for failures; `!{firehose:error-output-type}` becomes `processing-failed`, `http-endpoint-failed`, … */
  readonly errors: string;
  /** Key prefixes the stream's role may write under (the roots of `data` and `errors`). */
  readonly writableRoots: readonly string[];
  /** The fixed part of `errors`: S3 request metrics count the writes under it (the backup alarm). */
  readonly errorRoot: string;
}

const ERROR_PATH = '!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/';

/**
 * S3 key layout of the backup bucket. The logs stream keeps the `errors/<type>/yyyy/MM/dd/HH/` layout the
 * replay CLI reads (decisions.md); the metrics stream gets its own root, so a replay of `errors/` never
 * pushes metric datapoints into the invocations stream.
 */
export function backupPrefixes(kind: StreamKind): BackupPrefixes {
  if (kind === 'logs') {
    return {
      data: 'logs/!{timestamp:yyyy/MM/dd/HH}/',
      errors: `errors/${ERROR_PATH}`,
      writableRoots: ['logs/', 'errors/'],
      errorRoot: 'errors/',
    };
  }
  return {
    data: 'metrics/data/!{timestamp:yyyy/MM/dd/HH}/',
    errors: `metrics/errors/${ERROR_PATH}`,
    writableRoots: ['metrics/'],
    errorRoot: 'metrics/errors/',
  };
}

/** Id of the backup bucket's request-metrics filter on a stream's error prefix (the `FilterId` dimension). */
export function backupErrorsFilterId(kind: StreamKind): string {
  return `${kind}-errors`;
}

/** `ProcessingConfiguration` parameters of the Lambda processor, as Firehose wants them (strings). */
export interface ProcessorParameters {
  readonly BufferSizeInMBs: string;
  readonly BufferIntervalInSeconds: string;
  readonly NumberOfRetries: string;
}

/**
 * Always explicit: the CDK helper omits `NumberOfRetries: 0` (falsy), cannot express sub-MiB buffers, and its
 * README's "3 MiB" default disagrees with the AWS docs (1 MB). The buffer stays small because gunzip and
 * normalisation inflate a record several times and the Lambda response is capped at 6 MB.
 */
export function processorParameters(firehose: DeployConfig['firehose']): ProcessorParameters {
  assertRange('firehose.processorBufferMiB', firehose.processorBufferMiB, 0.2, 3);
  assertRange('firehose.processorIntervalSeconds', firehose.processorIntervalSeconds, 0, 900);
  assertRange('firehose.processorRetries', firehose.processorRetries, 0, 10);
  return {
    BufferSizeInMBs: String(firehose.processorBufferMiB),
    BufferIntervalInSeconds: String(firehose.processorIntervalSeconds),
    NumberOfRetries: String(firehose.processorRetries),
  };
}

export interface HttpDeliverySettings {
  readonly bufferMiB: number;
  readonly intervalSeconds: number;
  readonly retrySeconds: number;
}

/**
 * HTTP endpoint buffering and retries. Checked here as well as in the schema because CloudFormation's
 * schema (and the CDK helper) accept up to 128 MiB, while the HTTP endpoint API allows 64.
 */
export function httpDeliverySettings(firehose: DeployConfig['firehose']): HttpDeliverySettings {
  assertRange('firehose.httpBufferMiB', firehose.httpBufferMiB, 1, 64);
  assertRange('firehose.httpIntervalSeconds', firehose.httpIntervalSeconds, 0, 900);
  assertRange('firehose.retrySeconds', firehose.retrySeconds, 0, 7200);
  return {
    bufferMiB: firehose.httpBufferMiB,
    intervalSeconds: firehose.httpIntervalSeconds,
    retrySeconds: firehose.retrySeconds,
  };
}

/** Firehose waits at most 5 minutes for a processor invocation. */
export function processorTimeoutSeconds(lambda: DeployConfig['lambda']): number {
  assertRange('lambda.timeoutSeconds', lambda.timeoutSeconds, 1, 300);
  return lambda.timeoutSeconds;
}

function assertRange(path: string, value: number, min: number, max: number): void {
  if (!(value >= min && value <= max)) {
    throw new ConfigError(`${path}: ${value} is outside the service range ${min}-${max}`);
  }
}

/**
 * The Lambda's part of the config (validated again by the Lambda with TransformConfigSchema): the shared
 * transform settings, content settings of the log groups that set any, and the stream to re-ingest into.
 */
export function transformConfigFor(
  config: DeployConfig,
  region: RegionDeployment,
  reingestStreamName: string,
): TransformConfigInput {
  const logGroups: NonNullable<TransformConfigInput['logGroups']> = {};
  for (const group of region.logGroups) {
    const settings = {
      ...(group.contentMode !== undefined && { contentMode: group.contentMode }),
      ...(group.maxContentBytes !== undefined && { maxContentBytes: group.maxContentBytes }),
      ...(group.redact !== undefined && { redact: group.redact }),
    };
    if (Object.keys(settings).length > 0) logGroups[group.name] = settings;
  }
  const hydration = hydrationFor(region);
  return {
    ...config.transform,
    logGroups,
    reingestStreamName,
    ...(hydration.locations.length > 0 && { hydrateLargeBodies: { locations: [...hydration.locations] } }),
  };
}

/** Where the logs processor may read offloaded bodies (its allow-list), and the keys it may decrypt with. */
export interface Hydration {
  readonly locations: readonly HydrationLocation[];
  readonly kmsKeyArns: readonly string[];
}

/**
 * hydrateLargeBodies → the allow-list: the s3Logs bucket for logs read from S3, the large-data bucket for logs
 * from CloudWatch Logs (one location when both are the same bucket and prefix). Empty when hydration is off.
 */
export function hydrationFor(region: RegionDeployment): Hydration {
  const locations: HydrationLocation[] = [];
  const kmsKeyArns: string[] = [];
  const add = (
    bucketName: string,
    prefix: string,
    source: HydrationLocation['logSources'][number],
    kmsKeyArn: string | undefined,
  ) => {
    const same = locations.find((l) => l.bucketName === bucketName && l.prefix === prefix);
    if (same === undefined)
      locations.push({
        bucketName,
        prefix,
        accountId: region.account,
        region: region.region,
        logSources: [source],
      });
    else if (!same.logSources.includes(source)) same.logSources.push(source);
    if (kmsKeyArn !== undefined && !kmsKeyArns.includes(kmsKeyArn)) kmsKeyArns.push(kmsKeyArn);
  };
  const { s3Logs, hydrateLargeBodies, bedrockLogging } = region;
  if (s3Logs?.hydrateLargeBodies === true) add(s3Logs.bucketName, s3Logs.prefix, 's3', s3Logs.kmsKeyArn);
  if (typeof hydrateLargeBodies === 'object') {
    add(
      hydrateLargeBodies.bucketName,
      hydrateLargeBodies.prefix,
      'cloudwatch_logs',
      hydrateLargeBodies.kmsKeyArn,
    );
  } else if (hydrateLargeBodies && bedrockLogging.largeDataBucketName !== undefined) {
    // Bedrock's managed configuration sets no keyPrefix for the large-data bucket.
    add(bedrockLogging.largeDataBucketName, '', 'cloudwatch_logs', undefined);
  }
  return { locations, kmsKeyArns };
}

/** Environment of the logs processor; throws when it would exceed Lambda's 4 KB limit. */
export function logsProcessorEnvironment(
  transformConfig: TransformConfigInput,
  where: string,
): Record<string, string> {
  return checkedEnvironment(
    { ...baseEnvironment(), BEDROCK_O2_CONFIG: JSON.stringify(transformConfig) },
    where,
  );
}

/** Environment of the metrics processor (no transform settings: it has none to apply). */
export function metricsProcessorEnvironment(where: string): Record<string, string> {
  return checkedEnvironment(baseEnvironment(), where);
}

function baseEnvironment(): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/** Size as Lambda counts it: UTF-8 bytes of every key and value. */
export function environmentBytes(environment: Readonly<Record<string, string>>): number {
  return Object.entries(environment).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

function checkedEnvironment(environment: Record<string, string>, where: string): Record<string, string> {
  const bytes = environmentBytes(environment);
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new ConfigError(
      `${where}: the Lambda environment would be ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte ` +
        'limit; BEDROCK_O2_CONFIG carries transform.* and the content settings of regions[].logGroups, ' +
        'so shorten redact patterns, applicationProfiles or modelArns',
    );
  }
  return environment;
}

/** Extra statistics the metric stream adds (max, min, sum and count always come). */
export const METRIC_STREAM_STATISTICS = {
  namespace: 'AWS/Bedrock',
  additionalStatistics: ['p50', 'p90', 'p99'],
  metricNames: ['InvocationLatency', 'TimeToFirstToken'],
} as const;

export type AlarmComparison = 'LessThanThreshold' | 'GreaterThanThreshold';

/** One alarm on the pipeline, as data; `PipelineAlarms` renders it. */
export interface AlarmSpec {
  readonly description: string;
  readonly threshold: number;
  readonly comparison: AlarmComparison;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** CloudWatch `TreatMissingData`, chosen per alarm. */
  readonly missingData: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
}

/** The alarms, by key: per delivery stream, once per stack, and on the sources feeding the streams. */
export type AlarmKey =
  | 'deliverySuccess'
  | 'dataFreshness'
  | 'processingSuccess'
  | 'errors'
  | 'throttles'
  | 'throttledRecords'
  | 'backupWrites'
  | 'recordsFailed'
  | 'subscriptionDeliveryErrors'
  | 'subscriptionDeliveryThrottling'
  | 'metricStreamPublishErrors'
  | 'bedrockLogDeliveryFailures'
  | 'bedrockS3LogDeliveryFailures'
  | 'bedrockLargeDataDeliveryFailures';

/**
 * Thresholds of the pipeline alarms (5-minute periods). Each description says what failed and what to do;
 * each says what missing data means. For most, missing means "no traffic" or "no failure": these metrics
 * exist only while records flow or while something fails, and a quiet hour of Bedrock usage is not a fault
 * (an alarm on silence would need a known minimum traffic, which this project lacks).
 */
export function alarmSpecs(alarms: DeployConfig['alarms']): Record<AlarmKey, AlarmSpec> {
  const once = { evaluationPeriods: 1, datapointsToAlarm: 1 } as const;
  return {
    // One failed attempt is retried by Firehose; two bad periods out of three means OpenObserve keeps refusing.
    deliverySuccess: {
      description:
        'Firehose deliveries to OpenObserve are failing (DeliveryToHttpEndpoint.Success below 100%). Check the ' +
        'Firehose error log group (HttpEndpoint.* codes): OpenObserve down, a wrong key in the secret, TLS or ' +
        'port 443, or a payload over its limit. Failed batches land in the backup bucket; replay them afterwards.',
      threshold: 1,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // Missing: no delivery was attempted.
      missingData: 'notBreaching',
    },
    dataFreshness: {
      description:
        `The oldest record not yet delivered to OpenObserve is older than ${alarms.freshnessSeconds} s: ` +
        'delivery is falling behind or retrying. Check the delivery-success alarm and the Firehose error log group; ' +
        'data goes to the backup bucket when firehose.retrySeconds runs out.',
      threshold: alarms.freshnessSeconds,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: nothing is buffered.
      missingData: 'notBreaching',
    },
    processingSuccess: {
      description:
        'Firehose could not invoke the transformation Lambda (ExecuteProcessing.Success below 100%). Check the ' +
        "Firehose error log group (Lambda.* codes): the function's permissions, throttling or timeouts. Failed " +
        'batches land under processing-failed/ in the backup bucket.',
      threshold: 1,
      comparison: 'LessThanThreshold',
      ...once,
      // Missing: no batch was sent to the processor.
      missingData: 'notBreaching',
    },
    errors: {
      description:
        'The transformation Lambda failed (Errors > 0). Its log group has the error; Firehose retries, then backs ' +
        'the batch up under processing-failed/ in the backup bucket for replay.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: Lambda emits Errors on every invocation, so none means no invocation.
      missingData: 'notBreaching',
    },
    throttles: {
      description:
        'The transformation Lambda was throttled (Throttles > 0): account or function concurrency is exhausted. ' +
        'Raise the concurrency quota or reserve concurrency for the processor.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: Lambda emits Throttles on every invocation, so none means no invocation.
      missingData: 'notBreaching',
    },
    // The sources (CloudWatch Logs, the metric stream, re-ingest) retry throttled puts, so one throttled period
    // delays data; throttling in two periods out of three means the stream's quota is too small.
    throttledRecords: {
      description:
        'Firehose throttled records put into the stream (ThrottledRecords > 0): the Direct PUT quota (records, ' +
        'bytes or requests per second) is exhausted. Request a Firehose quota increase for this stream in this region.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // Missing: nothing was put into the stream.
      missingData: 'notBreaching',
    },
    backupWrites: {
      description:
        'Firehose wrote failed records to the backup bucket (S3 PutRequests under the error prefix > 0). Fix the ' +
        'cause named by the other alarms and the Firehose error log group, then replay the objects.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: S3 request metrics exist only for periods with requests; none is the normal case.
      missingData: 'notBreaching',
    },
    recordsFailed: {
      description:
        'The transformation Lambda returned ProcessingFailed records (BedrockO2 RecordsFailed > 0): input it could ' +
        'not decode. They are under errors/processing-failed/ in the backup bucket; its log group says why.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: the processor emits EMF per invocation, so none means no invocation.
      missingData: 'notBreaching',
    },
    subscriptionDeliveryErrors: {
      description:
        'CloudWatch Logs could not deliver Bedrock log events to the logs Firehose stream (AWS/Logs DeliveryErrors ' +
        '> 0). It drops events on AccessDenied or ResourceNotFound without retry, so they are lost to OpenObserve: ' +
        'check the subscription role and that the stream exists, then backfill from the log group.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: the metric exists only when delivery fails.
      missingData: 'notBreaching',
    },
    subscriptionDeliveryThrottling: {
      description:
        'Firehose throttled CloudWatch Logs delivering Bedrock log events (AWS/Logs DeliveryThrottling > 0 in 2 ' +
        'of 3 periods). CloudWatch Logs retries, so events arrive late; request a higher Firehose quota.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // Missing: the metric exists only when delivery is throttled.
      missingData: 'notBreaching',
    },
    metricStreamPublishErrors: {
      description:
        'The CloudWatch metric stream could not put AWS/Bedrock datapoints into the metrics Firehose stream ' +
        '(PublishErrorRate > 0). Check the metric stream role and the stream; those datapoints are not retried.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: the metric stream emits it only while running with updates to send; a quiet period is not a fault.
      missingData: 'notBreaching',
    },
    bedrockLogDeliveryFailures: {
      description:
        'Bedrock could not write invocation logs to CloudWatch Logs (ModelInvocationLogsCloudWatchDeliveryFailure ' +
        "> 0), so they never reach this pipeline. Check the logging configuration's role (trust and " +
        'logs:CreateLogStream/PutLogEvents on the log group) with aws bedrock get-model-invocation-logging-configuration.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: Bedrock emits it only when it tries to deliver logs; no Bedrock calls, no datapoints.
      missingData: 'notBreaching',
    },
    bedrockS3LogDeliveryFailures: {
      description:
        'Bedrock could not write invocation logs to the S3 bucket (ModelInvocationLogsS3DeliveryFailure > 0), so ' +
        'they never reach this pipeline. Check the bucket policy (bedrock.amazonaws.com may PutObject under the ' +
        'prefix, with aws:SourceAccount) and, for SSE-KMS, the key policy; see aws bedrock ' +
        'get-model-invocation-logging-configuration.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: Bedrock emits it only when it tries to deliver logs; no Bedrock calls, no datapoints.
      missingData: 'notBreaching',
    },
    bedrockLargeDataDeliveryFailures: {
      description:
        'Bedrock could not write a body over ~100 KB to the large-data bucket (ModelInvocationLargeDataS3DeliveryFailure ' +
        '> 0): the body is missing from its row and cannot be hydrated. Check ' +
        'the bucket exists in this account and region, that the logging role (or the bucket policy) lets Bedrock ' +
        'PutObject into it, and for SSE-KMS the key policy; see aws bedrock get-model-invocation-logging-configuration.',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      ...once,
      // Missing: Bedrock emits it only when it offloads a large body; no large bodies, no datapoints.
      missingData: 'notBreaching',
    },
  };
}

/**
 * Where Bedrock delivers this region's invocation logs, as far as the config tells: each destination has its own
 * failure metric, and Bedrock emits one only for a destination it is configured to use.
 * - cloudWatch: the region reads log groups.
 * - s3: the region reads Bedrock's S3 destination (s3Logs).
 * - largeDataS3: the CloudWatch Logs destination offloads large bodies to a bucket
 *   (`cloudWatchConfig.largeDataDeliveryS3Config`). The stack sets that itself with bedrockLogging.manage and
 *   largeDataBucketName; for a configuration managed elsewhere it cannot read it at synth, so it relies on the
 *   user naming the bucket (bedrockLogging.largeDataBucketName without manage, or hydrateLargeBodies as an object).
 */
export interface BedrockLogDestinations {
  readonly cloudWatch: boolean;
  readonly s3: boolean;
  readonly largeDataS3: boolean;
}

export function bedrockLogDestinations(region: RegionDeployment): BedrockLogDestinations {
  const cloudWatch = region.logGroups.length > 0;
  const largeDataBucketNamed =
    region.bedrockLogging.largeDataBucketName !== undefined || typeof region.hydrateLargeBodies === 'object';
  return { cloudWatch, s3: region.s3Logs !== undefined, largeDataS3: cloudWatch && largeDataBucketNamed };
}
