import type { WarningCode } from '../../../schemas/invocation-row.ts';
import {
  asArray,
  asCount,
  asNumber,
  asObject,
  asString,
  type JsonObject,
  objectsOf,
  pick,
} from '../json-access.ts';
import { type Message, textMessage } from '../row/messages.ts';
import { hasChatCompletionShape, idOf, normaliseChatCompletion } from './formats/openai-chat-format.ts';
import { splitPrompt } from './formats/prompt-templates.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * AI21 Labs: Jamba (Chat Completions bodies plus `meta.requestDurationMillis`, the only latency an
 * InvokeModel body reports) and the legacy Jurassic-2 (`prompt` → `completions[].data.text`, tokens as arrays).
 */

export const ai21: Provider = {
  id: 'ai21',
  vendors: ['ai21'],
  accepts,
  normalise,
};

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  const prompt = asString(request?.['prompt']);
  const output = input.outputBody;
  if (input.vendor === 'ai21') {
    return prompt !== undefined || isJurassicOutput(output) || hasChatCompletionShape(input, true);
  }
  // By shape: Jurassic's `completions[].data` and camel-case `maxTokens`, Jamba's `meta` block.
  if (isJurassicOutput(output)) return request === undefined || prompt !== undefined;
  if (prompt !== undefined)
    return (output === undefined || output === null) && request?.['maxTokens'] !== undefined;
  return jambaLatencyOf(output) !== undefined && hasChatCompletionShape(input, false);
}

function isJurassicOutput(output: unknown): boolean {
  return asObject(objectsOf(asObject(output)?.['completions'])[0]?.['data']) !== undefined;
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  if (asString(request?.['prompt']) !== undefined || isJurassicOutput(input.outputBody)) {
    return normaliseJurassic(request, asObject(input.outputBody));
  }
  return {
    ...normaliseChatCompletion(input, { inlineReasoning: false }),
    latencyMs: jambaLatencyOf(input.outputBody),
  };
}

/** `meta.requestDurationMillis` on the response, or on the stream chunk that carries it (the last one). */
function jambaLatencyOf(output: unknown): number | undefined {
  if (!Array.isArray(output)) return asNumber(pick(output, 'meta', 'requestDurationMillis'));
  for (let i = output.length - 1; i >= 0; i--) {
    const latency = asNumber(pick(output[i], 'meta', 'requestDurationMillis'));
    if (latency !== undefined) return latency;
  }
  return undefined;
}

function normaliseJurassic(
  request: JsonObject | undefined,
  response: JsonObject | undefined,
): ProviderFields {
  const warnings: WarningCode[] = [];
  const prompt = asString(request?.['prompt']);
  const split = prompt === undefined ? undefined : splitPrompt(prompt);
  const completions = objectsOf(response?.['completions']);
  return {
    operationName: 'text_completion',
    system: split?.system,
    input: split?.messages,
    output: completions.length === 0 ? undefined : completions.map(completionMessage),
    usage: response === undefined ? undefined : jurassicUsage(response, completions),
    stopReason: asString(pick(completions[0], 'finishReason', 'reason')),
    responseId: idOf(response?.['id']),
    maxTokens: asCount(request?.['maxTokens']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['topP']),
    warnings,
  };
}

function completionMessage(completion: JsonObject): Message {
  return textMessage('assistant', asString(pick(completion, 'data', 'text')) ?? '');
}

/** Jurassic returns the tokens themselves; their number is the count. */
function jurassicUsage(response: JsonObject, completions: readonly JsonObject[]): BodyUsage | undefined {
  const inputTokens = asArray(pick(response, 'prompt', 'tokens'))?.length;
  let outputTokens: number | undefined;
  for (const completion of completions) {
    const tokens = asArray(pick(completion, 'data', 'tokens'));
    if (tokens !== undefined) outputTokens = (outputTokens ?? 0) + tokens.length;
  }
  return inputTokens === undefined && outputTokens === undefined ? undefined : { inputTokens, outputTokens };
}
