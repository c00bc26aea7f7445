import type { FirehoseTransformationEvent, FirehoseTransformationResultRecord } from 'aws-lambda';
import { addRowStats, type BatchSummary, type RowStats } from '../telemetry/summary.ts';
import type { RecordOutcome } from './record-outcome.ts';

export interface InputRecord {
  readonly recordId: string;
  readonly data: string;
}

/** The event's records, read defensively: the handlers never throw for data. */
export function inputRecords(event: FirehoseTransformationEvent): InputRecord[] {
  const records: unknown = (event as { records?: unknown }).records;
  if (!Array.isArray(records)) return [];
  return records.map((record: { recordId?: unknown; data?: unknown }) => ({
    recordId: String(record.recordId),
    data: typeof record.data === 'string' ? record.data : '',
  }));
}

/** Count one record's final result, and the rows it delivers, into the batch summary. */
export function tallyResult(
  summary: BatchSummary,
  input: InputRecord,
  result: FirehoseTransformationResultRecord,
  stats: RowStats | undefined,
): void {
  summary.recordsIn++;
  summary.bytesIn += input.data.length;
  if (result.result === 'Ok') {
    summary.recordsOk++;
    summary.bytesOut += result.data?.length ?? 0;
    if (stats !== undefined) addRowStats(summary, stats);
  } else if (result.result === 'Dropped') summary.recordsDropped++;
  else summary.recordsFailed++;
}

/**
 * Outcome → the Firehose status model. Dropped and ProcessingFailed carry the input's original data
 * (record-schema §4.11), so a failed record in S3 `processing-failed/` can be replayed as it came.
 */
export function toFirehoseResult(
  recordId: string,
  outcome: RecordOutcome,
  originalData: string,
): FirehoseTransformationResultRecord {
  switch (outcome.kind) {
    case 'ok':
      return { recordId, result: 'Ok', data: outcome.data.toString('base64') };
    case 'dropped':
      return { recordId, result: 'Dropped', data: originalData };
    case 'failed':
      return { recordId, result: 'ProcessingFailed', data: originalData };
  }
}
