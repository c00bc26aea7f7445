import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { lazyReingestPut } from './firehose/reingest-client.ts';
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
const lazyPut = lazyReingestPut();

export async function handler(
  event: FirehoseTransformationEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<FirehoseTransformationResult> {
  const { response } = await processLogsEvent(event, {
    normaliser,
    telemetry,
    reingest: {
      put: lazyPut,
      streamName: config.reingestStreamName,
      options: { remainingTimeMs: () => context.getRemainingTimeInMillis() },
    },
  });
  return response;
}
