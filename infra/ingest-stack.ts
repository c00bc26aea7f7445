import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { bedrockLogRegionPrefix } from '../functions/s3-source/log-object.ts';
import { type DeployConfig, type RegionDeployment, stackNameOf } from '../schemas/config.ts';
import { BackupBucket } from './constructs/backup-bucket.ts';
import { BedrockInvocationLogging } from './constructs/bedrock-invocation-logging.ts';
import { BundledFunction, projectPath } from './constructs/bundled-function.ts';
import { OpenObserveDeliveryStream } from './constructs/delivery-stream.ts';
import { LogSubscriptions } from './constructs/log-subscriptions.ts';
import { BedrockMetricStream } from './constructs/metric-stream.ts';
import { type MonitoredStream, PipelineAlarms } from './constructs/pipeline-alarms.ts';
import { S3LogSource } from './constructs/s3-log-source.ts';
import {
  backupErrorsFilterId,
  backupPrefixes,
  bedrockLogDestinations,
  DEFAULT_CREATED_LOG_GROUP_RETENTION_DAYS,
  endpointUrl,
  httpDeliverySettings,
  hydrationFor,
  logsProcessorEnvironment,
  metricsProcessorEnvironment,
  processorParameters,
  processorTimeoutSeconds,
  type StreamKind,
  subscriptionFilterName,
  transformConfigFor,
} from './defaults.ts';
import { acknowledgeNag, acknowledgeWildcardResources } from './nag.ts';

/** Lambda entry points of the two processors (repository-relative). */
export const PROCESSOR_ENTRIES = {
  logs: 'functions/transform/handler.ts',
  metrics: 'functions/transform/metrics-handler.ts',
} as const;

export interface IngestStackProps extends StackProps {
  readonly config: DeployConfig;
  /** The regions[] entry this stack deploys. */
  readonly deployment: RegionDeployment;
}

/** What the two delivery streams share. */
interface SharedDelivery {
  readonly secret: secretsmanager.ISecret;
  readonly backup: BackupBucket;
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The whole pipeline for one account and region. Composes the constructs; resource details live in them and
 * in `defaults.ts`. Nothing refers to another region's stack.
 */
export class IngestStack extends Stack {
  private readonly config: DeployConfig;
  private readonly deployment: RegionDeployment;
  /** Where in the config this stack comes from, for error messages. */
  private readonly where: string;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    this.config = props.config;
    this.deployment = props.deployment;
    this.where = `regions[${props.config.regions.indexOf(props.deployment)}] (${props.deployment.region})`;
    const { config } = this;

    const shared: SharedDelivery = {
      secret: this.apiKeySecret(),
      backup: new BackupBucket(this, 'Backup', {
        expireAfterDays: config.backup.expireAfterDays,
        versioned: config.backup.versioned,
        requestMetrics: (['logs', 'metrics'] as const).map((kind) => ({
          id: backupErrorsFilterId(kind),
          prefix: backupPrefixes(kind).errorRoot,
        })),
        ...(config.backup.infrequentAccessAfterDays !== undefined && {
          infrequentAccessAfterDays: config.backup.infrequentAccessAfterDays,
        }),
      }),
      timeout: Duration.seconds(processorTimeoutSeconds(config.lambda)),
      logRetention: config.lambda.logRetentionDays as logs.RetentionDays,
    };

    const monitored = [this.logsPipeline(shared)];
    if (this.deployment.metricStream) monitored.push(this.metricsPipeline(shared));
    let alarms: PipelineAlarms | undefined;
    if (config.alarms.enabled) {
      alarms = new PipelineAlarms(this, 'Alarms', {
        namePrefix: this.stackName,
        streams: monitored,
        backupBucketName: shared.backup.bucket.bucketName,
        ...(this.deployment.logGroups.length > 0 && {
          subscriptionFilterName: subscriptionFilterName(this.stackName),
        }),
        ...(this.deployment.metricStream && { metricStreamName: config.firehose.metricsStreamName }),
        bedrockLogDestinations: bedrockLogDestinations(this.deployment),
        alarms: config.alarms,
        ...(this.deployment.alarmTopicArn !== undefined && { topicArn: this.deployment.alarmTopicArn }),
      });
      if (alarms.topic) new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
    }
    if (this.deployment.s3Logs !== undefined) this.s3Source(this.deployment.s3Logs, shared, alarms);

