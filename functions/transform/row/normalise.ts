import type { InvocationRow, InvocationRowFields } from '../../../schemas/invocation-row.ts';
import { RECORD_SCHEMA_VERSION, type WarningCode } from '../../../schemas/row-constants.ts';
import type { TransformConfig } from '../../../schemas/transform-config.ts';
import { asCount, asObject, asString, type JsonObject } from '../json-access.ts';
import { type PriceRequest, type PriceResult, priceInvocation } from '../pricing/price-invocation.ts';
import { generic } from '../providers/generic.ts';
import { selectProvider } from '../providers/index.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from '../providers/provider.ts';
import { type BedrockAdditions, bedrockAdditions } from './bedrock-additions.ts';
import { parseCaller } from './caller.ts';
import { type ContentPolicy, contentFields, contentPolicyFor } from './content.ts';
import { fallbackRow } from './fallback-row.ts';
import { toFinishReason } from './finish-reason.ts';
import { createModelResolver, type ResolvedModel, refineWithBodyModel } from './model-id.ts';
import { metadataFields } from './request-metadata.ts';
import { invocationRowTimeMs, rowTimestamp } from './row-time.ts';
import { FORWARDER_VERSION } from './version.ts';
import { addWarnings, warningsJson } from './warnings.ts';

/**
 * One ModelInvocationLog → one invocation row (record-schema §2, §4). Envelope fields, model resolution,
 * tokens, status, content, metadata and price are done here once; the provider only reads its bodies.
 */

/** Where a log was read: a CloudWatch Logs subscription (or CloudWatch backfill), or Bedrock's S3 objects. */
export type LogSource = 'cloudwatch_logs' | 's3';

/** Where the log event came from (the CloudWatch fields are absent for a log read from S3). */
export interface LogEventMeta {
  readonly logSource?: LogSource | undefined;
  readonly logGroup?: string | undefined;
  readonly logStream?: string | undefined;
  readonly eventId?: string | undefined;
  readonly eventTimestampMs?: number | undefined;
  /** Which offloaded bodies were read back from S3 into the log (logs/hydrate.ts); absent when none. */
  readonly hydrated?: { readonly input: boolean; readonly output: boolean } | undefined;
}

export interface NormaliserOptions {
  /** Processing time, only to flag rows outside OpenObserve's ingest window (never to stamp rows). */
  readonly nowMs?: () => number;
  readonly price?: (request: PriceRequest) => PriceResult;
  /** Told when normalising one invocation threw (a defect); that invocation becomes a fallback row. */
  readonly onFailure?: (error: unknown) => void;
}

/** What the Firehose pipeline needs of a normaliser: the config and one row per invocation log. */
export type RowMaker = Pick<Normaliser, 'config' | 'invocationRow'>;

export interface Normaliser {
  readonly config: TransformConfig;
  invocationRow(log: JsonObject, meta: LogEventMeta): InvocationRow;
  /** What the row's price is computed from, for tools that price logs without making rows (`prices`). */
  priceRequest(log: JsonObject): PriceRequest;
}

const HOUR_MS = 3_600_000;
const FUTURE_WINDOW_MS = 24 * HOUR_MS;
// Envelope strings are short in practice; this only bounds hostile input so a row stays small.
const MAX_ENVELOPE_STRING = 2048;

