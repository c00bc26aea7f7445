import type { FirehoseTransformationEvent } from 'aws-lambda';
import { processLogsEvent } from '../transform/logs/process-logs.ts';
import { decodeLogsRecord, type LogsRecord } from '../transform/logs/record-shapes.ts';
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
  const inputs = liveInputs(data, normaliser.config.maxDecompressedBytes);
  return outcome.rows.map((row) => {
    const input = inputs.get(inputKeyOf(row as Row) ?? '');
    return input === undefined
      ? { kind: 'row', target: 'logs', row: row as Row }
      : { kind: 'row', target: 'logs', row: row as Row, input };
  });
}

/** Rows from an envelope are found by log event id, rows from Bedrock's S3 lines by request id. */
function inputKeyOf(row: Row): string | undefined {
  const eventId = row['aws_log_event_id'];
  if (typeof eventId === 'string') return `event\u0000${eventId}`;
  const requestId = row['aws_request_id'];
  return typeof requestId === 'string' && row['aws_bedrock_log_source'] === 's3'
    ? `request\u0000${requestId}`
    : undefined;
}

/**
 * What the live logs stream turns into each row of this record, one NDJSON line each: for a CloudWatch Logs
 * envelope, the envelope of just that log event (same owner, group and stream); for a Bedrock log line, the
 * line. Rows passed through as they are (our own rows) have none.
 */
function liveInputs(data: string, maxDecompressedBytes: number): Map<string, string> {
  const inputs = new Map<string, string>();
  let record: LogsRecord;
  try {
    record = decodeLogsRecord(data, maxDecompressedBytes);
  } catch {
    return inputs;
  }
  const lines =
    record.shape === 'cloudwatch' ? [{ kind: 'envelope', envelope: record.envelope } as const] : record.lines;
  for (const line of lines) {
    if (line.kind === 'invocation') {
      const requestId = line.log['requestId'];
      if (typeof requestId === 'string') inputs.set(`request\u0000${requestId}`, JSON.stringify(line.log));
    } else if (line.kind === 'envelope' && line.envelope.messageType === 'DATA_MESSAGE') {
      const { owner, logGroup, logStream } = line.envelope;
      for (const event of line.envelope.logEvents) {
        inputs.set(
          `event\u0000${event.id}`,
          JSON.stringify({
            messageType: 'DATA_MESSAGE',
            owner,
            logGroup,
            logStream,
            subscriptionFilters: [],
            logEvents: [{ id: event.id, timestamp: event.timestamp, message: event.message }],
          }),
        );
      }
    }
  }
  return inputs;
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
