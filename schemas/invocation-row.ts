import { z } from 'zod';
import {
  FINISH_REASONS,
  NORMALISER_IDS,
  OPERATION_NAMES,
  PROFILE_TYPES,
  RECORD_SCHEMA_VERSION,
  WARNING_CODES,
} from './row-constants.ts';

/**
 * The output contract for one Bedrock invocation (record_schema_version "1"): one flat object per
 * ModelInvocationLog, written as one NDJSON line. Field names never change without a version bump.
 * The descriptions are the user-facing field reference (docs/fields.md is generated from them).
 *
 * @example
 * {"_timestamp":1743096168000000,"record_schema_version":"1","source_type":"bedrock_invocation_log",
 *  "aws_request_id":"8457577c-…","gen_ai_request_model":"anthropic.claude-3-haiku-20240307-v1:0", …}
 */

export {
  FINISH_REASONS,
  type FinishReason,
  NORMALISER_IDS,
  type NormaliserId,
  OPERATION_NAMES,
  type OperationName,
  PROFILE_TYPES,
  type ProfileType,
  RECORD_SCHEMA_VERSION,
  WARNING_CODES,
  type WarningCode,
} from './row-constants.ts';

const int = z.int().min(0);
const float = z.number().finite();
const str = z.string();

/** Common to invocation rows and `source_type: "log"` rows; absent for a line read from an S3 object. */
const cloudWatchFields = {
  aws_log_group: str.optional().describe('CloudWatch log group the event came from'),
  aws_log_stream: str.optional().describe('CloudWatch log stream'),
  aws_log_event_id: str.optional().describe('CloudWatch log event id'),
};

export const LOG_SOURCES = ['cloudwatch_logs', 's3'] as const;
const logSource = z
  .enum(LOG_SOURCES)
  .describe(
    'Where the log was read: `cloudwatch_logs` (log group subscription) or `s3` (Bedrock’s S3 log objects); a replayed row keeps its own',
  );

