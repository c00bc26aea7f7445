import type { WarningCode } from '../../../schemas/invocation-row.ts';
import { asCount, asNumber, asObject, asString, type JsonObject, objectsOf } from '../json-access.ts';
import { type Message, textMessage } from '../row/messages.ts';
import {
  hasChatCompletionShape,
  isChatCompletionOutput,
  isChatCompletionRequest,
  normaliseChatCompletion,
  someResponseBody,
} from './formats/openai-chat-format.ts';
import { detectPromptTemplate, splitPrompt } from './formats/prompt-templates.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Mistral AI on InvokeModel / InvokeModelWithResponseStream, in both of its APIs: text completion (`prompt`
 * with `[INST]` → `outputs[]`) and chat completion (Mistral Large 2407+: Chat Completions `messages` →
 * `choices[]`, where Bedrock reports `stop_reason` instead of `finish_reason`).
 */

export const mistral: Provider = {
  id: 'mistral',
  vendors: ['mistral'],
  accepts,
  normalise,
};

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  const prompt = asString(request?.['prompt']);
  const output = input.outputBody;
  if (input.vendor === 'mistral') {
    return prompt !== undefined || isTextOutput(output) || hasChatCompletionShape(input, true);
  }
  // By shape. `outputs[]` is Mistral's alone. A chat request alone is plain Chat Completions (left to
  // `openai`); a chat response is Mistral's when its choices carry `stop_reason`.
  if (isTextOutput(output)) return request === undefined || prompt !== undefined;
  if (prompt !== undefined) {
    return (output === undefined || output === null) && isMistralPrompt(request, prompt);
  }
  return isMistralChatOutput(output) && (request === undefined || isChatCompletionRequest(request));
}

function isTextOutput(output: unknown): boolean {
  return someResponseBody(output, (body) => Array.isArray(body['outputs']));
}

function isMistralChatOutput(output: unknown): boolean {
  return someResponseBody(output, (body) => objectsOf(body['choices']).some(isMistralChoice));
}

function isMistralChoice(choice: JsonObject): boolean {
  return 'stop_reason' in choice && (asObject(choice['message']) ?? asObject(choice['delta'])) !== undefined;
}

/** `[INST]` without Llama's markers (`<<SYS>>`, `max_gen_len`), which `llama` takes first. */
function isMistralPrompt(request: JsonObject | undefined, prompt: string): boolean {
  return request?.['max_gen_len'] === undefined && detectPromptTemplate(prompt) === 'inst';
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const chatForm =
    Array.isArray(request?.['messages']) ||
    (asString(request?.['prompt']) === undefined && isChatCompletionOutput(input.outputBody));
  return chatForm
    ? normaliseChatCompletion(input, { inlineReasoning: false })
    : normaliseText(request, input.outputBody);
}

function normaliseText(request: JsonObject | undefined, output: unknown): ProviderFields {
  const warnings: WarningCode[] = [];
  const prompt = asString(request?.['prompt']);
  const split = prompt === undefined ? undefined : splitPrompt(prompt);
  const response = Array.isArray(output)
    ? assembleTextStream(output, warnings)
    : textResponseOf(asObject(output));
  return {
    operationName: 'text_completion',
    system: split?.system,
    input: split?.messages,
    output: response?.messages,
    stopReason: response?.stopReason,
    maxTokens: asCount(request?.['max_tokens']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['top_p']),
    topK: asCount(request?.['top_k']),
    warnings,
  };
}

interface TextResponse {
  messages: Message[] | undefined;
  stopReason: string | undefined;
}

function textResponseOf(body: JsonObject | undefined): TextResponse | undefined {
  if (body === undefined) return undefined;
  const outputs = objectsOf(body['outputs']);
  return {
    messages:
      outputs.length === 0
        ? undefined
        : outputs.map((choice) => textMessage('assistant', asString(choice['text']) ?? '')),
    stopReason: asString(outputs[0]?.['stop_reason']),
  };
}

/** Chunks are `{outputs:[{text, stop_reason}]}`; outputs carry no index, so their position is the index. */
function assembleTextStream(chunks: readonly unknown[], warnings: WarningCode[]): TextResponse {
  const texts: string[] = [];
  const stopReasons: (string | undefined)[] = [];
  for (const chunk of objectsOf(chunks)) {
    const outputs = objectsOf(chunk['outputs']);
    for (let position = 0; position < outputs.length; position++) {
      const piece = asString(outputs[position]?.['text']);
      texts[position] = (texts[position] ?? '') + (piece ?? '');
      stopReasons[position] = asString(outputs[position]?.['stop_reason']) ?? stopReasons[position];
    }
  }
  const stopReason = stopReasons.find((reason) => reason !== undefined);
  if (stopReason === undefined) warnings.push('stream_incomplete');
  return {
    messages:
      texts.length === 0 ? undefined : Array.from(texts, (text) => textMessage('assistant', text ?? '')),
    stopReason,
  };
}
