import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PutRecordBatch } from '../transform/firehose/reingest.ts';
import { processQueueEvent, type SourceCounts, type SourceDeps } from './process-queue.ts';
import type { ObjectRef } from './queue-message.ts';

/** The S3 source on real (or aws-sdk-client-mock'ed) S3 and Firehose clients; handler.ts makes the Lambda. */

/** Time kept free before the function's timeout: one PutRecordBatch with the client's retries fits in it. */
export const TIME_MARGIN_MS = 20_000;

export interface SourceClients {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly streamName: string;
  readonly logger: SourceDeps['logger'];
  readonly countsDone?: (counts: SourceCounts) => void;
  readonly reingest?: SourceDeps['reingest'];
}

export function createS3SourceHandler(
  clients: SourceClients,
): (event: SQSEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SQSBatchResponse> {
  const getObject = async (ref: ObjectRef): Promise<AsyncIterable<Uint8Array>> => {
    const response = await clients.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    const body = response.Body as unknown;
    if (body === undefined || body === null || !(Symbol.asyncIterator in (body as object))) {
      throw new Error('GetObject returned no readable body');
    }
    return body as AsyncIterable<Uint8Array>;
  };
  const put: PutRecordBatch = (streamName, records) =>
    clients.firehose.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: streamName,
        Records: records.map((Data) => ({ Data })),
      }),
    );
  const deps: SourceDeps = {
    getObject,
    put,
    streamName: clients.streamName,
    logger: clients.logger,
    timeMarginMs: TIME_MARGIN_MS,
    ...(clients.countsDone === undefined ? {} : { countsDone: clients.countsDone }),
    ...(clients.reingest === undefined ? {} : { reingest: clients.reingest }),
  };
  return (event, context) => processQueueEvent(event, () => context.getRemainingTimeInMillis(), deps);
}
