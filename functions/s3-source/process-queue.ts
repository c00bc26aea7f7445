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
  };
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records ?? []) {
    const ok =
      remainingTimeMs() >= deps.timeMarginMs
        ? await processMessage(record.messageId, record.body, remainingTimeMs, deps, counts)
        : false;
    if (!ok) failures.push({ itemIdentifier: record.messageId });
  }
  deps.countsDone?.(counts);
  return { batchItemFailures: failures };
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
