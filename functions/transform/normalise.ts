import { contentSettingsFor, type TransformConfig } from '../../schemas/config.ts';
import { type InvocationRow, RECORD_SCHEMA_VERSION, type WarningCode } from '../../schemas/invocation-row.ts';
import { bedrockAdditions } from './bedrock-additions.ts';
import { parseCaller } from './caller.ts';
import { type ContentPolicy, contentFields, contentPolicy } from './content.ts';
import { toFinishReason } from './finish-reason.ts';
import { asCount, asObject, asString, firstDefined, type JsonObject } from './json-access.ts';
import { createModelResolver, type ResolvedModel, refineWithBodyModel } from './model-id.ts';
import { type PriceRequest, type PriceResult, priceInvocation } from './pricing/price-invocation.ts';
import { generic } from './providers/generic.ts';
import { selectProvider } from './providers/index.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from './providers/provider.ts';
import { metadataFields } from './request-metadata.ts';
import { FORWARDER_VERSION } from './version.ts';

/**
 * One ModelInvocationLog → one invocation row (record-schema §2, §4). Envelope fields, model resolution,
 * tokens, status, content, metadata and price are done here once; the provider only reads its bodies.
 */

/** Where the log event came from (absent for S3 backfill). */
export interface LogEventMeta {
  readonly logGroup?: string | undefined;
  readonly logStream?: string | undefined;
  readonly eventId?: string | undefined;
  readonly eventTimestampMs?: number | undefined;
}

export interface NormaliserOptions {
  /** Processing time, only to flag rows outside OpenObserve's ingest window (never to stamp rows). */
  readonly nowMs?: () => number;
  readonly price?: (request: PriceRequest) => PriceResult;
}

export interface Normaliser {
  readonly config: TransformConfig;
  invocationRow(log: JsonObject, meta: LogEventMeta): InvocationRow;
}

const HOUR_MS = 3_600_000;
const FUTURE_WINDOW_MS = 24 * HOUR_MS;
// Envelope strings are short in practice; this only bounds hostile input so a row stays small.
const MAX_ENVELOPE_STRING = 2048;

export function createNormaliser(config: TransformConfig, options: NormaliserOptions = {}): Normaliser {
  const resolveModel = createModelResolver(config);
  const policies = new Map<string, ContentPolicy>();
  const policyFor = (logGroup: string | undefined): ContentPolicy => {
    const key = logGroup ?? '';
    let policy = policies.get(key);
    if (policy === undefined) {
      policy = contentPolicy(contentSettingsFor(config, logGroup));
      policies.set(key, policy);
    }
    return policy;
  };
  const nowMs = options.nowMs ?? Date.now;
  const price = options.price ?? priceInvocation;
  const windowMs = config.ingestWindowHours * HOUR_MS;

  return {
    config,
    invocationRow(log, meta) {
      return buildRow(log, meta, {
        config,
        resolved: resolveModel(bounded(asString(log['modelId']))),
        policy: policyFor(meta.logGroup),
        nowMs: nowMs(),
        windowMs,
        price,
      });
    },
  };
}

interface RowContext {
  readonly config: TransformConfig;
  readonly resolved: ResolvedModel;
  readonly policy: ContentPolicy;
  readonly nowMs: number;
  readonly windowMs: number;
  readonly price: (request: PriceRequest) => PriceResult;
}

type MutableRow = Record<string, unknown>;

function put(row: MutableRow, key: string, value: unknown): void {
  if (value !== undefined) row[key] = value;
}

function bounded(value: string | undefined): string | undefined {
  return value !== undefined && value.length > MAX_ENVELOPE_STRING
    ? `${value.slice(0, MAX_ENVELOPE_STRING)}…[truncated ${value.length - MAX_ENVELOPE_STRING} chars]`
    : value;
}

/** A provider that throws on a body it misread must not fail the Firehose record: fall back to generic. */
function runProvider(
  provider: Provider,
  input: ProviderInput,
  warnings: WarningCode[],
): { provider: Provider; fields: ProviderFields } {
  try {
    return { provider, fields: provider.normalise(input) };
  } catch {
    warnings.push('unknown_body_shape');
    return { provider: generic, fields: generic.normalise(input) };
  }
}

