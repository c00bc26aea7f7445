import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { encodeRows } from '../firehose/encode.ts';
import type { TransformStage } from '../firehose/errors.ts';
import { decodeUtf8, recordBytes } from '../firehose/record-bytes.ts';
import { asTransformError, type RecordOutcome } from '../firehose/record-outcome.ts';
import { inputRecords, tallyResult, toFirehoseResult } from '../firehose/records.ts';
import { type BatchSummary, newSummary, rowStats, type Telemetry } from '../telemetry/summary.ts';
import { metricRow } from './metric-row.ts';

/**
 * The metrics Firehose transformation: each record holds metric-stream datapoints as NDJSON (not gzip) →
 * one row per datapoint, percentiles kept (OpenObserve's own metric-stream parser drops them). A bad line
 * fails its record only. Output is gzip and smaller than the plain-text input, so no 6 MB guard is needed.
 */

export interface MetricsDeps {
  readonly telemetry: Telemetry;
  readonly maxDecompressedBytes: number;
}

export function transformMetricsRecord(data: unknown, maxDecompressedBytes: number): RecordOutcome {
  let stage: TransformStage = 'decode';
  try {
    const text = decodeUtf8(recordBytes(data, maxDecompressedBytes));
    stage = 'parse';
    const rows: object[] = [];
    let lineNumber = 0;
    for (const line of text.split('\n')) {
      lineNumber++;
      if (line.trim() === '') continue;
      rows.push(metricRow(line, lineNumber));
    }
    if (rows.length === 0) return { kind: 'dropped', reason: 'no_rows' };
    stage = 'encode';
    return { kind: 'ok', data: encodeRows(rows), rows };
  } catch (error) {
    return { kind: 'failed', error: asTransformError(error, stage) };
  }
}

export function processMetricsEvent(
  event: FirehoseTransformationEvent,
  deps: MetricsDeps,
): { response: FirehoseTransformationResult; outcomes: RecordOutcome[]; summary: BatchSummary } {
  const summary = newSummary();
  const outcomes: RecordOutcome[] = [];
  const results = inputRecords(event).map((record) => {
    const outcome = transformMetricsRecord(record.data, deps.maxDecompressedBytes);
    outcomes.push(outcome);
    const result = toFirehoseResult(record.recordId, outcome, record.data);
    tallyResult(summary, record, result, outcome.kind === 'ok' ? rowStats(outcome.rows) : undefined);
    if (outcome.kind === 'failed') deps.telemetry.recordFailed(record.recordId, outcome.error);
    return result;
  });
  deps.telemetry.batchDone(summary);
  return { response: { records: results }, outcomes, summary };
}
