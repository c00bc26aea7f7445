import { NdjsonWriter } from '../firehose/encode.ts';
import { TransformError, type TransformStage } from '../firehose/errors.ts';
import { asTransformError, type RecordOutcome } from '../firehose/record-outcome.ts';
import { contentPolicyFor } from '../row/content.ts';
import type { RowMaker } from '../row/normalise.ts';
import { countRow, newRowStats, type RowStats } from '../telemetry/summary.ts';
import { decodeEnvelope } from './cloudwatch-envelope.ts';
import { logRow } from './log-row.ts';
import { parseLogMessage } from './parse-message.ts';

/**
 * One logs-stream record → its outcome. Whatever goes wrong in decoding or encoding the record fails that
 * record alone (it lands in S3 `processing-failed/` with its original data, for replay).
 */

/** Firehose hands at most 1,024,000 bytes per record to an HTTP endpoint. */
export const MAX_OUTPUT_RECORD_BYTES = 1_024_000;

/** The outcome of a logs record: an Ok one also carries its rows' stats (its rows only when asked to keep them). */
export type LogsRecordOutcome =
  | Exclude<RecordOutcome, { kind: 'ok' }>
  | (Extract<RecordOutcome, { kind: 'ok' }> & { readonly stats: RowStats });

/**
 * Each row is encoded as soon as it is made and then let go (unless `keepRows`, for the CLI): a record's
 * parsed logs and row objects never pile up, only its NDJSON text does.
 */
export function transformRecord(data: unknown, normaliser: RowMaker, keepRows = false): LogsRecordOutcome {
  let stage: TransformStage = 'decode';
  try {
    const envelope = decodeEnvelope(data, normaliser.config.maxDecompressedBytes);
    if (envelope.messageType === 'CONTROL_MESSAGE') return { kind: 'dropped', reason: 'control_message' };

    const keepOtherLines = normaliser.config.nonBedrockLines === 'keep';
    const redactLine = keepOtherLines
      ? contentPolicyFor(normaliser.config, envelope.logGroup).redact
      : undefined;
    const stats = newRowStats();
    const kept: object[] = [];
    const ndjson = new NdjsonWriter();
    const add = (row: object): void => {
      stage = 'encode';
      ndjson.add(row);
      countRow(stats, row);
      if (keepRows) kept.push(row);
    };
    for (const event of envelope.logEvents) {
      stage = 'parse';
      const parsed = parseLogMessage(event.message);
      stage = 'normalise';
      if (parsed.kind === 'invocation') {
        add(
          normaliser.invocationRow(parsed.log, {
            logGroup: envelope.logGroup,
            logStream: envelope.logStream,
            eventId: event.id,
            eventTimestampMs: event.timestamp,
          }),
        );
      } else if (keepOtherLines) {
        add(
          logRow(
            event.message,
            {
              accountId: envelope.owner,
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
