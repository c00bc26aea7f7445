import type { FirehoseTransformationEvent } from 'aws-lambda';
import { processLogsEvent } from '../transform/logs/process-logs.ts';
import { processMetricsEvent } from '../transform/metrics/process-metrics.ts';
import type { RowMaker } from '../transform/row/normalise.ts';
import type { Telemetry } from '../transform/telemetry/summary.ts';
import type { Row, UnitItem } from './unit.ts';

/**
 * Today's transform on an input the pipeline would have received (a CloudWatch Logs envelope, metric-stream
 * NDJSON), through the pipelines' own entry points, so replay and backfill make exactly the live rows.
 */

// Failures come back in the outcomes (and rows that needed the fallback carry `normalise_failed`).
const QUIET: Telemetry = { recordFailed() {}, normaliseFailed() {}, reingestFailed() {}, batchDone() {} };

function oneRecordEvent(data: string): FirehoseTransformationEvent {
  return {
    invocationId: 'bedrock-o2-replay',
    deliveryStreamArn: '',
    region: '',
    records: [{ recordId: 'replay', approximateArrivalTimestamp: 0, data }],
  };
}

/**
 * The rows of one logs-stream record (base64 data) in any shape the logs stream takes: a CloudWatch Logs
 * envelope, Bedrock's own log NDJSON or our rows. The transform sets `aws_bedrock_log_source`.
 */
export async function logsRecordItems(
  data: string,
  normaliser: RowMaker,
  where: string,
): Promise<UnitItem[]> {
  const { outcomes } = await processLogsEvent(oneRecordEvent(data), {
    normaliser,
    telemetry: QUIET,
    keepRows: true,
  });
  const outcome = outcomes[0];
  if (outcome === undefined) return [{ kind: 'unreadable', reason: 'transform_gave_no_outcome', where }];
  if (outcome.kind === 'dropped') return [{ kind: 'skipped', reason: `dropped_${outcome.reason}` }];
  if (outcome.kind === 'failed')
    return [{ kind: 'unreadable', reason: `transform_failed: ${outcome.error.message}`, where }];
  return outcome.rows.map((row) => ({ kind: 'row', target: 'logs', row: row as Row }));
}

/** The rows of one metrics-stream record (base64 of metric-stream NDJSON). */
export function metricsRecordItems(data: string, maxDecompressedBytes: number, where: string): UnitItem[] {
  const { outcomes } = processMetricsEvent(oneRecordEvent(data), { telemetry: QUIET, maxDecompressedBytes });
  const outcome = outcomes[0];
  if (outcome === undefined) return [{ kind: 'unreadable', reason: 'transform_gave_no_outcome', where }];
  if (outcome.kind === 'dropped') return [{ kind: 'skipped', reason: `dropped_${outcome.reason}` }];
  if (outcome.kind === 'failed')
    return [{ kind: 'unreadable', reason: `transform_failed: ${outcome.error.message}`, where }];
  return outcome.rows.map((row) => ({ kind: 'row', target: 'metrics', row: row as Row }));
}