const InvocationRowFieldsSchema = z.strictObject({
  _timestamp: z.int().positive().describe('Invocation time, µs since the epoch (never processing time)'),
  record_schema_version: z.literal(RECORD_SCHEMA_VERSION).describe('Version of this field contract'),
  source_type: z
    .literal('bedrock_invocation_log')
    .describe('`bedrock_invocation_log` (log lines from other sources: `log`)'),
  aws_bedrock_event_time: str.describe("The invocation's own ISO-8601 timestamp, verbatim"),
  cloud_provider: z.literal('aws').describe('`aws`'),
  cloud_account_id: str.optional().describe('AWS account of the caller'),
  cloud_region: str.optional().describe('Region where the call was made (and logged)'),
  aws_request_id: str.optional().describe('Bedrock request id: the idempotency key for replay and dedupe'),
  aws_log_group: str
    .optional()
    .describe('CloudWatch log group the event came from (absent for logs read from S3)'),
  aws_log_stream: str.optional().describe('CloudWatch log stream'),
  aws_log_event_id: str.optional().describe('CloudWatch log event id'),
  aws_bedrock_log_source: logSource.optional(),
  gen_ai_provider_name: z.literal('aws.bedrock').describe('`aws.bedrock`'),
  gen_ai_operation_name: z
    .enum(OPERATION_NAMES)
    .describe('chat, text_completion, embeddings, generate_content'),
  aws_bedrock_operation: str.optional().describe('Converse, ConverseStream, InvokeModel, …, as logged'),
  aws_bedrock_streaming: z.boolean().describe('The operation streamed its response'),
  gen_ai_request_model: str.optional().describe('modelId exactly as called (id, profile id or ARN)'),
  gen_ai_response_model: str
    .optional()
    .describe('Resolved foundation model id, without profile prefix or ARN'),
  aws_bedrock_model_vendor: str.describe('anthropic, amazon, meta, mistral, cohere, … or unknown'),
  aws_bedrock_inference_profile_type: z
    .enum(PROFILE_TYPES)
    .describe(`How the model was addressed: ${PROFILE_TYPES.join(', ')}`),
  aws_bedrock_inference_profile_geo: str
    .optional()
    .describe('System profile prefix: us, eu, apac, global, …'),
  aws_bedrock_inference_region: str.optional().describe('Where inference ran: inferenceRegion ?? region'),
  aws_bedrock_caller_arn: str.optional().describe('identity.arn'),
  aws_bedrock_caller_name: str
    .optional()
    .describe('IAM user name, role session name, federated user or root'),
  aws_bedrock_caller_role: str.optional().describe('Role name for assumed-role callers'),
  gen_ai_usage_input_tokens: int.optional().describe('All input tokens, cache reads and writes included'),
  gen_ai_usage_output_tokens: int.optional().describe('Output tokens'),
  gen_ai_usage_cache_read_input_tokens: int
    .optional()
    .describe('Input tokens read from the prompt cache, when reported (0 stays 0)'),
  gen_ai_usage_cache_creation_input_tokens: int
    .optional()
    .describe('Input tokens written to the prompt cache, when reported'),
  gen_ai_usage_reasoning_output_tokens: int
    .optional()
    .describe('Reasoning tokens, where the provider reports them'),
  gen_ai_response_finish_reason: z
    .enum(FINISH_REASONS)
    .optional()
    .describe(`Normalised stop reason: ${FINISH_REASONS.join(', ')}`),
  aws_bedrock_stop_reason: str.optional().describe("The provider's own stop reason, verbatim"),
  gen_ai_response_id: str.optional().describe('Provider response id where one exists'),
  gen_ai_conversation_id: str.optional().describe('From requestMetadata (conversationKeys)'),
  gen_ai_request_max_tokens: int.optional().describe('Requested maximum output tokens'),
  gen_ai_request_temperature: float.optional().describe('Requested temperature'),
  gen_ai_request_top_p: float.optional().describe('Requested top_p'),
  gen_ai_request_top_k: int.optional().describe('Requested top_k'),
  aws_bedrock_latency_ms: float.optional().describe('Converse metrics.latencyMs or stream invocationLatency'),
  aws_bedrock_first_byte_latency_ms: float.optional().describe('Stream firstByteLatency'),
  aws_bedrock_status: z
    .enum(['success', 'error', 'guardrail_intervened'])
    .describe('error if errorCode, guardrail_intervened if a guardrail intervened, else success'),
  error_type: str.optional().describe('Envelope errorCode'),
  aws_bedrock_guardrail_action: z
    .enum(['INTERVENED', 'NONE'])
    .optional()
    .describe('INTERVENED or NONE, only where a guardrail reported'),
  aws_bedrock_input_s3_path: str
    .optional()
    .describe('inputBodyS3Path when the request body was offloaded to S3'),
  aws_bedrock_output_s3_path: str
    .optional()
    .describe('outputBodyS3Path when the response body was offloaded to S3'),
  aws_bedrock_input_hydrated: z
    .literal(true)
    .optional()
    .describe(
      'The offloaded request body was read back from S3 into the content fields (hydrateLargeBodies, backfill s3 --hydrate)',
    ),
  aws_bedrock_output_hydrated: z
    .literal(true)
    .optional()
    .describe(
      'The offloaded response body was read back from S3 into the content fields (hydrateLargeBodies, backfill s3 --hydrate)',
    ),
  aws_bedrock_embedding_count: int.optional().describe('Embeddings produced (vectors are never copied)'),
  aws_bedrock_image_count: int
    .optional()
    .describe('Images produced (bytes never copied); the number requested when the response went to S3'),
  aws_bedrock_image_width: int
    .optional()
    .describe('Image generation: the requested width in pixels, else the model default'),
  aws_bedrock_image_height: int
    .optional()
    .describe('Image generation: the requested height in pixels, else the model default'),
  aws_bedrock_image_quality: z
    .enum(['standard', 'premium'])
    .optional()
    .describe(
      'Image generation: standard or premium as requested, else the model default; absent without tiers',
    ),
  aws_bedrock_request_metadata: str.optional().describe('requestMetadata as JSON text'),
  gen_ai_usage_cost_usd: float.min(0).optional().describe('Estimated cost; present only when priced'),
  gen_ai_usage_input_cost_usd: float
    .min(0)
    .optional()
    .describe('Input part of the cost (cache reads and writes included)'),
  gen_ai_usage_output_cost_usd: float.min(0).optional().describe('Output part of the cost'),
  aws_bedrock_cost_status: z
    .enum(['priced', 'override', 'unpriced'])
    .describe('priced (price table), override (repo override table), unpriced (no cost fields, never $0)'),
  aws_bedrock_price_source: str.optional().describe('package@version or override table id'),
  aws_bedrock_price_tier: z
    .enum(['global', 'regional'])
    .optional()
    .describe('global for global.* profiles, else regional'),
  aws_bedrock_content_mode: z
    .enum(['full', 'preview', 'hash', 'none'])
    .describe('Which content fields the row carries (per log group)'),
  gen_ai_system_instructions: str.optional().describe('JSON text: system prompt parts (mode full)'),
  gen_ai_input_messages: str.optional().describe('JSON text, OpenTelemetry GenAI message shape'),
  gen_ai_output_messages: str.optional().describe('JSON text, same shape, stream chunks assembled'),
  gen_ai_input_preview: str.max(1024).optional().describe('Last user text, ≤ 256 characters'),
  gen_ai_output_preview: str.max(1024).optional().describe('First output text, ≤ 256 characters'),
  gen_ai_input_sha256: str
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe('sha256 of the input messages JSON (mode hash)'),
  gen_ai_output_sha256: str
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe('sha256 of the output messages JSON (mode hash)'),
  aws_bedrock_content_truncated: z.literal(true).optional().describe('A content field was cut'),
  normaliser: z.enum(NORMALISER_IDS).describe('Which provider normaliser produced the row'),
  normaliser_warnings: str.optional().describe('JSON array of warning codes; absent when none'),
  forwarder_version: str.describe('bedrock-o2 package version'),
});

