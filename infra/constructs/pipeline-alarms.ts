import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { DeployConfig } from '../../schemas/config.ts';
import { type AlarmSpec, alarmSpecs, METRICS_NAMESPACE, SERVICE_NAME } from '../defaults.ts';

export interface MonitoredStream {
  /** Used in construct ids and alarm names: `Logs`, `Metrics`. */
  readonly label: string;
  readonly deliveryStreamName: string;
  readonly processor: IFunction;
}

export interface PipelineAlarmsProps {
  /** Prefix of every alarm name (the stack name). */
  readonly namePrefix: string;
  readonly streams: readonly MonitoredStream[];
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

/**
 * Alarms on the pipeline itself. Metric names are from "Monitoring Kinesis Data Firehose Using CloudWatch
 * Metrics" (awsdocs firehose developer guide, monitoring-with-cloudwatch-metrics.md: HTTP endpoint delivery,
 * data transformation, backup sections) and the Lambda and EMF metrics of the processors.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.topic = this.notificationTopic(props);
    const specs = alarmSpecs(props.alarms);

    for (const { label, deliveryStreamName, processor } of props.streams) {
      const firehoseMetric = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Firehose',
          metricName,
          dimensionsMap: { DeliveryStreamName: deliveryStreamName },
          statistic,
          period: PERIOD,
        });
      // [construct id suffix, alarm name suffix, threshold spec, metric]
      const alarms: [string, string, AlarmSpec, cloudwatch.IMetric][] = [
        [
          'DeliverySuccess',
          'delivery-success',
          specs.deliverySuccess,
          firehoseMetric('DeliveryToHttpEndpoint.Success', 'Average'),
        ],
        [
          'DataFreshness',
          'data-freshness',
          specs.dataFreshness,
          firehoseMetric('DeliveryToHttpEndpoint.DataFreshness', 'Maximum'),
        ],
        [
          'ProcessingSuccess',
          'processing-success',
          specs.processingSuccess,
          firehoseMetric('ExecuteProcessing.Success', 'Average'),
        ],
        [
          'ProcessorErrors',
          'processor-errors',
          specs.errors,
          processor.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        ],
        [
          'ProcessorThrottles',
          'processor-throttles',
          specs.throttles,
          processor.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        ],
        // The docs name two metrics for bytes written to the backup bucket, depending on destination and
        // backup mode (BackupToS3.Bytes, DeliveryToS3.Bytes), and list neither for failed-only HTTP backups;
        // alarm on their sum so that whichever Firehose emits counts.
        [
          'BackupBytes',
          'backup-bytes',
          specs.backupBytes,
          new cloudwatch.MathExpression({
            expression: 'FILL(backup, 0) + FILL(s3, 0)',
            usingMetrics: {
              backup: firehoseMetric('BackupToS3.Bytes', 'Sum'),
              s3: firehoseMetric('DeliveryToS3.Bytes', 'Sum'),
            },
            label: 'Bytes written to the backup bucket',
            period: PERIOD,
          }),
        ],
      ];
      for (const [id, name, spec, metric] of alarms) {
        this.add(`${label}${id}`, `${props.namePrefix}-${label.toLowerCase()}-${name}`, spec, metric);
      }
    }

    // Emitted by both processors with the Powertools default dimension service=bedrock-o2.
    this.add(
      'RecordsFailed',
      `${props.namePrefix}-records-failed`,
      specs.recordsFailed,
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'RecordsFailed',
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period: PERIOD,
      }),
    );
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

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so use our own key and let
    // CloudWatch use it.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'bedrock-o2 alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'bedrock-o2 pipeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addSubscription(new EmailSubscription(props.alarms.email));
    return topic;
  }
}