export function createNormaliser(config: TransformConfig, options: NormaliserOptions = {}): Normaliser {
  const resolveModel = createModelResolver(config);
  const nowMs = options.nowMs ?? Date.now;
  const price = options.price ?? priceInvocation;
  const windowMs = config.ingestWindowHours * HOUR_MS;
  // A record's invocations share one log group: skip the per-config policy tables while it stays the same.
  let policyLogGroup: string | undefined;
  let policy = contentPolicyFor(config, undefined);
  const policyOf = (logGroup: string | undefined): ContentPolicy => {
    if (logGroup !== policyLogGroup) {
      policy = contentPolicyFor(config, logGroup);
      policyLogGroup = logGroup;
    }
    return policy;
  };

  return {
    config,
    invocationRow(log, meta) {
      const now = nowMs();
      try {
        return buildRow(log, meta, {
          config,
          resolved: resolveModel(bounded(asString(log['modelId']))),
          policy: policyOf(meta.logGroup),
          nowMs: now,
          windowMs,
          price,
        });
      } catch (error) {
        // One invocation's defect costs its details only, never the record and its neighbours.
        options.onFailure?.(error);
        return fallbackRow(log, meta, now);
      }
    },
    priceRequest(log) {
      const warnings: WarningCode[] = [];
      const bodies = readBodies(log, resolveModel(bounded(asString(log['modelId']))), warnings);
      const eventTime = asString(log['timestamp']);
      return priceRequestOf(
        bodies,
        readUsage(log, bodies, warnings),
        bounded(asString(log['region'])),
        eventTime === undefined ? Number.NaN : Date.parse(eventTime),
      );
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

/**
 * Every declared field, present even when undefined: the row is built as one object literal (one hidden
 * class, no dictionary-mode growth on the hot path) and JSON.stringify leaves undefined fields out, so no
 * `null` reaches OpenObserve. The mapped type makes the compiler check that no field is forgotten.
 */
type RowDraft = { [K in keyof InvocationRowFields]-?: InvocationRowFields[K] | undefined };

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

// Invocations in one batch share few distinct timestamps (second precision), interleaved across log
// streams: parse each once. Bounded: cleared when full, so hostile input cannot grow it.
const eventTimes = new Map<string, number>();
const MAX_EVENT_TIMES = 4096;
function parseEventTime(eventTime: string): number {
  let ms = eventTimes.get(eventTime);
  if (ms === undefined) {
    ms = Date.parse(eventTime);
    if (eventTimes.size >= MAX_EVENT_TIMES) eventTimes.clear();
    eventTimes.set(eventTime, ms);
  }
  return ms;
}

/** §4.1: the invocation's own time; the log event's when it is missing or unparsable; never processing time. */
function invocationTimeMs(
  eventTime: string | undefined,
  meta: LogEventMeta,
  ctx: RowContext,
  warnings: WarningCode[],
): number {
  const timestampMs = invocationRowTimeMs(
    eventTime === undefined ? Number.NaN : parseEventTime(eventTime),
    meta.eventTimestampMs,
    ctx.nowMs,
    warnings,
  );
  if (timestampMs < ctx.nowMs - ctx.windowMs || timestampMs > ctx.nowMs + FUTURE_WINDOW_MS) {
    warnings.push('timestamp_outside_ingest_window');
  }
  return timestampMs;
}

/** §4.2 */
function statusOf(
  errorCode: string | undefined,
  stopReason: string | undefined,
  guardrailAction: string | undefined,
): 'success' | 'error' | 'guardrail_intervened' {
  if (errorCode !== undefined) return 'error';
  return stopReason === 'guardrail_intervened' || guardrailAction === 'INTERVENED'
    ? 'guardrail_intervened'
    : 'success';
}

/** The envelope's identity fields and what the provider read from the bodies. */
interface BodyReading {
  readonly input: JsonObject | undefined;
  readonly output: JsonObject | undefined;
  readonly operation: string | undefined;
  readonly requestId: string | undefined;
  readonly modelId: string | undefined;
  readonly streaming: boolean;
  readonly provider: Provider;
  readonly fields: ProviderFields;
  readonly additions: BedrockAdditions;
  readonly resolved: ResolvedModel;
}

function readBodies(log: JsonObject, resolvedById: ResolvedModel, warnings: WarningCode[]): BodyReading {
  const input = asObject(log['input']);
  const output = asObject(log['output']);
  const operation = bounded(asString(log['operation']));
  const requestId = bounded(asString(log['requestId']));
  const modelId = bounded(asString(log['modelId']));
  if (requestId === undefined || modelId === undefined) warnings.push('envelope_field_missing');

  const providerInput: ProviderInput = {
    operation,
    streaming: operation?.endsWith('Stream') === true,
    vendor: resolvedById.vendor,
    model: resolvedById.model,
    inputBody: input?.['inputBodyJson'],
    outputBody: output?.['outputBodyJson'],
  };
  const choice = selectProvider(providerInput);
  addWarnings(warnings, choice.warnings);
  const { provider, fields } = runProvider(choice.provider, providerInput, warnings);
  if (fields.warnings !== undefined) addWarnings(warnings, fields.warnings);
  const additions = bedrockAdditions(providerInput.outputBody);
  const resolved = refineWithBodyModel(resolvedById, fields.bodyModel);
  addWarnings(warnings, resolved.warnings);
  return {
    input,
    output,
    operation,
    requestId,
    modelId,
    streaming: providerInput.streaming,
    provider,
    fields,
    additions,
    resolved,
  };
}

/** What was used and produced: tokens (§4.8), the error, offloaded bodies, images. */
interface UsageReading {
  readonly errorCode: string | undefined;
  readonly tokens: TokenCounts;
  readonly inputS3Path: string | undefined;
  readonly outputS3Path: string | undefined;
  readonly imageCount: number | undefined;
  /** What image models bill by: the size (envelope, else request, else default) and quality tier. */
  readonly imageSize: { readonly width: number; readonly height: number } | undefined;
}

function readUsage(
  log: JsonObject,
  bodies: BodyReading,
  warnings: WarningCode[],
  hydrated?: LogEventMeta['hydrated'],
): UsageReading {
  const { input, output, fields, additions } = bodies;
  const errorCode = bounded(asString(log['errorCode']));
  const tokens = tokenCounts(input, output, mergeUsage(fields.usage, additions.usage), warnings);
  const chatLike = fields.operationName === 'chat' || fields.operationName === 'text_completion';
  if (errorCode === undefined && (tokens.input === undefined || (chatLike && tokens.output === undefined))) {
    warnings.push('tokens_missing');
  }
  const inputS3Path = bounded(asString(input?.['inputBodyS3Path']));
  const outputS3Path = bounded(asString(output?.['outputBodyS3Path']));
  // A body read back from S3 is in the row: only one still missing is worth the warning.
  if (
    (inputS3Path !== undefined && hydrated?.input !== true) ||
    (outputS3Path !== undefined && hydrated?.output !== true)
  )
    warnings.push('body_offloaded');
  const imageCount =
    fields.imageCount ??
    (outputS3Path !== undefined && errorCode === undefined ? fields.requestedImageCount : undefined);
  return { errorCode, tokens, inputS3Path, outputS3Path, imageCount, imageSize: imageSizeOf(output, fields) };
}

/** The one place a price request is built: rows and `prices check` price an invocation the same way. */
function priceRequestOf(
  bodies: BodyReading,
  usage: UsageReading,
  region: string | undefined,
  timestampMs: number,
): PriceRequest {
  const { fields } = bodies;
  const { errorCode, tokens } = usage;
  return {
    model: bodies.resolved,
    region,
    timestampMs,
    operationName: fields.operationName,
    // A failed call is not billed: price it as the zero tokens it used, so a known model shows $0.
    inputTokens: tokens.input ?? (errorCode === undefined ? undefined : 0),
    outputTokens: tokens.output ?? (errorCode === undefined ? undefined : 0),
    cacheReadTokens: tokens.cacheRead,
    cacheWriteTokens: tokens.cacheWrite,
    imageCount: usage.imageCount,
    embeddingCount: fields.embeddingCount,
    imageSize: usage.imageSize,
    imageQuality: fields.imageQuality,
  };
}

function buildRow(log: JsonObject, meta: LogEventMeta, ctx: RowContext): InvocationRow {
  const warnings: WarningCode[] = [];
  const bodies = readBodies(log, ctx.resolved, warnings);
  const { operation, requestId, modelId, provider, fields, additions, resolved } = bodies;

  const eventTime = bounded(asString(log['timestamp']));
  const timestampMs = invocationTimeMs(eventTime, meta, ctx, warnings);
  const region = bounded(asString(log['region']));
  const callerArn = bounded(asString(asObject(log['identity'])?.['arn']));
  const caller = parseCaller(callerArn);

  const usage = readUsage(log, bodies, warnings, meta.hydrated);
  const { errorCode, tokens, inputS3Path, outputS3Path, imageCount } = usage;
  const stopReason = bounded(fields.stopReason);
  const guardrailAction = fields.guardrailAction ?? additions.guardrailAction;
  const metadata = metadataFields(log['requestMetadata'], ctx.config, ctx.policy.redact);

  const price = ctx.price(priceRequestOf(bodies, usage, region, timestampMs));
  addWarnings(warnings, price.warnings);

  const content = contentFields(
    { system: fields.system, input: fields.input, output: fields.output },
    ctx.policy,
  );
  if (content.truncated) warnings.push('content_truncated');

  const row: RowDraft = {
    _timestamp: rowTimestamp(timestampMs),
    record_schema_version: RECORD_SCHEMA_VERSION,
    source_type: 'bedrock_invocation_log',
    aws_bedrock_event_time: eventTime ?? new Date(timestampMs).toISOString(),
    cloud_provider: 'aws',
    cloud_account_id: bounded(asString(log['accountId'])),
    cloud_region: region,
    aws_request_id: requestId,
    aws_log_group: meta.logGroup,
    aws_log_stream: meta.logStream,
    aws_log_event_id: meta.eventId,
    aws_bedrock_log_source: meta.logSource,
    gen_ai_provider_name: 'aws.bedrock',
    gen_ai_operation_name: fields.operationName,
    aws_bedrock_operation: operation,
    aws_bedrock_streaming: bodies.streaming,
    gen_ai_request_model: modelId,
    gen_ai_response_model: resolved.model,
    aws_bedrock_model_vendor: resolved.vendor,
    aws_bedrock_inference_profile_type: resolved.profileType,
    aws_bedrock_inference_profile_geo: resolved.profileGeo,
    aws_bedrock_inference_region: bounded(asString(log['inferenceRegion'])) ?? region,
    aws_bedrock_caller_arn: callerArn,
    aws_bedrock_caller_name: caller.name,
    aws_bedrock_caller_role: caller.role,
    gen_ai_usage_input_tokens: tokens.input,
    gen_ai_usage_output_tokens: tokens.output,
    gen_ai_usage_cache_read_input_tokens: tokens.cacheRead,
    gen_ai_usage_cache_creation_input_tokens: tokens.cacheWrite,
    gen_ai_usage_reasoning_output_tokens: tokens.reasoning,
    gen_ai_response_finish_reason: toFinishReason(stopReason),
    aws_bedrock_stop_reason: stopReason,
    gen_ai_response_id: bounded(fields.responseId),
    gen_ai_conversation_id: metadata.conversationId,
    gen_ai_request_max_tokens: fields.maxTokens,
    gen_ai_request_temperature: fields.temperature,
    gen_ai_request_top_p: fields.topP,
    gen_ai_request_top_k: fields.topK,
    aws_bedrock_latency_ms: fields.latencyMs ?? additions.latencyMs,
    aws_bedrock_first_byte_latency_ms: additions.firstByteLatencyMs,
    aws_bedrock_status: statusOf(errorCode, stopReason, guardrailAction),
    error_type: errorCode,
    aws_bedrock_guardrail_action: guardrailAction,
    aws_bedrock_input_s3_path: inputS3Path,
    aws_bedrock_output_s3_path: outputS3Path,
    aws_bedrock_input_hydrated: meta.hydrated?.input === true ? true : undefined,
    aws_bedrock_output_hydrated: meta.hydrated?.output === true ? true : undefined,
    aws_bedrock_embedding_count: fields.embeddingCount,
    aws_bedrock_image_count: imageCount,
    aws_bedrock_image_width: usage.imageSize?.width,
    aws_bedrock_image_height: usage.imageSize?.height,
    aws_bedrock_image_quality: fields.imageQuality,
    aws_bedrock_request_metadata: metadata.json,
    gen_ai_usage_cost_usd: price.costUsd,
    gen_ai_usage_input_cost_usd: price.inputCostUsd,
    gen_ai_usage_output_cost_usd: price.outputCostUsd,
    aws_bedrock_cost_status: price.status,
    aws_bedrock_price_source: price.source,
    aws_bedrock_price_tier: price.tier,
    aws_bedrock_content_mode: ctx.policy.mode,
    gen_ai_system_instructions: content.systemInstructions,
    gen_ai_input_messages: content.inputMessages,
    gen_ai_output_messages: content.outputMessages,
    gen_ai_input_preview: content.inputPreview,
    gen_ai_output_preview: content.outputPreview,
    gen_ai_input_sha256: content.inputSha256,
    gen_ai_output_sha256: content.outputSha256,
    aws_bedrock_content_truncated: content.truncated ? true : undefined,
    normaliser: provider.id,
    normaliser_warnings: warnings.length === 0 ? undefined : warningsJson(warnings),
    forwarder_version: FORWARDER_VERSION,
  };
  // Promoted metadata columns go after the declared fields; JSON key order is cosmetic to OpenObserve.
  const withMetadata = row as Record<string, unknown>;
  for (const [column, value] of metadata.promoted) withMetadata[column] = value;
  return row as unknown as InvocationRow;
}

/** Envelope outputImageWidth/Height (AWS's own record of the size) first, else what the request set. */
function imageSizeOf(
  output: JsonObject | undefined,
  fields: ProviderFields,
): { width: number; height: number } | undefined {
  const width = asCount(output?.['outputImageWidth']) ?? fields.imageWidth;
  const height = asCount(output?.['outputImageHeight']) ?? fields.imageHeight;
  return width === undefined || height === undefined ? undefined : { width, height };
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
    reasoning: body?.reasoningTokens,
  };
}
