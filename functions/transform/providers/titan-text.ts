import type { WarningCode } from '../../../schemas/invocation-row.ts';
import {
  asCount,
  asNumber,
  asObject,
  asString,
  type JsonObject,
  objectsOf,
  sumCounts,
} from '../json-access.ts';
import { type Message, textMessage } from '../row/messages.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Amazon Titan Text (Lite, Express, Premier): `inputText` (prompt and any instructions in one string) and
 * `textGenerationConfig` in; `results[]` with `outputText`, `tokenCount`, `completionReason` and
 * `inputTextTokenCount` out. Streams are `{outputText, index, totalOutputTextTokenCount, completionReason,
 * inputTextTokenCount}` chunks.
 */

export const titanText: Provider = {
  id: 'titan_text',
  vendors: ['amazon'],
  accepts,
  normalise,
};

/** Request fields only Titan Embeddings has: with any of them an `inputText` body is an embedding request. */
export const TITAN_EMBED_REQUEST_KEYS = [
  'inputImage',
  'dimensions',
  'normalize',
  'embeddingTypes',
  'embeddingConfig',
] as const;

/**
 * `inputText` is shared with Titan Embeddings, so: a text-generation output or `textGenerationConfig` says
 * text; an embedding output or an embeddings-only field says not; otherwise a model id naming `embed` says not.
 * A bare `{inputText}` of an unknown model reads as text (registry order puts titan_text first).
 */
function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  const verdict = outputVerdict(input.outputBody);
  if (verdict !== undefined)
    return verdict && (request === undefined || typeof request['inputText'] === 'string');
  if (request !== undefined) return isTextRequest(request, input.model);
  return isTitanTextModel(input.model);
}

function outputVerdict(output: unknown): boolean | undefined {
  if (Array.isArray(output)) {
    for (const chunk of output) if (typeof asObject(chunk)?.['outputText'] === 'string') return true;
    return undefined;
  }
  const body = asObject(output);
  if (body === undefined) return undefined;
  if (Array.isArray(body['results'])) return true;
  if ('embedding' in body || 'embeddingsByType' in body) return false;
  return undefined;
}

function isTextRequest(request: JsonObject, model: string | undefined): boolean {
  if (typeof request['inputText'] !== 'string') return false;
  if (asObject(request['textGenerationConfig']) !== undefined) return true;
  if (TITAN_EMBED_REQUEST_KEYS.some((key) => Object.hasOwn(request, key))) return false;
  return model === undefined || !model.includes('embed');
}

function isTitanTextModel(model: string | undefined): boolean {
  return (
    model !== undefined && (model.startsWith('amazon.titan-text') || model.startsWith('amazon.titan-tg1'))
  );
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const config = asObject(request?.['textGenerationConfig']);
  const inputText = asString(request?.['inputText']);
  const warnings: WarningCode[] = [];
  const response = Array.isArray(input.outputBody)
    ? assembleStream(input.outputBody, warnings)
    : responseOf(asObject(input.outputBody));

  return {
    operationName: 'text_completion',
    // Titan has no roles: any "User:/Bot:" convention stays inside the one prompt string (record-schema §4.11).
    input: inputText === undefined ? undefined : [textMessage('user', inputText)],
    output: response?.messages,
    usage: response?.usage,
    stopReason: response?.stopReason,
    maxTokens: asCount(config?.['maxTokenCount']),
    temperature: asNumber(config?.['temperature']),
    topP: asNumber(config?.['topP']),
    warnings,
  };
}

interface TitanResponse {
  messages: Message[] | undefined;
  stopReason: string | undefined;
  usage: BodyUsage | undefined;
}

function responseOf(body: JsonObject | undefined): TitanResponse | undefined {
  if (body === undefined) return undefined;
  const results = objectsOf(body['results']);
  const messages: Message[] = [];
  for (const result of results) {
    const text = asString(result['outputText']);
    if (text !== undefined) messages.push(textMessage('assistant', text));
  }
  return {
    messages: messages.length === 0 ? undefined : messages,
    stopReason: asString(results[0]?.['completionReason']),
    usage: usageOf(
      asCount(body['inputTextTokenCount']),
      sumCounts(...results.map((result) => asCount(result['tokenCount']))),
    ),
  };
}

/**
 * Text concatenated. Every chunk repeats the running output count, the first carries the input count, and only
 * the last has a `completionReason`: without one the stream was cut.
 */
function assembleStream(chunks: readonly unknown[], warnings: WarningCode[]): TitanResponse {
  let text: string | undefined;
  let stopReason: string | undefined;
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  for (const chunk of objectsOf(chunks)) {
    const piece = asString(chunk['outputText']);
    if (piece !== undefined) text = (text ?? '') + piece;
    stopReason = asString(chunk['completionReason']) ?? stopReason;
    inputTokens ??= asCount(chunk['inputTextTokenCount']);
    outputTokens = asCount(chunk['totalOutputTextTokenCount']) ?? outputTokens;
  }
  if (stopReason === undefined) warnings.push('stream_incomplete');
  return {
    messages: text === undefined ? undefined : [textMessage('assistant', text)],
    stopReason,
    usage: usageOf(inputTokens, outputTokens),
  };
}

function usageOf(inputTokens: number | undefined, outputTokens: number | undefined): BodyUsage | undefined {
  return inputTokens === undefined && outputTokens === undefined ? undefined : { inputTokens, outputTokens };
}
