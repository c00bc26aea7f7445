import { gzipSync } from 'node:zlib';
import { encodeRows, GZIP_OPTIONS } from '../firehose/encode.ts';
import { TransformError, type TransformStage } from '../firehose/errors.ts';
import { asTransformError, type RecordOutcome } from '../firehose/record-outcome.ts';
import type { LogEventMeta, RowMaker } from '../row/normalise.ts';
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

export function transformRecord(data: unknown, normaliser: RowMaker): RecordOutcome {
  let stage: TransformStage = 'decode';
  try {
    const record = decodeLogsRecord(data, normaliser.config.maxDecompressedBytes);
    let rows: object[];
    let encode: () => Buffer;
    if (record.shape === 'cloudwatch') {
      if (record.envelope.messageType === 'CONTROL_MESSAGE')
        return { kind: 'dropped', reason: 'control_message' };
      stage = 'normalise';
      rows = [];
      envelopeRows(record.envelope, normaliser, rows);
      encode = () => encodeRows(rows);
    } else {
      stage = 'normalise';
      const made = ndjsonRows(record.lines, normaliser);
      rows = made.rows;
      encode = () => gzipSync(Buffer.from(made.ndjson, 'utf8'), GZIP_OPTIONS);
    }
    if (rows.length === 0) return { kind: 'dropped', reason: 'no_rows' };

    stage = 'encode';
    const encoded = encode();
    if (encoded.length > MAX_OUTPUT_RECORD_BYTES) {
      throw new TransformError(
        'encode',
        `output record is ${encoded.length} bytes of gzip, over Firehose's ${MAX_OUTPUT_RECORD_BYTES}-byte record limit`,
      );
    }
    return { kind: 'ok', data: encoded, rows };
  } catch (error) {
    return { kind: 'failed', error: asTransformError(error, stage) };
  }
}

/** The rows of one subscription envelope's log events, appended to `rows`. */
function envelopeRows(envelope: CloudWatchEnvelope, normaliser: RowMaker, rows: object[]): void {
  if (envelope.messageType === 'CONTROL_MESSAGE') return;
  const keepOtherLines = normaliser.config.nonBedrockLines === 'keep';
  for (const event of envelope.logEvents) {
    const parsed = parseLogMessage(event.message);
    if (parsed.kind === 'invocation') {
      rows.push(
        normaliser.invocationRow(parsed.log, {
          logSource: 'cloudwatch_logs',
          logGroup: envelope.logGroup,
          logStream: envelope.logStream,
          eventId: event.id,
          eventTimestampMs: event.timestamp,
        }),
      );
    } else if (keepOtherLines) {
      rows.push(
        logRow(event.message, {
          accountId: envelope.owner,
          logSource: 'cloudwatch_logs',
          logGroup: envelope.logGroup,
          logStream: envelope.logStream,
          eventId: event.id,
          eventTimestampMs: event.timestamp,
        }),
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
function ndjsonRows(lines: readonly LogsLine[], normaliser: RowMaker): { rows: object[]; ndjson: string } {
  const rows: object[] = [];
  const other: string[] = [];
  let ndjson = '';
  for (const line of lines) {
    switch (line.kind) {
      case 'invocation': {
        const row = normaliser.invocationRow(line.log, S3_META);
        rows.push(row);
        ndjson += `${JSON.stringify(row)}\n`;
        break;
      }
      case 'row':
        rows.push(line.row);
        ndjson += `${line.text}\n`;
        break;
      case 'envelope': {
        const from = rows.length;
        envelopeRows(line.envelope, normaliser, rows);
        for (let i = from; i < rows.length; i++) ndjson += `${JSON.stringify(rows[i])}\n`;
        break;
      }
      case 'other':
        if (normaliser.config.nonBedrockLines === 'keep') other.push(line.text);
        break;
    }
  }
  if (other.length > 0) {
    const timeUs = (rows[0] as { _timestamp?: unknown } | undefined)?._timestamp;
    if (typeof timeUs !== 'number' || !(timeUs > 0)) {
      throw new TransformError(
        'normalise',
        `${other.length} line(s) are not invocation logs and the record has no invocation to take a time from`,
      );
    }
    for (const text of other) {
      const row = logRow(text, { accountId: undefined, logSource: 's3', eventTimestampMs: timeUs / 1000 });
      rows.push(row);
      ndjson += `${JSON.stringify(row)}\n`;
    }
  }
  return { rows, ndjson };
}