const declaredFields = new Set(Object.keys(InvocationRowFieldsSchema.shape));

/** Declared fields plus promoted `aws_bedrock_request_metadata_<key>` strings (record-schema §4.5). */
export const InvocationRowSchema = InvocationRowFieldsSchema.catchall(str).superRefine((row, ctx) => {
  for (const key of Object.keys(row)) {
    if (declaredFields.has(key)) continue;
    if (!/^aws_bedrock_request_metadata_[a-z0-9_]{1,64}$/.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'unknown field' });
    }
  }
  if (row.normaliser_warnings !== undefined) {
    const codes: unknown = JSON.parse(row.normaliser_warnings);
    if (!Array.isArray(codes) || codes.some((c) => !(WARNING_CODES as readonly unknown[]).includes(c))) {
      ctx.addIssue({ code: 'custom', path: ['normaliser_warnings'], message: 'not a list of known codes' });
    }
  }
});

/** Field name -> description, in declaration order: the source of docs/fields.md. */
export function describeInvocationFields(): [string, string][] {
  return Object.entries(InvocationRowFieldsSchema.shape).map(([k, v]) => [k, v.description ?? '']);
}

export type InvocationRow = z.infer<typeof InvocationRowSchema>;
/** The declared fields only (without promoted metadata columns). */
export type InvocationRowFields = z.infer<typeof InvocationRowFieldsSchema>;

export const LogRowSchema = z.strictObject({
  _timestamp: z.int().positive(),
  record_schema_version: z.literal(RECORD_SCHEMA_VERSION),
  source_type: z.literal('log'),
  message: str.describe('The log line (cut at 32 KiB)'),
  cloud_provider: z.literal('aws'),
  cloud_account_id: str.optional(),
  ...cloudWatchFields,
  aws_bedrock_log_source: logSource.optional(),
  aws_bedrock_content_truncated: z.literal(true).optional(),
  forwarder_version: str,
});
export type LogRow = z.infer<typeof LogRowSchema>;
