import { asCount, asNumber, asObject, asString, type JsonObject } from '../json-access.ts';
import type { BodyUsage } from '../providers/provider.ts';

/**
 * What Bedrock itself adds to provider bodies, whatever the provider: `amazon-bedrock-invocationMetrics`
 * (latency, first-byte latency and token counts on the last stream chunk) and the guardrail keys
 * `amazon-bedrock-guardrailAction` / `amazon-bedrock-trace.guardrail` (on chunks or a whole body).
 */
export interface BedrockAdditions {
  readonly latencyMs: number | undefined;
  readonly firstByteLatencyMs: number | undefined;
  readonly usage: BodyUsage | undefined;
  readonly guardrailAction: 'INTERVENED' | 'NONE' | undefined;
}

const NONE_FOUND: BedrockAdditions = {
  latencyMs: undefined,
  firstByteLatencyMs: undefined,
  usage: undefined,
  guardrailAction: undefined,
};

const METRICS_KEY = 'amazon-bedrock-invocationMetrics';
const GUARDRAIL_ACTION_KEY = 'amazon-bedrock-guardrailAction';
const TRACE_KEY = 'amazon-bedrock-trace';

export function bedrockAdditions(outputBody: unknown): BedrockAdditions {
  if (Array.isArray(outputBody)) return fromChunks(outputBody);
  const body = asObject(outputBody);
  return body === undefined ? NONE_FOUND : fromChunks([body]);
}

function fromChunks(chunks: readonly unknown[]): BedrockAdditions {
  let metrics: JsonObject | undefined;
  let guardrail: 'INTERVENED' | 'NONE' | undefined;
  for (const item of chunks) {
    const chunk = asObject(item);
    if (chunk === undefined) continue;
    // Keys are rare; a direct lookup per chunk is cheaper than scanning keys.
    const chunkMetrics = chunk[METRICS_KEY];
    if (chunkMetrics !== undefined) metrics = asObject(chunkMetrics) ?? metrics;
    const action = chunk[GUARDRAIL_ACTION_KEY];
    if (action !== undefined) {
      if (asString(action)?.toUpperCase() === 'INTERVENED') guardrail = 'INTERVENED';
      else guardrail ??= 'NONE';
    }
    if (chunk[TRACE_KEY] !== undefined && asObject(chunk[TRACE_KEY])?.['guardrail'] !== undefined)
      guardrail ??= 'NONE';
  }
  if (metrics === undefined)
    return guardrail === undefined ? NONE_FOUND : { ...NONE_FOUND, guardrailAction: guardrail };
  return {
    latencyMs: asNumber(metrics['invocationLatency']),
    firstByteLatencyMs: asNumber(metrics['firstByteLatency']),
    usage: {
      inputTokens: asCount(metrics['inputTokenCount']),
      outputTokens: asCount(metrics['outputTokenCount']),
      cacheReadTokens: asCount(metrics['cacheReadInputTokenCount']),
      cacheWriteTokens: asCount(metrics['cacheWriteInputTokenCount']),
    },
    guardrailAction: guardrail,
  };
}