    Tags.of(this).add('project', 'bedrock-o2');
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);
    new CfnOutput(this, 'BackupBucketName', {
      value: shared.backup.bucket.bucketName,
      description: 'Failed records: errors/{processing-failed,http-endpoint-failed}/yyyy/MM/dd/HH/ (logs)',
    });
    new CfnOutput(this, 'SecretArn', {
      value: shared.secret.secretArn,
      description: 'Put {"api_key": "<base64 of email:token>"} here',
    });
  }

  /** Subscription filters -> Firehose -> logs processor -> OpenObserve invocations stream (+ Bedrock logging). */
  private logsPipeline(shared: SharedDelivery): MonitoredStream {
    const { config, deployment } = this;
    const streamName = config.firehose.logsStreamName;
    const processor = new BundledFunction(this, 'LogsProcessor', {
      entry: projectPath(PROCESSOR_ENTRIES.logs),
      description: 'bedrock-o2: Bedrock invocation logs -> OpenObserve rows (Firehose processor)',
      memorySize: config.lambda.memoryMiB,
      timeout: shared.timeout,
      environment: logsProcessorEnvironment(transformConfigFor(config, deployment, streamName), this.where),
      logRetention: shared.logRetention,
    });
    // Re-ingest of records whose output would overflow the 6 MB response: granted on the name-built ARN,
    // because the stream's own ARN would make function and stream depend on each other.
    processor.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecordBatch'],
        resources: [
          this.formatArn({ service: 'firehose', resource: 'deliverystream', resourceName: streamName }),
        ],
      }),
    );
    this.grantHydration(processor);
    const delivery = this.deliveryStream('LogsDelivery', streamName, config.openobserve.invocationsStream, {
      shared,
      processor: processor.function,
      kind: 'logs',
    });

    new CfnOutput(this, 'LogsStreamName', { value: streamName });
    const result: MonitoredStream = {
      label: 'Logs',
      deliveryStreamName: streamName,
      processor: processor.function,
      backupErrorsFilterId: backupErrorsFilterId('logs'),
    };
    // An S3-only region has no log group to subscribe.
    if (deployment.logGroups.length === 0) return result;
    const subscriptions = new LogSubscriptions(this, 'Subscriptions', {
      deliveryStream: delivery.stream,
      filterName: subscriptionFilterName(this.stackName),
      logRetention: shared.logRetention,
      logGroups: deployment.logGroups.map((group) => ({
        name: group.name,
        create: group.create,
        retention: (group.retentionDays ?? DEFAULT_CREATED_LOG_GROUP_RETENTION_DAYS) as logs.RetentionDays,
      })),
    });
    if (deployment.bedrockLogging.manage) this.bedrockLogging(subscriptions, shared.logRetention);
    return result;
  }

  /**
   * hydrateLargeBodies: the logs processor may read offloaded bodies under each allowed location's Bedrock
   * prefix for this account and region (and decrypt them through S3 with a configured key). Nothing when off.
   */
  private grantHydration(processor: BundledFunction): void {
    const { locations, kmsKeyArns } = hydrationFor(this.deployment);
    if (locations.length === 0) return;
    const objects = locations.map(
      (location) =>
        `arn:${this.partition}:s3:::${location.bucketName}/${bedrockLogRegionPrefix(location.prefix, location.accountId, location.region)}*`,
    );
    processor.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
    acknowledgeWildcardResources(
      processor.role,
      objects,
      "Bedrock names each offloaded body itself; s3:GetObject only, only under this account and region's Bedrock log prefix (hydrateLargeBodies).",
    );
    if (kmsKeyArns.length > 0) {
      processor.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [...kmsKeyArns],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } },
        }),
      );
    }
  }

  /** New Bedrock log objects in S3 -> queue -> S3 source Lambda -> the logs delivery stream. */
  private s3Source(
    s3Logs: NonNullable<RegionDeployment['s3Logs']>,
    shared: SharedDelivery,
    alarms: PipelineAlarms | undefined,
  ): void {
    const source = new S3LogSource(this, 'S3Source', {
      bucketName: s3Logs.bucketName,
      prefix: s3Logs.prefix,
      kmsKeyArn: s3Logs.kmsKeyArn,
      deliveryStreamName: this.config.firehose.logsStreamName,
      logRetention: shared.logRetention,
      alarmNamePrefix: this.stackName,
      alarms: alarms !== undefined,
      alarmTopic: alarms?.topic,
    });
    new CfnOutput(this, 'S3SourceDeadLetterQueueUrl', {
      value: source.deadLetterQueue.queueUrl,
      description: 'Messages of Bedrock log objects the S3 source could not forward (redrive after a fix)',
    });
  }

  /** Metric stream -> Firehose -> metrics processor -> OpenObserve metrics stream. */
  private metricsPipeline(shared: SharedDelivery): MonitoredStream {
    const { config } = this;
    const streamName = config.firehose.metricsStreamName;
    const processor = new BundledFunction(this, 'MetricsProcessor', {
      entry: projectPath(PROCESSOR_ENTRIES.metrics),
      description: 'bedrock-o2: AWS/Bedrock metric stream -> OpenObserve (Firehose processor)',
      memorySize: config.lambda.metricsMemoryMiB,
      timeout: shared.timeout,
      environment: metricsProcessorEnvironment(this.where),
      logRetention: shared.logRetention,
    });
    const delivery = this.deliveryStream('MetricsDelivery', streamName, config.openobserve.metricsStream, {
      shared,
      processor: processor.function,
      kind: 'metrics',
    });
    new BedrockMetricStream(this, 'MetricStream', { name: streamName, deliveryStream: delivery.stream });

    new CfnOutput(this, 'MetricsStreamName', { value: streamName });
    return {
      label: 'Metrics',
      deliveryStreamName: streamName,
      processor: processor.function,
      backupErrorsFilterId: backupErrorsFilterId('metrics'),
    };
  }

  private deliveryStream(
    id: string,
    deliveryStreamName: string,
    openObserveStream: string,
    { shared, processor, kind }: { shared: SharedDelivery; processor: IFunction; kind: StreamKind },
  ): OpenObserveDeliveryStream {
    const { config } = this;
    return new OpenObserveDeliveryStream(this, id, {
      deliveryStreamName,
      url: endpointUrl(config.openobserve.url, config.openobserve.organisation, openObserveStream),
      secret: shared.secret,
      processor,
      processorParameters: processorParameters(config.firehose),
      http: httpDeliverySettings(config.firehose),
      backupBucket: shared.backup.bucket,
      backupPrefixes: backupPrefixes(kind),
      errorLogRetention: config.firehose.errorLogRetentionDays as logs.RetentionDays,
    });
  }

  /** The opt-in account+region Bedrock invocation-logging configuration. */
  private bedrockLogging(subscriptions: LogSubscriptions, logRetention: logs.RetentionDays): void {
    const { bedrockLogging, logGroups } = this.deployment;
    // The schema guarantees at least one log group and that logGroupName is one of them.
    const target = bedrockLogging.logGroupName ?? logGroups[0]?.name;
    if (target === undefined) throw new Error(`${this.where}: bedrockLogging.manage needs a log group`);
    const created = subscriptions.createdLogGroups.get(target);
    new BedrockInvocationLogging(this, 'BedrockLogging', {
      logGroupName: target,
      ...(created && { dependsOn: created }),
      textDataDeliveryEnabled: bedrockLogging.textDataDeliveryEnabled,
      imageDataDeliveryEnabled: bedrockLogging.imageDataDeliveryEnabled,
      embeddingDataDeliveryEnabled: bedrockLogging.embeddingDataDeliveryEnabled,
      videoDataDeliveryEnabled: bedrockLogging.videoDataDeliveryEnabled,
      audioDataDeliveryEnabled: bedrockLogging.audioDataDeliveryEnabled,
      overwriteExisting: bedrockLogging.overwriteExisting,
      ...(bedrockLogging.largeDataBucketName !== undefined && {
        largeDataBucketName: bedrockLogging.largeDataBucketName,
      }),
      logRetention,
    });
  }

  /**
   * The OpenObserve key: an existing secret (per-region override first), or one created in this region that
   * the user fills. A created secret holds a random placeholder, never a real key.
   */
  private apiKeySecret(): secretsmanager.ISecret {
    const arn = this.deployment.secretArn ?? this.config.secret.arn;
    // Complete ARNs only (the schema checks), so the grant needs no `-??????` wildcard.
    if (arn !== undefined) return secretsmanager.Secret.fromSecretCompleteArn(this, 'ApiKey', arn);
    const secret = new secretsmanager.Secret(this, 'ApiKey', {
      secretName: this.config.secret.name,
      description:
        'bedrock-o2: OpenObserve ingestion key for Firehose. Replace the value with {"api_key": "<base64 of email:token>"}.',
      // The value is the user's OpenObserve key once they put it in: deleting or replacing the stack must not
      // destroy it. RetainExceptOnCreate still deletes it when the first deploy rolls back (it holds only the
      // placeholder then), so the fixed name is free for the next attempt.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      // A random placeholder so the template never carries a key; Firehose gets 401s until it is replaced.
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'api_key',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    acknowledgeNag(
      secret,
      'AwsSolutions-SMG4',
      'The value is an OpenObserve token that only OpenObserve can issue; rotate it there and put the new value (docs/deploy.md). A rotation Lambda could not create one.',
    );
    // Type-only cast: see BackupBucket (exactOptionalPropertyTypes vs aws-cdk-lib interfaces).
    return secret as secretsmanager.ISecret;
  }
}

/** One IngestStack per regions[] entry, each with an explicit env. */
export function addIngestStacks(scope: Construct, config: DeployConfig): IngestStack[] {
  return config.regions.map(
    (deployment) =>
      new IngestStack(scope, stackNameOf(deployment), {
        config,
        deployment,
        env: { account: deployment.account, region: deployment.region },
        description: `bedrock-o2: Bedrock invocation logs and AWS/Bedrock metrics to OpenObserve (${deployment.region})`,
      }),
  );
}
