import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { boundedRequests } from '../bounded-requests.ts';
import type { PutRecordBatch } from './reingest.ts';

/**
 * The Firehose client for re-ingest. Retries and timeouts are the SDK's: standard retry mode (exponential
 * backoff with jitter; throttling, 5xx and network errors retried), a connection and a per-attempt timeout so
 * one stalled socket cannot eat the invocation; the caller's abort signal bounds the whole call. The SDK is
 * imported on first use only: it is needed only when a response would exceed 6 MB, and cold starts stay short.
 */
export const REINGEST_CLIENT_CONFIG = {
  maxAttempts: 3,
  retryMode: 'standard',
  requestHandler: boundedRequests(2_000, 10_000),
} as const;

export async function reingestClient(): Promise<FirehoseClient> {
  const { FirehoseClient } = await import('@aws-sdk/client-firehose');
  return new FirehoseClient(REINGEST_CLIENT_CONFIG);
}

/** PutRecordBatch through a client (the Lambda's from reingestClient, or one under aws-sdk-client-mock). */
export async function putRecordBatchWith(client: FirehoseClient): Promise<PutRecordBatch> {
  const { PutRecordBatchCommand } = await import('@aws-sdk/client-firehose');
  return (streamName, records, signal) =>
    client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: streamName,
        Records: records.map((Data) => ({ Data })),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
}

/** The client is created on the first call that needs it, then reused for the life of the container. */
export function lazyReingestPut(): PutRecordBatch {
  let put: Promise<PutRecordBatch> | undefined;
  return async (streamName, records, signal) => {
    put ??= reingestClient().then(putRecordBatchWith);
    return (await put)(streamName, records, signal);
  };
}
