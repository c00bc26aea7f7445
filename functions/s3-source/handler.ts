import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { boundedRequests } from '../transform/bounded-requests.ts';
import type { SourceCounts, SourceLogger } from './process-queue.ts';
import { createS3SourceHandler } from './source.ts';

/**
 * Lambda entry of the S3 source: SQS messages announcing new Bedrock log objects → their lines into the logs
 * delivery stream (DELIVERY_STREAM_NAME), where the transform makes the same rows as for CloudWatch Logs.
 * Answers with SQS partial batch failures (the event source mapping has ReportBatchItemFailures on).
 */

const serviceName = process.env['POWERTOOLS_SERVICE_NAME'] ?? 'bedrock-o2';
const logger = new Logger({ serviceName, persistentKeys: { source: 's3' } });
const metrics = new Metrics({
  namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] ?? 'BedrockO2',
  serviceName,
});

/** Self-metrics of the S3 source (namespace BedrockO2, dimension service), one EMF document per invocation. */
function publish(counts: SourceCounts): void {
  logger.info('batch', { ...counts });
  metrics.addMetric('S3ObjectsRead', MetricUnit.Count, counts.objectsRead);
  metrics.addMetric('S3ObjectsFailed', MetricUnit.Count, counts.objectsFailed);
  metrics.addMetric('S3LinesForwarded', MetricUnit.Count, counts.linesForwarded);
  metrics.addMetric('S3LinesNotForwarded', MetricUnit.Count, counts.linesNotForwarded);
  metrics.addMetric('S3RecordsPut', MetricUnit.Count, counts.recordsPut);
  metrics.addMetric('S3MessagesRequeued', MetricUnit.Count, counts.messagesRequeued);
  metrics.publishStoredMetrics();
}

const structuredLogger: SourceLogger = {
  info: (message, extra) => logger.info(message, extra ?? {}),
  warn: (message, extra) => logger.warn(message, extra ?? {}),
  error: (message, extra) => logger.error(message, extra ?? {}),
};

const streamName = process.env['DELIVERY_STREAM_NAME'] ?? '';
const queueUrl = process.env['QUEUE_URL'];

const forward = createS3SourceHandler({
  // The headers of a GetObject within 10 s (the body is streamed into records as it comes).
  s3: new S3Client({ maxAttempts: 3, requestHandler: boundedRequests(3_000, 10_000) }),
  // Bounded calls, so a stuck connection cannot eat the invocation: the SDK retries a failed call itself.
  firehose: new FirehoseClient({
    maxAttempts: 3,
    requestHandler: boundedRequests(3_000, 5_000),
  }),
  streamName,
  logger: structuredLogger,
  countsDone: publish,
  ...(queueUrl === undefined || queueUrl === ''
    ? {}
    : {
        queue: {
          sqs: new SQSClient({
            maxAttempts: 3,
            requestHandler: boundedRequests(3_000, 5_000),
          }),
          url: queueUrl,
        },
      }),
});

export const handler: typeof forward = (event, context) => {
  // The stack always sets it; without it every message would fail, so say why once per invocation.
  if (streamName === '') throw new Error('DELIVERY_STREAM_NAME is not set');
  return forward(event, context);
};
