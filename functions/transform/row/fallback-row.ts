import type { InvocationRow } from '../../../schemas/invocation-row.ts';
import { RECORD_SCHEMA_VERSION, type WarningCode } from '../../../schemas/row-constants.ts';
import { asObject, asString, type JsonObject } from '../json-access.ts';
import type { LogEventMeta } from './normalise.ts';
import { invocationRowTimeMs, rowTimestamp } from './row-time.ts';
import { FORWARDER_VERSION } from './version.ts';
import { warningsJson } from './warnings.ts';

/**
 * The row for an invocation whose normalisation threw (a defect, not bad data: data problems never throw).
 * It costs that invocation its details, never the Firehose record and its neighbours: the envelope's own
 * fields, read again defensively, with warning `normalise_failed`; no content (mode `none`) and no price.
 */

const MAX_STRING = 2048;

/** A short string field of the envelope, or undefined if it is anything else or reading it throws. */
function envelopeString(read: () => unknown): string | undefined {
  try {
    const value = asString(read());
    return value === undefined || value.length > MAX_STRING ? undefined : value;
  } catch {
    return undefined;
  }
}

export function fallbackRow(log: JsonObject, meta: LogEventMeta, nowMs: number): InvocationRow {
  const warnings: WarningCode[] = [];
  const eventTime = envelopeString(() => log['timestamp']);
  const timestampMs = invocationRowTimeMs(
    eventTime === undefined ? Number.NaN : Date.parse(eventTime),
    meta.eventTimestampMs,
    nowMs,
    warnings,
  );
  warnings.push('normalise_failed');
  const operation = envelopeString(() => log['operation']);
  const region = envelopeString(() => log['region']);
  const errorCode = envelopeString(() => log['errorCode']);
  const row = {
    _timestamp: rowTimestamp(timestampMs),
    record_schema_version: RECORD_SCHEMA_VERSION,
    source_type: 'bedrock_invocation_log',
    aws_bedrock_event_time: eventTime ?? new Date(timestampMs).toISOString(),
    cloud_provider: 'aws',
    cloud_account_id: envelopeString(() => log['accountId']),
    cloud_region: region,
    aws_request_id: envelopeString(() => log['requestId']),
    aws_log_group: meta.logGroup,
    aws_log_stream: meta.logStream,
    aws_log_event_id: meta.eventId,
    aws_bedrock_log_source: meta.logSource,
    gen_ai_provider_name: 'aws.bedrock',
    gen_ai_operation_name: 'chat',
    aws_bedrock_operation: operation,
    aws_bedrock_streaming: operation?.endsWith('Stream') === true,
    gen_ai_request_model: envelopeString(() => log['modelId']),
    aws_bedrock_model_vendor: 'unknown',
    aws_bedrock_inference_profile_type: 'none',
    aws_bedrock_inference_region: envelopeString(() => log['inferenceRegion']) ?? region,
    aws_bedrock_caller_arn: envelopeString(() => asObject(log['identity'])?.['arn']),
    aws_bedrock_status: errorCode === undefined ? 'success' : 'error',
    error_type: errorCode,
    aws_bedrock_cost_status: 'unpriced',
    aws_bedrock_content_mode: 'none',
    normaliser: 'generic',
    normaliser_warnings: warningsJson(warnings),
    forwarder_version: FORWARDER_VERSION,
  } as const;
  return row as InvocationRow;
}
