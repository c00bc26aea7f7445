import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { DeployConfig } from '../../schemas/config.ts';
import {
  type AlarmKey,
  type AlarmSpec,
  alarmSpecs,
  type BedrockLogDestinations,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../defaults.ts';

export interface MonitoredStream {
  /** Used in construct ids and alarm names: `Logs`, `Metrics`. */
  readonly label: string;
  readonly deliveryStreamName: string;
  readonly processor: IFunction;
  /** `FilterId` of the backup bucket's request-metrics filter on this stream's error prefix. */
  readonly backupErrorsFilterId: string;
}

export interface PipelineAlarmsProps {
  /** Prefix of every alarm name (the stack name). */
  readonly namePrefix: string;
  readonly streams: readonly MonitoredStream[];
  readonly backupBucketName: string;
  /**
   * Name of the subscription filters that feed the logs stream (the same on every log group).
   * @default - none (a region that reads Bedrock's logs from S3 only)
   */
  readonly subscriptionFilterName?: string;
  /**
   * The metric stream feeding the metrics stream.
   * @default - none
   */
  readonly metricStreamName?: string;
  /**
   * Where Bedrock delivers this region's invocation logs (and large bodies): each destination has its own
   * failure metric, and Bedrock emits only the one for a destination it is configured to use.
   */
  readonly bedrockLogDestinations: BedrockLogDestinations;
  readonly alarms: DeployConfig['alarms'];
  /**
   * Existing topic for notifications (same region).
   * @default - a topic is created when `alarms.email` is set, otherwise alarms have no action
   */
  readonly topicArn?: string;
}

const PERIOD = Duration.minutes(5);
const MISSING_DATA = {
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  breaching: cloudwatch.TreatMissingData.BREACHING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
  missing: cloudwatch.TreatMissingData.MISSING,
} as const;

const sum = (namespace: string, metricName: string, dimensionsMap: Record<string, string> = {}) =>
  new cloudwatch.Metric({ namespace, metricName, dimensionsMap, statistic: 'Sum', period: PERIOD });

/**
 * Alarms on the pipeline and on what feeds it, each on a metric AWS documents for this destination and mode:
 * - Firehose, "Monitoring with CloudWatch metrics" (firehose developer guide): DeliveryToHttpEndpoint.Success
 *   and .DataFreshness (HTTP endpoint delivery), ExecuteProcessing.Success (data transformation),
 *   ThrottledRecords (data ingestion through Direct PUT, which both streams use); the Lambda and EMF metrics
 *   of the processors.
 * - Failed data in the backup bucket: S3 request metrics (`AWS/S3` `PutRequests`, dimensions BucketName and
 *   FilterId, "Amazon S3 request metrics in CloudWatch") on each stream's error prefix. Firehose documents
 *   BackupToS3.* only for "back up all data", not for the failed-only backup of an HTTP endpoint, and its error
 *   log group records failed attempts rather than what reached the bucket; a PUT under errors/ is exactly
 *   "a failed record was backed up". S3 delivers request metrics on a best-effort basis, which is good enough
 *   for an alarm that the success alarms back up.
 * - Sources: `AWS/Logs` DeliveryErrors and DeliveryThrottling (subscription filters; dimensions LogGroupName,
 *   DestinationType, FilterName), `AWS/CloudWatch/MetricStreams` PublishErrorRate (dimension MetricStreamName),
 *   and `AWS/Bedrock` ModelInvocationLogsCloudWatchDeliveryFailure (regions reading log groups),
 *   ModelInvocationLogsS3DeliveryFailure (regions reading Bedrock's S3 logs) and
 *   ModelInvocationLargeDataS3DeliveryFailure (regions whose CloudWatch Logs destination offloads large bodies to
 *   a bucket), all published "across all model IDs", i.e. without dimensions: "Model invocation logging
 *   CloudWatch metrics", https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html#br-cloudwatch-metrics
 *   (formerly on .../monitoring.html). AWS names the large-data metric after
 *   `cloudWatchConfig.largeDataDeliveryS3Config` and does not say which metric counts a failed offload under data/
 *   of an S3-only destination, so an S3-only region gets no large-data alarm.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.topic = this.notificationTopic(props);
    const specs = alarmSpecs(props.alarms);
    const name = (suffix: string) => `${props.namePrefix}-${suffix}`;

    for (const { label, deliveryStreamName, processor, backupErrorsFilterId } of props.streams) {
      const firehoseMetric = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Firehose',
          metricName,
          dimensionsMap: { DeliveryStreamName: deliveryStreamName },
          statistic,
          period: PERIOD,
        });
      // [construct id suffix, alarm name suffix, spec key, metric]
      const alarms: [string, string, AlarmKey, cloudwatch.IMetric][] = [
        [
          'DeliverySuccess',
          'delivery-success',
          'deliverySuccess',
          firehoseMetric('DeliveryToHttpEndpoint.Success', 'Average'),
        ],
        [
          'DataFreshness',
          'data-freshness',
          'dataFreshness',
          firehoseMetric('DeliveryToHttpEndpoint.DataFreshness', 'Maximum'),
        ],
        [
          'ProcessingSuccess',
          'processing-success',
          'processingSuccess',
          firehoseMetric('ExecuteProcessing.Success', 'Average'),
        ],
        [
          'ProcessorErrors',
          'processor-errors',
          'errors',
          processor.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        ],
        [
          'ProcessorThrottles',
          'processor-throttles',
          'throttles',
          processor.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        ],
        [
          'ThrottledRecords',
          'throttled-records',
          'throttledRecords',
          firehoseMetric('ThrottledRecords', 'Sum'),
        ],
        [
          'BackupWrites',
          'backup-writes',
          'backupWrites',
          sum('AWS/S3', 'PutRequests', {
            BucketName: props.backupBucketName,
            FilterId: backupErrorsFilterId,
          }),
        ],
      ];
      for (const [id, suffix, key, metric] of alarms) {
        this.add(`${label}${id}`, name(`${label.toLowerCase()}-${suffix}`), specs[key], metric);
      }
    }

    // Emitted by both processors with the Powertools default dimension service=bedrock-o2.
    this.add(
      'RecordsFailed',
      name('records-failed'),
      specs.recordsFailed,
      sum(METRICS_NAMESPACE, 'RecordsFailed', { service: SERVICE_NAME }),
    );

    // AWS documents the DestinationType dimension but not the value CloudWatch Logs gives a Firehose
    // destination, and an alarm on a plain metric must name every dimension value. A Metrics Insights query
    // over the documented schema, filtered by our filter name (unique to this stack), needs neither, and one
    // alarm covers every subscribed log group. A region without log groups has no filter to watch.
    const filterName = props.subscriptionFilterName;
    if (filterName !== undefined) {
      const subscriptionQuery = (metricName: string) =>
        new cloudwatch.MathExpression({
          expression:
            `SELECT SUM(${metricName}) FROM SCHEMA("AWS/Logs", DestinationType, FilterName, LogGroupName) ` +
            `WHERE FilterName = '${filterName}'`,
          usingMetrics: {},
          label: `${metricName} of ${filterName}`,
          period: PERIOD,
        });
      this.add(
        'SubscriptionDeliveryErrors',
        name('subscription-delivery-errors'),
        specs.subscriptionDeliveryErrors,
        subscriptionQuery('DeliveryErrors'),
      );
      this.add(
        'SubscriptionDeliveryThrottling',
        name('subscription-delivery-throttling'),
        specs.subscriptionDeliveryThrottling,
        subscriptionQuery('DeliveryThrottling'),
      );
    }

    if (props.metricStreamName !== undefined) {
      this.add(
        'MetricStreamPublishErrors',
        name('metric-stream-publish-errors'),
        specs.metricStreamPublishErrors,
        new cloudwatch.Metric({
          namespace: 'AWS/CloudWatch/MetricStreams',
          metricName: 'PublishErrorRate',
          dimensionsMap: { MetricStreamName: props.metricStreamName },
          statistic: 'Average',
          period: PERIOD,
        }),
      );
    }

    if (props.bedrockLogDestinations.cloudWatch) {
      this.add(
        'BedrockLogDeliveryFailures',
        name('bedrock-log-delivery-failures'),
        specs.bedrockLogDeliveryFailures,
        sum('AWS/Bedrock', 'ModelInvocationLogsCloudWatchDeliveryFailure'),
      );
    }
    if (props.bedrockLogDestinations.s3) {
      this.add(
        'BedrockS3LogDeliveryFailures',
        name('bedrock-s3-log-delivery-failures'),
        specs.bedrockS3LogDeliveryFailures,
        sum('AWS/Bedrock', 'ModelInvocationLogsS3DeliveryFailure'),
      );
    }
    if (props.bedrockLogDestinations.largeDataS3) {
      this.add(
        'BedrockLargeDataDeliveryFailures',
        name('bedrock-large-data-delivery-failures'),
        specs.bedrockLargeDataDeliveryFailures,
        sum('AWS/Bedrock', 'ModelInvocationLargeDataS3DeliveryFailure'),
      );
    }
  }

  private add(id: string, alarmName: string, spec: AlarmSpec, metric: cloudwatch.IMetric): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName,
      alarmDescription: spec.description,
      metric,
      threshold: spec.threshold,
      comparisonOperator:
        cloudwatch.ComparisonOperator[
          spec.comparison === 'LessThanThreshold' ? 'LESS_THAN_THRESHOLD' : 'GREATER_THAN_THRESHOLD'
        ],
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: MISSING_DATA[spec.missingData],
    });
    if (this.topic) {
      const action = new SnsAction(this.topic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
  }

  private notificationTopic(props: PipelineAlarmsProps): sns.ITopic | undefined {
    if (props.topicArn !== undefined) return sns.Topic.fromTopicArn(this, 'Topic', props.topicArn);
    if (props.alarms.email === undefined) return undefined;

    const stack = Stack.of(this);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key (its key policy cannot be
    // changed), so use our own key and let CloudWatch use it: kms:Decrypt and kms:GenerateDataKey*, in the form
    // AWS documents for CloudWatch alarms and encrypted topics (no condition keys; whether the KMS request
    // carries aws:SourceAccount is not documented, and a wrong guess would silently drop every notification).
    // The key serves this topic only, and the topic policy below limits who may publish.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'bedrock-o2 alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'bedrock-o2 pipeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL makes CDK create a topic policy holding only the TLS deny, and a topic policy replaces the
    // default one, which is what let CloudWatch publish: without this statement no alarm is ever delivered.
    // Limited to alarms of this account whose names carry this stack's prefix (confused-deputy protection).
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${props.namePrefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    topic.addSubscription(new EmailSubscription(props.alarms.email));
    return topic;
  }
}
