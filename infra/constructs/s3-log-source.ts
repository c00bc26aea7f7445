import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bedrockLogRegionPrefix } from '../../functions/s3-source/log-object.ts';
import { customResourceServiceTimeoutSeconds, METRICS_NAMESPACE, SERVICE_NAME } from '../defaults.ts';
import { acknowledgeWildcardResources } from '../nag.ts';
import { BundledFunction, projectPath } from './bundled-function.ts';

export const S3_SOURCE_ENTRY = 'functions/s3-source/handler.ts';
export const BUCKET_EVENTBRIDGE_ENTRY = 'infra/handlers/bucket-eventbridge.ts';

/** The S3 source's function timeout; the queue's visibility timeout is six times it (Lambda's advice). */
export const S3_SOURCE_TIMEOUT = Duration.minutes(3);
const NOTIFICATIONS_HANDLER_TIMEOUT = Duration.seconds(60);
/** Receives before a message moves to the dead-letter queue. */
export const S3_SOURCE_MAX_RECEIVES = 5;

export interface S3LogSourceProps {
  readonly bucketName: string;
  /** Bedrock's keyPrefix ('' for none). */
  readonly prefix: string;
  /** The logs delivery stream (same stack), by name: the grant is built from it. */
  readonly deliveryStreamName: string;
  readonly logRetention: logs.RetentionDays;
  /** The bucket's customer-managed key, if any. */
  readonly kmsKeyArn?: string | undefined;
  /** Prefix of alarm names (the stack name). */
  readonly alarmNamePrefix: string;
  /** Alarms on the dead-letter queue and unforwardable lines; off when alarms are disabled. */
  readonly alarms: boolean;
  readonly alarmTopic?: sns.ITopic | undefined;
}

/**
 * Live rows for Bedrock logs written to S3: the bucket's EventBridge "Object Created" events for this
 * region's log prefix → an SQS queue (dead-letter queue after S3_SOURCE_MAX_RECEIVES) → the S3 source
 * Lambda → the logs delivery stream, where the transform makes the rows.
 *
 * EventBridge rather than an S3 event notification: S3 refuses a second notification whose prefix overlaps
 * an existing one for the same event type, so on a bucket that already notifies (common for a shared log
 * bucket) ours could not be added; an EventBridge rule never conflicts. Turning on the bucket's EventBridge
 * delivery keeps every existing notification (infra/handlers/bucket-eventbridge.ts).
 */
export class S3LogSource extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: BundledFunction;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: S3LogSourceProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const regionPrefix = bedrockLogRegionPrefix(props.prefix, stack.account, stack.region);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(S3_SOURCE_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: S3_SOURCE_MAX_RECEIVES },
    });

    const notifications = this.eventBridgeNotifications(props);
    const rule = new events.Rule(this, 'ObjectCreated', {
      description: `bedrock-o2: new Bedrock log objects in s3://${props.bucketName}/${regionPrefix}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bucketName] },
          // Log batches end in .json.gz; offloaded bodies under data/ match too and are skipped unread.
          object: { key: events.Match.wildcard(`${regionPrefix}*.json.gz`) },
        },
      },
      targets: [new targets.SqsQueue(this.queue)],
    });
    rule.node.addDependency(notifications);

    this.function = new BundledFunction(this, 'Function', {
      entry: projectPath(S3_SOURCE_ENTRY),
      description: 'bedrock-o2: Bedrock invocation log objects in S3 -> the logs delivery stream',
      memorySize: 512,
      timeout: S3_SOURCE_TIMEOUT,
      environment: {
        DELIVERY_STREAM_NAME: props.deliveryStreamName,
        // Messages not started for lack of time are sent here again (process-queue.ts).
        QUEUE_URL: this.queue.queueUrl,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      logRetention: props.logRetention,
    });
    this.grantLeastPrivilege(props, regionPrefix);
    this.function.function.addEventSource(
      // A bounded number of concurrent copies: after an outage the backlog drains without bursting past the
      // stream's throughput quota (per region), whose throttled entries would only be put again.
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );

    if (props.alarms) this.addAlarms(props);
  }

  private grantLeastPrivilege(props: S3LogSourceProps, regionPrefix: string): void {
    const stack = Stack.of(this);
    const role = this.function.role;
    const objects = `arn:${stack.partition}:s3:::${props.bucketName}/${regionPrefix}*`;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    acknowledgeWildcardResources(
      role,
      [objects],
      "Bedrock names each log object itself; s3:GetObject only, and only under this account and region's Bedrock log prefix.",
    );
    // Messages not started for lack of time go back to this queue as new messages (SendMessageBatch is
    // authorised by sqs:SendMessage); the queue is SQS-managed encrypted, so no KMS permission.
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecordBatch'],
        resources: [
          stack.formatArn({
            service: 'firehose',
            resource: 'deliverystream',
            resourceName: props.deliveryStreamName,
          }),
        ],
      }),
    );
    if (props.kmsKeyArn !== undefined) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      );
    }
  }

  /** Turns on the bucket's EventBridge delivery, keeping its other notifications. */
  private eventBridgeNotifications(props: S3LogSourceProps): CustomResource {
    const stack = Stack.of(this);
    const handler = new BundledFunction(this, 'NotificationsFunction', {
      entry: projectPath(BUCKET_EVENTBRIDGE_ENTRY),
      description: "bedrock-o2: turns on S3 EventBridge notifications, keeping the bucket's others",
      timeout: NOTIFICATIONS_HANDLER_TIMEOUT,
      logRetention: props.logRetention,
    });
    handler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketNotification', 's3:PutBucketNotification'],
        resources: [`arn:${stack.partition}:s3:::${props.bucketName}`],
      }),
    );
    return new CustomResource(this, 'EventBridgeNotifications', {
      serviceToken: handler.function.functionArn,
      resourceType: 'Custom::BucketEventBridgeNotifications',
      serviceTimeout: Duration.seconds(
        customResourceServiceTimeoutSeconds(NOTIFICATIONS_HANDLER_TIMEOUT.toSeconds()),
      ),
      properties: { BucketName: props.bucketName },
    });
  }

  private addAlarms(props: S3LogSourceProps): void {
    const period = Duration.minutes(5);
    const deadLetters = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: `${props.alarmNamePrefix}-s3-source-dead-letters`,
      alarmDescription:
        'Bedrock log objects the S3 source could not forward after its retries are in the dead-letter queue ' +
        '(the log names bucket and key); fix the cause, then redrive the queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const linesNotForwarded = new cloudwatch.Alarm(this, 'LinesNotForwardedAlarm', {
      alarmName: `${props.alarmNamePrefix}-s3-source-lines-not-forwarded`,
      alarmDescription:
        'A line of a Bedrock log object was too large for any Firehose record and was not forwarded; the S3 ' +
        'source log names the object and line. The object stays in S3 (backfill can read it).',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'S3LinesNotForwarded',
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [deadLetters, linesNotForwarded]) {
      if (props.alarmTopic) {
        const action = new SnsAction(props.alarmTopic);
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      this.alarms.push(alarm);
    }
  }
}
