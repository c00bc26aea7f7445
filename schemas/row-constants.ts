/**
 * The closed lists of the row contract (record-schema §2, §4.10), without zod: the Lambda imports these at
 * cold start, and the zod schemas in invocation-row.ts are built from them for tests and tools.
 */

export const RECORD_SCHEMA_VERSION = '1';

export const FINISH_REASONS = [
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'guardrail_intervened',
  'content_filtered',
  'error',
  'other',
] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

export const PROFILE_TYPES = [
  'none',
  'cross_region',
  'global_cross_region',
  'application',
  'provisioned',
  'custom_deployment',
  'imported',
  'prompt',
  'prompt_router',
] as const;
export type ProfileType = (typeof PROFILE_TYPES)[number];

export const OPERATION_NAMES = ['chat', 'text_completion', 'embeddings', 'generate_content'] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export const WARNING_CODES = [
  'unknown_body_shape',
  'unknown_provider',
  'tokens_from_body',
  'tokens_missing',
  'model_alias_unknown',
  'model_unresolved',
  'body_offloaded',
  'content_truncated',
  'stream_incomplete',
  'tool_arguments_unparsable',
  'timestamp_from_log_event',
  'timestamp_outside_ingest_window',
  'envelope_field_missing',
  'price_missing',
  'normalise_failed',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export const NORMALISER_IDS = [
  'converse',
  'anthropic_messages',
  'anthropic_text',
  'nova',
  'titan_text',
  'titan_embed',
  'titan_image',
  'llama',
  'mistral',
  'cohere',
  'cohere_embed',
  'ai21',
  'deepseek',
  'openai',
  'writer',
  'qwen',
  'stability',
  'generic',
] as const;
export type NormaliserId = (typeof NORMALISER_IDS)[number];
