import type { LogRow } from '../../../schemas/invocation-row.ts';
import { RECORD_SCHEMA_VERSION } from '../../../schemas/row-constants.ts';
import { cutUtf8, type Redact } from '../row/content.ts';
import type { LogSource } from '../row/normalise.ts';
import { rowTimestamp } from '../row/row-time.ts';
import { FORWARDER_VERSION } from '../row/version.ts';

/** A log event that is not a Bedrock invocation log keeps its text as `message` (record-schema §4.9). */

export const MAX_LOG_MESSAGE_BYTES = 32 * 1024;

export interface LogLineMeta {
  readonly accountId: string | undefined;
  readonly logSource: LogSource;
  /** The CloudWatch fields; absent for a line read from an S3 object. */
  readonly logGroup?: string | undefined;
  readonly logStream?: string | undefined;
  readonly eventId?: string | undefined;
  /** A valid row time (row/row-time.ts): the envelope check and the S3 path make sure of it. */
  readonly eventTimestampMs: number;
}

/** `redact`: the log group's redaction, applied before the cut so a cut never splits a match. */
export function logRow(message: string, meta: LogLineMeta, redact?: Redact): LogRow {
  const text = redact === undefined ? message : redact(message);
  const cut = text.length * 3 > MAX_LOG_MESSAGE_BYTES ? cutUtf8(text, MAX_LOG_MESSAGE_BYTES) : text;
  const row: Record<string, unknown> = {
    _timestamp: rowTimestamp(meta.eventTimestampMs),
    record_schema_version: RECORD_SCHEMA_VERSION,
    source_type: 'log',
    message: cut,
    cloud_provider: 'aws',
  };
  if (meta.accountId !== undefined) row['cloud_account_id'] = meta.accountId;
  if (meta.eventId !== undefined) {
    row['aws_log_group'] = meta.logGroup ?? '';
    row['aws_log_stream'] = meta.logStream ?? '';
    row['aws_log_event_id'] = meta.eventId;
  }
  row['aws_bedrock_log_source'] = meta.logSource;
  if (cut !== text) row['aws_bedrock_content_truncated'] = true;
  row['forwarder_version'] = FORWARDER_VERSION;
  return row as LogRow;
}