function buildRow(log: JsonObject, meta: LogEventMeta, ctx: RowContext): InvocationRow {
  const warnings: WarningCode[] = [];
  const input = asObject(log['input']);
  const output = asObject(log['output']);
  const operation = bounded(asString(log['operation']));
  const streaming = operation?.endsWith('Stream') === true;
  const requestId = bounded(asString(log['requestId']));
  const modelId = bounded(asString(log['modelId']));
  if (requestId === undefined || modelId === undefined) warnings.push('envelope_field_missing');

  // --- provider ---
  const providerInput: ProviderInput = {
    operation,
    streaming,
    vendor: ctx.resolved.vendor,
    model: ctx.resolved.model,
    inputBody: input?.['inputBodyJson'],
    outputBody: output?.['outputBodyJson'],
  };
  const choice = selectProvider(providerInput);
  warnings.push(...choice.warnings);
  const { provider, fields } = runProvider(choice.provider, providerInput, warnings);
  if (fields.warnings !== undefined) warnings.push(...fields.warnings);
  const additions = bedrockAdditions(providerInput.outputBody);
  const resolved = refineWithBodyModel(ctx.resolved, fields.bodyModel);
  warnings.push(...resolved.warnings);

  // --- time ---
  const eventTime = asString(log['timestamp']);
  let timestampMs = eventTime === undefined ? Number.NaN : Date.parse(eventTime);
  if (Number.isNaN(timestampMs)) {
    timestampMs = meta.eventTimestampMs ?? ctx.nowMs;
    warnings.push('timestamp_from_log_event');
  }
  if (timestampMs < ctx.nowMs - ctx.windowMs || timestampMs > ctx.nowMs + FUTURE_WINDOW_MS) {
    warnings.push('timestamp_outside_ingest_window');
  }

  const row: MutableRow = {
    _timestamp: Math.trunc(timestampMs) * 1000,
    record_schema_version: RECORD_SCHEMA_VERSION,
    source_type: 'bedrock_invocation_log',
    aws_bedrock_event_time: bounded(eventTime) ?? new Date(timestampMs).toISOString(),
    cloud_provider: 'aws',
  };
  const region = bounded(asString(log['region']));
  put(row, 'cloud_account_id', bounded(asString(log['accountId'])));
  put(row, 'cloud_region', region);
  put(row, 'aws_request_id', requestId);
  put(row, 'aws_log_group', meta.logGroup);
  put(row, 'aws_log_stream', meta.logStream);
  put(row, 'aws_log_event_id', meta.eventId);
  row['gen_ai_provider_name'] = 'aws.bedrock';
  row['gen_ai_operation_name'] = fields.operationName;
  put(row, 'aws_bedrock_operation', operation);
  row['aws_bedrock_streaming'] = streaming;
  put(row, 'gen_ai_request_model', modelId);
  put(row, 'gen_ai_response_model', resolved.model);
  row['aws_bedrock_model_vendor'] = resolved.vendor;
  row['aws_bedrock_inference_profile_type'] = resolved.profileType;
  put(row, 'aws_bedrock_inference_profile_geo', resolved.profileGeo);
  put(row, 'aws_bedrock_inference_region', bounded(asString(log['inferenceRegion'])) ?? region);

  const callerArn = bounded(asString(asObject(log['identity'])?.['arn']));
  const caller = parseCaller(callerArn);
  put(row, 'aws_bedrock_caller_arn', callerArn);
  put(row, 'aws_bedrock_caller_name', caller.name);
  put(row, 'aws_bedrock_caller_role', caller.role);

  // --- tokens (§4.8) ---
  const errorCode = bounded(asString(log['errorCode']));
  const tokens = tokenCounts(input, output, mergeUsage(fields.usage, additions.usage), warnings);
  if (errorCode === undefined) {
    const needsOutput = fields.operationName === 'chat' || fields.operationName === 'text_completion';
    if (tokens.input === undefined || (needsOutput && tokens.output === undefined))
      warnings.push('tokens_missing');
  }
  put(row, 'gen_ai_usage_input_tokens', tokens.input);
  put(row, 'gen_ai_usage_output_tokens', tokens.output);
  put(row, 'gen_ai_usage_cache_read_input_tokens', tokens.cacheRead);
  put(row, 'gen_ai_usage_cache_creation_input_tokens', tokens.cacheWrite);
  put(row, 'gen_ai_usage_reasoning_output_tokens', tokens.reasoning);

  // --- outcome (§4.2) ---
  const stopReason = bounded(fields.stopReason);
  const guardrailAction = fields.guardrailAction ?? additions.guardrailAction;
  put(row, 'gen_ai_response_finish_reason', toFinishReason(stopReason));
  put(row, 'aws_bedrock_stop_reason', stopReason);
  put(row, 'gen_ai_response_id', bounded(fields.responseId));

  const metadata = metadataFields(log['requestMetadata'], ctx.config);
  put(row, 'gen_ai_conversation_id', metadata.conversationId);
  put(row, 'gen_ai_request_max_tokens', fields.maxTokens);
  put(row, 'gen_ai_request_temperature', fields.temperature);
  put(row, 'gen_ai_request_top_p', fields.topP);
  put(row, 'gen_ai_request_top_k', fields.topK);
  put(row, 'aws_bedrock_latency_ms', fields.latencyMs ?? additions.latencyMs);
  put(row, 'aws_bedrock_first_byte_latency_ms', additions.firstByteLatencyMs);
  row['aws_bedrock_status'] =
    errorCode !== undefined
      ? 'error'
      : stopReason === 'guardrail_intervened' || guardrailAction === 'INTERVENED'
        ? 'guardrail_intervened'
        : 'success';
  put(row, 'error_type', errorCode);
  put(row, 'aws_bedrock_guardrail_action', guardrailAction);

  const inputS3Path = bounded(asString(input?.['inputBodyS3Path']));
  const outputS3Path = bounded(asString(output?.['outputBodyS3Path']));
  if (inputS3Path !== undefined || outputS3Path !== undefined) warnings.push('body_offloaded');
  put(row, 'aws_bedrock_input_s3_path', inputS3Path);
  put(row, 'aws_bedrock_output_s3_path', outputS3Path);
  put(row, 'aws_bedrock_embedding_count', fields.embeddingCount);
  put(row, 'aws_bedrock_image_count', fields.imageCount);

  put(row, 'aws_bedrock_request_metadata', metadata.json);
  for (const [column, value] of metadata.promoted) row[column] = value;

  // --- price ---
  const price = ctx.price({
    model: resolved,
    region,
    timestampMs,
    operationName: fields.operationName,
    inputTokens: tokens.input,
    outputTokens: tokens.output,
    cacheReadTokens: tokens.cacheRead,
    cacheWriteTokens: tokens.cacheWrite,
    imageCount: fields.imageCount,
    embeddingCount: fields.embeddingCount,
  });
  put(row, 'gen_ai_usage_cost_usd', price.costUsd);
  put(row, 'gen_ai_usage_input_cost_usd', price.inputCostUsd);
  put(row, 'gen_ai_usage_output_cost_usd', price.outputCostUsd);
  row['aws_bedrock_cost_status'] = price.status;
  put(row, 'aws_bedrock_price_source', price.source);
  row['aws_bedrock_price_tier'] = price.tier;
  warnings.push(...price.warnings);

  // --- content (§4.6) ---
  row['aws_bedrock_content_mode'] = ctx.policy.mode;
  const content = contentFields(
    { system: fields.system, input: fields.input, output: fields.output },
    ctx.policy,
  );
  put(row, 'gen_ai_system_instructions', content.systemInstructions);
  put(row, 'gen_ai_input_messages', content.inputMessages);
  put(row, 'gen_ai_output_messages', content.outputMessages);
  put(row, 'gen_ai_input_preview', content.inputPreview);
  put(row, 'gen_ai_output_preview', content.outputPreview);
  put(row, 'gen_ai_input_sha256', content.inputSha256);
  put(row, 'gen_ai_output_sha256', content.outputSha256);
  if (content.truncated) {
    row['aws_bedrock_content_truncated'] = true;
    warnings.push('content_truncated');
  }

  row['normaliser'] = provider.id;
  if (warnings.length > 0) row['normaliser_warnings'] = JSON.stringify([...new Set(warnings)]);
  row['forwarder_version'] = FORWARDER_VERSION;
  return row as InvocationRow;
}

