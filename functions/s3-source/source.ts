import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PutRecordBatch } from '../transform/firehose/reingest.ts';
import {
  processQueueEvent,
  type SourceCounts,
  type SourceDeps,
  type UntriedMessage,
} from './process-queue.ts';
import type { ObjectRef } from './queue-message.ts';

/** The S3 source on real (or aws-sdk-client-mock'ed) S3 and Firehose clients; handler.ts makes the Lambda. */

/** Time kept free before the function's timeout: one PutRecordBatch with the client's retries fits in it. */
export const TIME_MARGIN_MS = 20_000;
/**
 * A PutRecordBatch still running this close to the timeout is aborted, so the handler answers with that
 * message failed and the others done, instead of timing out and handing the whole batch back.
 */
export const ANSWER_MARGIN_MS = 5_000;

export interface SourceClients {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly streamName: string;
  readonly logger: SourceDeps['logger'];
  readonly countsDone?: (counts: SourceCounts) => void;
  readonly reingest?: SourceDeps['reingest'];
  /** @default TIME_MARGIN_MS */
  readonly timeMarginMs?: number;
  /**
   * The source queue, to send messages not started for lack of time again.
   * @default - they are reported as failures
   */
  readonly queue?: { readonly sqs: SQSClient; readonly url: string };
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
  const put: PutRecordBatch = (streamName, records, signal) =>
    abortable(
      clients.firehose.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: streamName,
          Records: records.map((Data) => ({ Data })),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      ),
      signal,
    );
  const deps: SourceDeps = {
    getObject,
    put,
    streamName: clients.streamName,
    logger: clients.logger,
    timeMarginMs: clients.timeMarginMs ?? TIME_MARGIN_MS,
    ...(clients.countsDone === undefined ? {} : { countsDone: clients.countsDone }),
    reingest: { safetyMarginMs: ANSWER_MARGIN_MS, ...clients.reingest },
    ...(clients.queue === undefined ? {} : { requeue: requeueTo(clients.queue) }),
  };
  return (event, context) => processQueueEvent(event, () => context.getRemainingTimeInMillis(), deps);
}

/**
 * Settles no later than the signal aborts. The SDK aborts the HTTP request on the signal too; the race makes
 * the deadline hold whatever stage the call is in (credentials, retries' back-off).
 */
function abortable<T>(call: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return call;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    // Promise.resolve: a mocked client may answer with a plain value.
    Promise.resolve(call)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** SendMessageBatch of up to 10 messages (the event source mapping's batch size); answers the ids sent. */
function requeueTo(queue: { readonly sqs: SQSClient; readonly url: string }) {
  return async (messages: readonly UntriedMessage[], signal: AbortSignal): Promise<ReadonlySet<string>> => {
    const sent = new Set<string>();
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      // Entry ids must be short and plain; the position in the chunk is.
      const output = await abortable(
        queue.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: chunk.map((message, i) => ({ Id: String(i), MessageBody: message.body })),
          }),
          { abortSignal: signal },
        ),
        signal,
      );
      for (const entry of output.Successful ?? []) {
        const message = chunk[Number(entry.Id)];
        if (message !== undefined) sent.add(message.messageId);
      }
    }
    return sent;
  };
}
