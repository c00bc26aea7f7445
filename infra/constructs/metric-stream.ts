import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { Construct } from 'constructs';
import { METRIC_STREAM_STATISTICS } from '../defaults.ts';

export interface BedrockMetricStreamProps {
  /** Metric stream name. */
  readonly name: string;
  /** The metrics delivery stream. */
  readonly deliveryStream: IDeliveryStream;
}

/**
 * CloudWatch Metric Stream of the whole `AWS/Bedrock` namespace in JSON. No metric-name filter, so metrics
 * Bedrock adds later (TimeToFirstToken, EstimatedTPMQuotaUsage, …) flow without a change here; percentiles
 * are added for the two latency metrics (one billed update per metric for up to five extra statistics).
 * There is no L2 for metric streams in aws-cdk-lib.
 */
export class BedrockMetricStream extends Construct {
  readonly metricStream: cloudwatch.CfnMetricStream;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BedrockMetricStreamProps) {
    super(scope, id);

    // The trust policy CloudWatch documents for metric streams (CloudWatch-metric-streams-trustpolicy):
    // no condition keys are documented for this principal, and the role can only write to one stream.
    this.role = new iam.Role(this, 'Role', {
      description: 'CloudWatch Metric Streams puts AWS/Bedrock datapoints into the metrics Firehose stream',
      assumedBy: new iam.ServicePrincipal('streams.metrics.cloudwatch.amazonaws.com'),
    });
    const grant = props.deliveryStream.grantPutRecords(this.role);

    const { namespace, additionalStatistics, metricNames } = METRIC_STREAM_STATISTICS;
    this.metricStream = new cloudwatch.CfnMetricStream(this, 'Resource', {
      name: props.name,
      firehoseArn: props.deliveryStream.deliveryStreamArn,
      roleArn: this.role.roleArn,
      outputFormat: 'json',
      includeFilters: [{ namespace }],
      statisticsConfigurations: [
        {
          additionalStatistics: [...additionalStatistics],
          includeMetrics: metricNames.map((metricName) => ({ namespace, metricName })),
        },
      ],
    });
    grant.applyBefore(this.metricStream);
  }
}
