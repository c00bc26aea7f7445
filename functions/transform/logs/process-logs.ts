import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import type { RecordOutcome } from '../firehose/record-outcome.ts';
import { type InputRecord, inputRecords, tallyResult, toFirehoseResult } from '../firehose/records.ts';
import { type PutRecordBatch, type ReingestOptions, reingestRecords } from '../firehose/reingest.ts';
import { selectOverflow } from '../firehose/size-guard.ts';
import type { RowMaker } from '../row/normalise.ts';
import { type BatchSummary, newSummary, type RowStats, type Telemetry } from '../telemetry/summary.ts';
import { transformRecord } from './transform-record.ts';

const NO_BYTES: Buffer = Buffer.alloc(0);

/**
 * The logs Firehose transformation, end to end: every record → decode → parse → normalise → encode (in
 * transform-record.ts), then the 6 MB response guard. Every recordId comes back exactly once, in input
 * order; nothing here throws for data.
 */

export interface ReingestTarget {
  readonly put: PutRecordBatch;
  /** Overrides the stream named in the event's deliveryStreamArn. */
  readonly streamName?: string | undefined;
  readonly options?: ReingestOptions;
}

export interface LogsDeps {
  readonly normaliser: RowMaker;
  readonly telemetry: Telemetry;
  /** Absent (the CLI): no AWS call, the response may exceed 6 MB. */
  readonly reingest?: ReingestTarget | undefined;
  /** Keep each record's rows in the outcomes (the CLI prints them); the Lambda lets them go at once. */
  readonly keepRows?: boolean;
  /**
   * Opt-in: the batch's row maker with offloaded bodies read back from S3 (logs/hydrate.ts). Absent (the
   * default), records go straight to the transform.
   */
  readonly hydrate?:
    | ((records: readonly InputRecord[], normaliser: RowMaker) => Promise<RowMaker>)
    | undefined;
}

export interface LogsResult {
  readonly response: FirehoseTransformationResult;
  readonly outcomes: readonly RecordOutcome[];
  readonly summary: BatchSummary;
}

/** `arn:aws:firehose:<region>:<acct>:deliverystream/<name>` → name. */
export function streamNameOf(deliveryStreamArn: string | undefined): string | undefined {
  const slash = deliveryStreamArn?.lastIndexOf('/') ?? -1;
  return slash < 0 || deliveryStreamArn === undefined
    ? undefined
    : deliveryStreamArn.slice(slash + 1) || undefined;
}

export async function processLogsEvent(
  event: FirehoseTransformationEvent,
  deps: LogsDeps,
): Promise<LogsResult> {
  const summary = newSummary();
  const records = inputRecords(event);
  const normaliser =
    deps.hydrate === undefined ? deps.normaliser : await deps.hydrate(records, deps.normaliser);
  const stats: (RowStats | undefined)[] = [];
  const results: FirehoseTransformationResultRecord[] = [];
  const outcomes = records.map((record) => {
    // Rows are summarised and let go inside the record (kept only for the CLI), and the encoded bytes are
    // dropped once the result holds them as base64: a batch's working memory is then one record's NDJSON
    // plus each record's output once.
    let outcome = transformRecord(record.data, normaliser, deps.keepRows === true);
    // Bodies read back can make a record's rows outgrow Firehose's record limit: such a record goes
    // without them (its rows keep body_offloaded) rather than fail because of an opt-in extra.
    if (outcome.kind === 'failed' && outcome.error.stage === 'encode' && normaliser !== deps.normaliser)
      outcome = transformRecord(record.data, deps.normaliser, deps.keepRows === true);
    results.push(toFirehoseResult(record.recordId, outcome, record.data));
    stats.push(outcome.kind === 'ok' ? outcome.stats : undefined);
    return outcome.kind === 'ok' && deps.keepRows !== true ? { ...outcome, data: NO_BYTES } : outcome;
  });

  if (deps.reingest !== undefined)
    await guardResponseSize(event, records, results, deps.reingest, deps.telemetry, summary);

  records.forEach((record, index) => {
    const outcome = outcomes[index] as RecordOutcome;
    tallyResult(summary, record, results[index] as FirehoseTransformationResultRecord, stats[index]);
    if (outcome.kind === 'failed') deps.telemetry.recordFailed(record.recordId, outcome.error);
  });
  deps.telemetry.batchDone(summary);
  return { response: { records: results }, outcomes, summary };
}

async function guardResponseSize(
  event: FirehoseTransformationEvent,
  records: readonly InputRecord[],
  results: FirehoseTransformationResultRecord[],
  target: ReingestTarget,
  telemetry: Telemetry,
  summary: BatchSummary,
): Promise<void> {
  const overflow = selectOverflow(
    results.map((result, index) => ({
      recordId: result.recordId,
      okDataLength: result.result === 'Ok' ? (result.data?.length ?? 0) : undefined,
      originalDataLength: records[index]?.data.length ?? 0,
    })),
  );
  if (overflow.length === 0) return;

  const streamName = target.streamName ?? streamNameOf(event.deliveryStreamArn);
  const accepted =
    streamName === undefined
      ? overflow.map(() => false)
      : await reingestRecords(
          target.put,
          streamName,
          overflow.map((index) => Buffer.from(records[index]?.data ?? '', 'base64')),
          target.options,
        );
  let failed = 0;
  overflow.forEach((index, position) => {
    const record = records[index] as InputRecord;
    const ok = accepted[position] === true;
    results[index] = {
      recordId: record.recordId,
      result: ok ? 'Dropped' : 'ProcessingFailed',
      data: record.data,
    };
    if (ok) summary.recordsReingested++;
    else failed++;
  });
  if (failed > 0) telemetry.reingestFailed(failed, streamName ?? '(unknown stream)');
}
