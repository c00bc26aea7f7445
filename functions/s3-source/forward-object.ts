import {
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  type PutRecordBatch,
  type ReingestOptions,
  reingestRecords,
} from '../transform/firehose/reingest.ts';
import { readObjectLines } from './log-object.ts';
import { RecordPacker } from './pack-records.ts';

/**
 * One Bedrock log object → the logs delivery stream: its lines streamed (log-object.ts), packed into gzip
 * NDJSON records (pack-records.ts) and put one PutRecordBatch-sized batch at a time, so memory holds one
 * batch and one record being filled, never the object. Lines are sent exactly as Bedrock wrote them: the
 * transform recognises them by content and makes the rows.
 */

export interface ForwardTarget {
  readonly put: PutRecordBatch;
  readonly streamName: string;
  /** Milliseconds left in this invocation. */
  readonly remainingTimeMs: () => number;
  /** No new PutRecordBatch starts with less time left than this (a call and its retries must fit). */
  readonly timeMarginMs: number;
  readonly reingest?: ReingestOptions;
}

/** A line that cannot travel through Firehose: reported by number and size, never by content. */
export interface LineNotForwarded {
  readonly line: number;
  readonly reason: string;
}

export interface Forwarded {
  readonly lines: number;
  readonly records: number;
  readonly notForwarded: readonly LineNotForwarded[];
}

export type ForwardFailure =
  /** The object is not gzip/NDJSON as Bedrock writes it; retrying cannot help. */
  | { readonly kind: 'corrupt'; readonly reason: string }
  /** Reading failed (network, S3); a retry may succeed. */
  | { readonly kind: 'read'; readonly reason: string }
  | { readonly kind: 'put'; readonly reason: string }
  | { readonly kind: 'time'; readonly reason: string };

export class ForwardError extends Error {
  override name = 'ForwardError';
  readonly failure: ForwardFailure;
  /** Lines already accepted by Firehose before the failure: a retry sends them again. */
  readonly linesPut: number;

  constructor(failure: ForwardFailure, linesPut: number) {
    super(`${failure.kind}: ${failure.reason}`);
    this.failure = failure;
    this.linesPut = linesPut;
  }
}

/** Lines longer than this are not held in memory (no record could carry them anyway, even gzipped 10×). */
const MAX_LINE_BYTES = 10 * 1024 * 1024;

export async function forwardObject(
  body: AsyncIterable<Uint8Array>,
  target: ForwardTarget,
): Promise<Forwarded> {
  const packer = new RecordPacker();
  const notForwarded: LineNotForwarded[] = [];
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let batchLines = 0;
  let linesPut = 0;
  let records = 0;

  const putBatch = async (): Promise<void> => {
    if (batch.length === 0) return;
    if (target.remainingTimeMs() < target.timeMarginMs) {
      throw new ForwardError({ kind: 'time', reason: 'the invocation ran out of time' }, linesPut);
    }
    const accepted = await reingestRecords(target.put, target.streamName, batch, target.reingest);
    const failed = accepted.filter((ok) => !ok).length;
    if (failed > 0) {
      throw new ForwardError(
        { kind: 'put', reason: `${failed} of ${batch.length} records were not accepted by Firehose` },
        linesPut,
      );
    }
    records += batch.length;
    linesPut += batchLines;
    batch = [];
    batchBytes = 0;
    batchLines = 0;
  };

  const take = async (packed: ReturnType<RecordPacker['add']>): Promise<void> => {
    for (const item of packed) {
      if (item.kind === 'too-large') {
        notForwarded.push({
          line: item.line,
          reason: `line of ${item.bytes} bytes is too large for a Firehose record even gzipped`,
        });
        continue;
      }
      if (batch.length === MAX_BATCH_RECORDS || batchBytes + item.data.length > MAX_BATCH_BYTES)
        await putBatch();
      batch.push(item.data);
      batchBytes += item.data.length;
      batchLines += item.lines;
    }
  };

  try {
    for await (const item of readObjectLines(body, { maxLineBytes: MAX_LINE_BYTES })) {
      if (item.kind === 'skipped') notForwarded.push({ line: item.line, reason: item.reason });
      else await take(packer.add(item.text, item.line));
    }
  } catch (error) {
    if (error instanceof ForwardError) throw error;
    throw new ForwardError(readFailure(error), linesPut);
  }
  await take(packer.flush());
  await putBatch();
  return { lines: linesPut, records, notForwarded };
}

/** zlib's errors mean the bytes are not gzip as written; anything else (the S3 stream) may pass on retry. */
function readFailure(error: unknown): ForwardFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && code.startsWith('Z_'))
    return { kind: 'corrupt', reason: `not valid gzip (${message})` };
  if (message.startsWith('JSON array object is larger')) return { kind: 'corrupt', reason: message };
  return { kind: 'read', reason: message.slice(0, 200) };
}
