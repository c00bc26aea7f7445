import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import type { PutRecordBatch } from './firehose/reingest.ts';
import { processLogsEvent } from './logs/process-logs.ts';
import { createNormaliser } from './row/normalise.ts';
import { loadTransformConfig } from './runtime-config.ts';
import { powertoolsTelemetry } from './telemetry/powertools.ts';

/**
 * Lambda entry for the logs delivery stream: a Firehose transformation event whose records are gzip'd
 * CloudWatch Logs envelopes of Bedrock invocation logs → gzip NDJSON rows (record-schema.md).
 * Configuration is validated here, once, at cold start: a bad BEDROCK_O2_CONFIG fails the init with the
 * offending path named; data problems never throw.
 */

const config = loadTransformConfig(process.env);
const telemetry = powertoolsTelemetry('logs');
const normaliser = createNormaliser(config, { onFailure: (error) => telemetry.normaliseFailed(error) });

// The Firehose client is loaded only when a response would exceed 6 MB, to keep cold starts short.
let putRecordBatch: PutRecordBatch | undefined;
const lazyPut: PutRecordBatch = async (streamName, records) => {
  if (putRecordBatch === undefined) {
    const { FirehoseClient, PutRecordBatchCommand } = await import('@aws-sdk/client-firehose');
    const client = new FirehoseClient({});
    putRecordBatch = (name, data) =>
      client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: name, Records: data.map((Data) => ({ Data })) }),
      );
  }
  return putRecordBatch(streamName, records);
};

export async function handler(event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> {
  const { response } = await processLogsEvent(event, {
    normaliser,
    telemetry,
    reingest: { put: lazyPut, streamName: config.reingestStreamName },
  });
  return response;
}
