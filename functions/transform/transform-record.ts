import { decodeEnvelope } from './decode.ts';
import { encodeRows } from './encode.ts';
import { TransformError, type TransformStage } from './errors.ts';
import { logRow } from './log-row.ts';
import type { RowMaker } from './normalise.ts';
import { parseLogMessage } from './parse.ts';

/**
 * One Firehose record → its outcome. This is the only try/catch of the pipeline: whatever goes wrong in a
 * record fails that record alone (it lands in S3 `processing-failed/` with its original data, for replay).
 */

export type RecordOutcome =
  | { readonly kind: 'ok'; readonly data: Buffer; readonly rows: readonly object[] }
  | { readonly kind: 'dropped'; readonly reason: 'control_message' | 'no_rows' }
  | { readonly kind: 'failed'; readonly error: TransformError };

/** Firehose hands at most 1,024,000 bytes per record to an HTTP endpoint. */
export const MAX_OUTPUT_RECORD_BYTES = 1_024_000;

export function transformRecord(data: unknown, normaliser: RowMaker): RecordOutcome {
  let stage: TransformStage = 'decode';
  try {
    const envelope = decodeEnvelope(data, normaliser.config.maxDecompressedBytes);
    if (envelope.messageType === 'CONTROL_MESSAGE') return { kind: 'dropped', reason: 'control_message' };

    const keepOtherLines = normaliser.config.nonBedrockLines === 'keep';
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
          logRow(event.message, {
            accountId: envelope.owner,
            logGroup: envelope.logGroup,
            logStream: envelope.logStream,
            eventId: event.id,
            eventTimestampMs: event.timestamp,
          }),
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

/** Unexpected exceptions (bugs) keep their type and stack as `cause`; the message names the stage only. */
export function asTransformError(error: unknown, stage: TransformStage): TransformError {
  if (error instanceof TransformError) return error;
  const name = error instanceof Error ? error.name : typeof error;
  return new TransformError(stage, `unexpected ${name}`, { cause: error });
}
