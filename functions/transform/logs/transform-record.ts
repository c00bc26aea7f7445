import { encodeRows } from '../firehose/encode.ts';
import { TransformError, type TransformStage } from '../firehose/errors.ts';
import { asTransformError, type RecordOutcome } from '../firehose/record-outcome.ts';
import { contentPolicyFor } from '../row/content.ts';
import type { RowMaker } from '../row/normalise.ts';
import { decodeEnvelope } from './cloudwatch-envelope.ts';
import { logRow } from './log-row.ts';
import { parseLogMessage } from './parse-message.ts';

/**
 * One logs-stream record → its outcome. Whatever goes wrong in decoding or encoding the record fails that
 * record alone (it lands in S3 `processing-failed/` with its original data, for replay).
 */

/** Firehose hands at most 1,024,000 bytes per record to an HTTP endpoint. */
export const MAX_OUTPUT_RECORD_BYTES = 1_024_000;

export function transformRecord(data: unknown, normaliser: RowMaker): RecordOutcome {
  let stage: TransformStage = 'decode';
  try {
    const envelope = decodeEnvelope(data, normaliser.config.maxDecompressedBytes);
    if (envelope.messageType === 'CONTROL_MESSAGE') return { kind: 'dropped', reason: 'control_message' };

    const keepOtherLines = normaliser.config.nonBedrockLines === 'keep';
    const redactLine = keepOtherLines
      ? contentPolicyFor(normaliser.config, envelope.logGroup).redact
      : undefined;
    const rows: object[] = [];
    for (const event of envelope.logEvents) {
      stage = 'parse';
      const parsed = parseLogMessage(event.message);
      stage = 'normalise';
      if (parsed.kind === 'invocation') {
        rows.push(
          normaliser.invocationRow(parsed.log, {
            logGroup: envelope.logGroup,
            logStream: envelope.logStream,
            eventId: event.id,
            eventTimestampMs: event.timestamp,
          }),
        );
      } else if (keepOtherLines) {
        rows.push(
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
    if (rows.length === 0) return { kind: 'dropped', reason: 'no_rows' };

    stage = 'encode';
    const encoded = encodeRows(rows);
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
