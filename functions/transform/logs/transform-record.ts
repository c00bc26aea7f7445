import { NdjsonWriter } from '../firehose/encode.ts';
import { TransformError, type TransformStage } from '../firehose/errors.ts';
import { asTransformError, type RecordOutcome } from '../firehose/record-outcome.ts';
import { contentPolicyFor } from '../row/content.ts';
import type { LogEventMeta, RowMaker } from '../row/normalise.ts';
import { isRowTimeMs } from '../row/row-time.ts';
import { countRow, newRowStats, type RowStats } from '../telemetry/summary.ts';
import type { CloudWatchEnvelope } from './cloudwatch-envelope.ts';
import { logRow } from './log-row.ts';
import { parseLogMessage } from './parse-message.ts';
import { decodeLogsRecord, type LogsLine } from './record-shapes.ts';

/**
 * One logs-stream record → its outcome. Whatever goes wrong in decoding or encoding the record fails that
 * record alone (it lands in S3 `processing-failed/` with its original data, for replay).
 */

/** Firehose hands at most 1,024,000 bytes per record to an HTTP endpoint. */
export const MAX_OUTPUT_RECORD_BYTES = 1_024_000;

/** A Bedrock log read from S3 has no log group, stream or event: only its own fields. */
const S3_META: LogEventMeta = { logSource: 's3' };

/** Where a record's rows go, in order: encoded rows, or rows passed through as their original line. */
interface RowSink {
  add(row: object): void;
  addLine(text: string, row: object): void;
}

/** The outcome of a logs record: an Ok one also carries its rows' stats (its rows only when asked to keep them). */
export type LogsRecordOutcome =
  | Exclude<RecordOutcome, { kind: 'ok' }>
  | (Extract<RecordOutcome, { kind: 'ok' }> & { readonly stats: RowStats });

/**
 * Each row is encoded as soon as it is made and then let go (unless `keepRows`, for the CLI): a record's
 * parsed logs and row objects never pile up, only its NDJSON bytes do.
 */
export function transformRecord(data: unknown, normaliser: RowMaker, keepRows = false): LogsRecordOutcome {
  let stage: TransformStage = 'decode';
  try {
    const record = decodeLogsRecord(data, normaliser.config.maxDecompressedBytes);
    if (record.shape === 'cloudwatch' && record.envelope.messageType === 'CONTROL_MESSAGE')
      return { kind: 'dropped', reason: 'control_message' };

    const stats = newRowStats();
    const kept: object[] = [];
    const ndjson = new NdjsonWriter();
    const sink: RowSink = {
      add(row) {
        ndjson.add(row);
        countRow(stats, row);
        if (keepRows) kept.push(row);
      },
      addLine(text, row) {
        ndjson.addLine(text);
        countRow(stats, row);
        if (keepRows) kept.push(row);
      },
    };
    stage = 'normalise';
    if (record.shape === 'cloudwatch') envelopeRows(record.envelope, normaliser, sink);
    else ndjsonRows(record.lines, normaliser, sink);
    if (stats.rows === 0) return { kind: 'dropped', reason: 'no_rows' };

    stage = 'encode';
    const encoded = ndjson.gzip();
    if (encoded.length > MAX_OUTPUT_RECORD_BYTES) {
      throw new TransformError(
        'encode',
        `output record is ${encoded.length} bytes of gzip, over Firehose's ${MAX_OUTPUT_RECORD_BYTES}-byte record limit`,
      );
    }
    return { kind: 'ok', data: encoded, rows: kept, stats };
  } catch (error) {
    return { kind: 'failed', error: asTransformError(error, stage) };
  }
}

/** The rows of one subscription envelope's log events. */
function envelopeRows(envelope: CloudWatchEnvelope, normaliser: RowMaker, sink: RowSink): void {
  if (envelope.messageType === 'CONTROL_MESSAGE') return;
  const keepOtherLines = normaliser.config.nonBedrockLines === 'keep';
  const redactLine = keepOtherLines
    ? contentPolicyFor(normaliser.config, envelope.logGroup).redact
    : undefined;
  for (const event of envelope.logEvents) {
    const parsed = parseLogMessage(event.message);
    if (parsed.kind === 'invocation') {
      sink.add(
        normaliser.invocationRow(parsed.log, {
          logSource: 'cloudwatch_logs',
          logGroup: envelope.logGroup,
          logStream: envelope.logStream,
          eventId: event.id,
          eventTimestampMs: event.timestamp,
        }),
      );
    } else if (keepOtherLines) {
      sink.add(
        logRow(
          event.message,
          {
            accountId: envelope.owner,
            logSource: 'cloudwatch_logs',
            logGroup: envelope.logGroup,
            logStream: envelope.logStream,
            eventId: event.id,
            eventTimestampMs: event.timestamp,
          },
          redactLine,
        ),
      );
    }
  }
}

/**
 * The rows of an NDJSON record, line by line: Bedrock logs are normalised, our own rows pass through as
 * their original text, envelope lines are read as envelopes. A line that is none of these has no time of
 * its own, so its `log` row takes the time of the record's first row (lines of one S3 object are minutes
 * apart at most); with no other row to take it from, the record fails and is kept whole in S3.
 */
function ndjsonRows(lines: readonly LogsLine[], normaliser: RowMaker, sink: RowSink): void {
  let firstTimeUs: unknown;
  const timed: RowSink = {
    add(row) {
      firstTimeUs ??= timeOf(row);
      sink.add(row);
    },
    addLine(text, row) {
      firstTimeUs ??= timeOf(row);
      sink.addLine(text, row);
    },
  };
  const other: string[] = [];
  for (const line of lines) {
    if (line.kind === 'invocation') timed.add(normaliser.invocationRow(line.log, S3_META));
    else if (line.kind === 'row') timed.addLine(line.text, line.row);
    else if (line.kind === 'envelope') envelopeRows(line.envelope, normaliser, timed);
    else if (normaliser.config.nonBedrockLines === 'keep') other.push(line.text);
  }
  if (other.length === 0) return;
  if (typeof firstTimeUs !== 'number' || !isRowTimeMs(firstTimeUs / 1000)) {
    throw new TransformError(
      'normalise',
      `${other.length} line(s) are not invocation logs and the record has no invocation to take a time from`,
    );
  }
  // A line read from S3 has no log group: the default content settings' redaction applies.
  const redact = contentPolicyFor(normaliser.config, undefined).redact;
  for (const text of other) {
    sink.add(
      logRow(text, { accountId: undefined, logSource: 's3', eventTimestampMs: firstTimeUs / 1000 }, redact),
    );
  }
}

const timeOf = (row: object): unknown => (row as { _timestamp?: unknown })._timestamp;
