import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PutRecordBatch, ReingestOptions } from '../transform/firehose/reingest.ts';
import { ForwardError, forwardObject } from './forward-object.ts';
import { classifyBedrockLogKey } from './log-object.ts';
import { type ObjectRef, parseQueueMessage } from './queue-message.ts';

/**
 * An SQS batch of "object created" messages → every Bedrock log object forwarded to the logs delivery
 * stream. A message is done only when all its objects are; otherwise it is reported in
 * `batchItemFailures`, comes back after the visibility timeout, and after the queue's retries lands in the
 * dead-letter queue (alarmed). Delivery is at least once: a message retried after a partial put sends those
 * lines again, and rows carry `aws_request_id` to remove the duplicates.
 */

export interface SourceLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface SourceCounts {
  objectsRead: number;
  objectsSkipped: number;
  objectsFailed: number;
  linesForwarded: number;
  linesNotForwarded: number;
  recordsPut: number;
  /** Messages not started for lack of time and sent to the queue again as new messages. */
  messagesRequeued: number;
}

/** Kept free after sending untried messages again, to answer. */
const REQUEUE_ANSWER_MS = 1_000;

/** A message not started for lack of time, to be sent to the queue again. */
export interface UntriedMessage {
  readonly messageId: string;
  readonly body: string;
}

export interface SourceDeps {
  /** The object's body as a stream (GetObject). */
  readonly getObject: (ref: ObjectRef) => Promise<AsyncIterable<Uint8Array>>;
  readonly put: PutRecordBatch;
  readonly streamName: string;
  readonly logger: SourceLogger;
  readonly timeMarginMs: number;
  readonly reingest?: ReingestOptions;
  readonly countsDone?: (counts: SourceCounts) => void;
  /**
   * Sends untried messages to the queue again; answers the ids it sent. Without it (or for ids it could not
   * send) they are reported as failures and come back after the visibility timeout.
   */
  readonly requeue?: (
    messages: readonly UntriedMessage[],
    signal: AbortSignal,
  ) => Promise<ReadonlySet<string>>;
}

export async function processQueueEvent(
  event: SQSEvent,
  remainingTimeMs: () => number,
  deps: SourceDeps,
): Promise<SQSBatchResponse> {
  const counts: SourceCounts = {
    objectsRead: 0,
    objectsSkipped: 0,
    objectsFailed: 0,
    linesForwarded: 0,
    linesNotForwarded: 0,
    recordsPut: 0,
    messagesRequeued: 0,
  };
  const failures: { itemIdentifier: string }[] = [];
  const untried: UntriedMessage[] = [];
  for (const record of event.Records ?? []) {
    if (remainingTimeMs() < deps.timeMarginMs) {
      untried.push({ messageId: record.messageId, body: record.body });
      continue;
    }
    if (!(await processMessage(record.messageId, record.body, remainingTimeMs, deps, counts))) {
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  const requeued = await requeueUntried(untried, remainingTimeMs, deps);
  counts.messagesRequeued = requeued.size;
  for (const { messageId } of untried) {
    if (!requeued.has(messageId)) failures.push({ itemIdentifier: messageId });
  }
  deps.countsDone?.(counts);
  return { batchItemFailures: failures };
}

/**
 * A message the invocation had no time to start has not failed. Reported as a failure it would stay
 * invisible for the whole visibility timeout and spend one of its receives, so a backlog of large objects
 * could push messages that were never tried into the dead-letter queue. Sent again as a new message (and
 * then deleted with the batch) it starts over with a full receive count. If the invocation dies between the
 * send and its answer, both copies are forwarded: at least once, and rows carry aws_request_id.
 */
async function requeueUntried(
  untried: readonly UntriedMessage[],
  remainingTimeMs: () => number,
  deps: SourceDeps,
): Promise<ReadonlySet<string>> {
  if (untried.length === 0 || deps.requeue === undefined) return new Set();
  // The send must not run the invocation into its timeout, which would hand back the whole batch.
  const budgetMs = remainingTimeMs() - REQUEUE_ANSWER_MS;
  if (budgetMs <= 0) return new Set();
  try {
    const sent = await deps.requeue(untried, AbortSignal.timeout(budgetMs));
    deps.logger.info('messages not started for lack of time were sent to the queue again', {
      requeued: sent.size,
      notRequeued: untried.length - sent.size,
    });
    return sent;
  } catch (error) {
    deps.logger.warn(
      'could not send untried messages to the queue again; they come back after the visibility timeout',
      {
        messages: untried.length,
        reason: describeError(error),
      },
    );
    return new Set();
  }
}

async function processMessage(
  messageId: string,
  body: string,
  remainingTimeMs: () => number,
  deps: SourceDeps,
  counts: SourceCounts,
): Promise<boolean> {
  const message = parseQueueMessage(body);
  if (message.kind === 'test') return true;
  if (message.kind === 'unknown') {
    // Not an event this queue is for: retrying cannot help, so it goes to the dead-letter queue for a person.
    deps.logger.error('message is not an S3 object-created event', { messageId, reason: message.reason });
    return false;
  }
  for (const ref of message.objects) {
    if (!(await processObject(messageId, ref, remainingTimeMs, deps, counts))) return false;
  }
  return true;
}

async function processObject(
  messageId: string,
  ref: ObjectRef,
  remainingTimeMs: () => number,
  deps: SourceDeps,
  counts: SourceCounts,
): Promise<boolean> {
  const where = { messageId, bucket: ref.bucket, key: ref.key };
  const kind = classifyBedrockLogKey(ref.key).kind;
  if (kind !== 'log') {
    // data/ bodies, the permission-check canary and anything else under the prefix are not log batches.
    counts.objectsSkipped++;
    if (kind === 'other') deps.logger.warn('object is not a Bedrock log batch; skipped', where);
    return true;
  }
  if (remainingTimeMs() < deps.timeMarginMs) return false;
  let body: AsyncIterable<Uint8Array> | undefined;
  try {
    body = await deps.getObject(ref);
    const result = await forwardObject(body, {
      put: deps.put,
      streamName: deps.streamName,
      remainingTimeMs,
      timeMarginMs: deps.timeMarginMs,
      // The put itself is bounded by the time left too, not only its start.
      reingest: { ...deps.reingest, remainingTimeMs },
    });
    counts.objectsRead++;
    counts.linesForwarded += result.lines;
    counts.recordsPut += result.records;
    counts.linesNotForwarded += result.notForwarded.length;
    for (const line of result.notForwarded) {
      // A line no Firehose record can carry fails the same way on every retry: report it, keep the rest.
      deps.logger.error('line not forwarded', { ...where, line: line.line, reason: line.reason });
    }
    return true;
  } catch (error) {
    counts.objectsFailed++;
    if (error instanceof ForwardError) {
      const { kind: failure, reason } = error.failure;
      deps.logger.error(failure === 'corrupt' ? 'corrupt Bedrock log object' : 'object not forwarded', {
        ...where,
        failure,
        reason,
        linesAlreadyPut: error.linesPut,
      });
    } else {
      deps.logger.error('object not read', { ...where, failure: 'get', reason: describeError(error) });
    }
    return false;
  } finally {
    // A body left unread after a failure would hold its connection until garbage collection.
    (body as { destroy?: () => void } | undefined)?.destroy?.();
  }
}

/** The SDK error's name and message (S3 errors name the problem, never the object's content). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200);
  return `${error.name}: ${error.message}`.slice(0, 300);
}