interface TokenCounts {
  readonly input: number | undefined;
  readonly output: number | undefined;
  readonly cacheRead: number | undefined;
  readonly cacheWrite: number | undefined;
  readonly reasoning: number | undefined;
}

function mergeUsage(provider: BodyUsage | undefined, bedrock: BodyUsage | undefined): BodyUsage | undefined {
  if (provider === undefined) return bedrock;
  if (bedrock === undefined) return provider;
  return {
    inputTokens: provider.inputTokens ?? bedrock.inputTokens,
    outputTokens: provider.outputTokens ?? bedrock.outputTokens,
    cacheReadTokens: provider.cacheReadTokens ?? bedrock.cacheReadTokens,
    cacheWriteTokens: provider.cacheWriteTokens ?? bedrock.cacheWriteTokens,
    reasoningTokens: provider.reasoningTokens,
  };
}

/** Envelope first, body as fallback (with `tokens_from_body`); input includes cache reads and writes. */
function tokenCounts(
  input: JsonObject | undefined,
  output: JsonObject | undefined,
  body: BodyUsage | undefined,
  warnings: WarningCode[],
): TokenCounts {
  let fromBody = false;
  const fromEnvelopeOrBody = (
    envelope: number | undefined,
    fallback: number | undefined,
  ): number | undefined => {
    if (envelope !== undefined) return envelope;
    if (fallback !== undefined) fromBody = true;
    return fallback;
  };
  const cacheRead = fromEnvelopeOrBody(asCount(input?.['cacheReadInputTokenCount']), body?.cacheReadTokens);
  const cacheWrite = fromEnvelopeOrBody(
    asCount(input?.['cacheWriteInputTokenCount']),
    body?.cacheWriteTokens,
  );
  const uncachedInput = fromEnvelopeOrBody(asCount(input?.['inputTokenCount']), body?.inputTokens);
  const outputTokens = fromEnvelopeOrBody(asCount(output?.['outputTokenCount']), body?.outputTokens);
  if (fromBody) warnings.push('tokens_from_body');
  return {
    input: uncachedInput === undefined ? undefined : uncachedInput + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output: outputTokens,
    cacheRead,
    cacheWrite,
    reasoning: firstDefined(body?.reasoningTokens),
  };
}
