import type { WarningCode } from '../../../../schemas/invocation-row.ts';
import {
  asArray,
  asCount,
  asNumber,
  asObject,
  asString,
  type JsonObject,
  objectsOf,
  pick,
} from '../../json-access.ts';
import {
  inlineReasoningParts,
  jsonTextDeeperThan,
  type Message,
  type MessagePart,
  mediaPart,
  mediaPartFromUrl,
  mimeTypeOf,
  parseToolArguments,
  toolCallPart,
  toolResponsePart,
} from '../../row/messages.ts';
import type { BodyUsage, ProviderFields, ProviderInput } from '../provider.ts';

/**
 * The OpenAI Chat Completions body format, which many Bedrock models speak on InvokeModel (gpt-oss, Writer
 * Palmyra, Qwen3, AI21 Jamba, Mistral Large chat, DeepSeek chat, OpenAI-compatible imported models). Not a
 * provider: the providers of those vendors read their bodies through this module and add what differs.
 */

export interface ChatFormatOptions {
  /** Split `<think>`/`<reasoning>` written inline in assistant text (gpt-oss, DeepSeek, Qwen). */
  readonly inlineReasoning: boolean;
  /** The prompt already opened `<think>` (DeepSeek R1 template), so generated text starts inside reasoning. */
  readonly startsInReasoning?: boolean | undefined;
}

export interface ChatRequest {
  readonly system: MessagePart[] | undefined;
  readonly messages: Message[] | undefined;
}

export interface ChatResponse {
  readonly output: Message[] | undefined;
  readonly stopReason: string | undefined;
  readonly usage: BodyUsage | undefined;
  readonly id: string | undefined;
  readonly model: string | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Shape tests (for `accepts`)
// ---------------------------------------------------------------------------------------------------------

/** Keys of other APIs' message bodies (Anthropic Messages, Nova, Converse) that a Chat Completions body never has. */
const FOREIGN_REQUEST_KEYS = [
  'anthropic_version',
  'schemaVersion',
  'inferenceConfig',
  'toolConfig',
  'additionalModelRequestFields',
  'system',
] as const;

/** `messages[]` in the Chat Completions shape: no foreign keys, and content parts (if any) typed. */
export function isChatCompletionRequest(request: JsonObject): boolean {
  const messages = asArray(request['messages']);
  if (messages === undefined) return false;
  for (const key of FOREIGN_REQUEST_KEYS) if (request[key] !== undefined) return false;
  // Converse and Nova content blocks are `{text}`/`{image}` objects without `type`; OpenAI parts always have one.
  return !messages.some(hasUntypedContentBlock);
}

function hasUntypedContentBlock(message: unknown): boolean {
  const content = asArray(asObject(message)?.['content']);
  if (content === undefined) return false;
  return content.some((block) => {
    const object = asObject(block);
    return object !== undefined && typeof object['type'] !== 'string';
  });
}

/** Whether a response object, or any object chunk of a stream, passes `test` (no copy of the chunk array). */
export function someResponseBody(output: unknown, test: (body: JsonObject) => boolean): boolean {
  if (!Array.isArray(output)) {
    const body = asObject(output);
    return body !== undefined && test(body);
  }
  for (const chunk of output) {
    const body = asObject(chunk);
    if (body !== undefined && test(body)) return true;
  }
  return false;
}

/** `choices[]` on a response object, or on any chunk of a stream. */
export function isChatCompletionOutput(output: unknown): boolean {
  return someResponseBody(output, (body) => Array.isArray(body['choices']));
}

/**
 * Do these bodies look like Chat Completions? `liberal` (the vendor's own model): one side matching is
 * enough. Otherwise (shape matching for unknown vendors) neither side may contradict it.
 */
export function hasChatCompletionShape(input: ProviderInput, liberal: boolean): boolean {
  const request = asObject(input.inputBody);
  const requestMatches = request === undefined ? undefined : isChatCompletionRequest(request);
  const output = input.outputBody;
  const outputMatches = output === undefined || output === null ? undefined : isChatCompletionOutput(output);
  if (liberal) return requestMatches === true || outputMatches === true;
  return requestMatches !== false && outputMatches !== false && (requestMatches ?? outputMatches) === true;
}

// ---------------------------------------------------------------------------------------------------------
// Whole-body reading
// ---------------------------------------------------------------------------------------------------------

/** The fields every Chat Completions body gives; providers override or add what their vendor differs in. */
export function normaliseChatCompletion(input: ProviderInput, options: ChatFormatOptions): ProviderFields {
  const request = asObject(input.inputBody);
  const warnings: WarningCode[] = [];
  const { system, messages } = readChatRequest(request, warnings, options);
  const response = readChatResponse(input.outputBody, warnings, options);
  return {
    operationName: 'chat',
    system,
    input: messages,
    output: response?.output,
    usage: response?.usage,
    stopReason: response?.stopReason,
    responseId: response?.id,
    bodyModel: response?.model ?? asString(request?.['model']),
    maxTokens: asCount(request?.['max_completion_tokens'] ?? request?.['max_tokens']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['top_p']),
    topK: asCount(request?.['top_k']),
    warnings,
  };
}

/** `messages[]`: `system`/`developer` messages become the system instructions, the rest stay in order. */
export function readChatRequest(
  request: JsonObject | undefined,
  warnings: WarningCode[],
  options: ChatFormatOptions,
): ChatRequest {
  const list = asArray(request?.['messages']);
  if (list === undefined) return { system: undefined, messages: undefined };
  const system: MessagePart[] = [];
  const messages: Message[] = [];
  const reasoning: ReasoningMode = { inline: options.inlineReasoning, startsInReasoning: false };
  for (const message of objectsOf(list)) {
    const role = asString(message['role']) ?? 'user';
    if (role === 'system' || role === 'developer') {
      for (const part of contentParts(message['content'])) if (part.type === 'text') system.push(part);
    } else {
      messages.push(messageOf(message, role, warnings, reasoning));
    }
  }
  return { system: system.length === 0 ? undefined : system, messages };
}

/** A response object, or a stream's chunk array assembled; undefined when there is no body. */
export function readChatResponse(
  output: unknown,
  warnings: WarningCode[],
  options: ChatFormatOptions,
): ChatResponse | undefined {
  if (Array.isArray(output)) return assembleChatStream(output, warnings, options);
  const body = asObject(output);
  if (body === undefined) return undefined;
  const choices = objectsOf(body['choices']);
  const reasoning: ReasoningMode = {
    inline: options.inlineReasoning,
    startsInReasoning: options.startsInReasoning === true,
  };
  return {
    output:
      choices.length === 0 ? undefined : choices.map((choice) => choiceMessage(choice, warnings, reasoning)),
    stopReason: stopReasonOf(choices[0]),
    usage: chatUsage(body['usage']),
    id: idOf(body['id']),
    model: asString(body['model']),
  };
}

/**
 * `usage{prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens,
 * completion_tokens_details.reasoning_tokens}`. `prompt_tokens` counts cached tokens too; BodyUsage does not.
 */
export function chatUsage(value: unknown): BodyUsage | undefined {
  const usage = asObject(value);
  if (usage === undefined) return undefined;
  const prompt = asCount(usage['prompt_tokens']);
  // prompt_cache_hit_tokens: DeepSeek's own name for the same count.
  const cached =
    asCount(pick(usage, 'prompt_tokens_details', 'cached_tokens')) ??
    asCount(usage['prompt_cache_hit_tokens']);
  return {
    inputTokens: prompt === undefined ? undefined : Math.max(0, prompt - (cached ?? 0)),
    outputTokens: asCount(usage['completion_tokens']),
    cacheReadTokens: cached,
    reasoningTokens: asCount(pick(usage, 'completion_tokens_details', 'reasoning_tokens')),
  };
}

function stopReasonOf(choice: JsonObject | undefined): string | undefined {
  // Bedrock's Mistral chat reports `stop_reason` where OpenAI has `finish_reason`.
  return asString(choice?.['finish_reason']) ?? asString(choice?.['stop_reason']);
}

/** Jurassic-style bodies use numeric ids; keep them as text. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return asString(value);
}

// ---------------------------------------------------------------------------------------------------------
// Messages and parts
// ---------------------------------------------------------------------------------------------------------

interface ReasoningMode {
  readonly inline: boolean;
  readonly startsInReasoning: boolean;
}

const TOOL_RESULT_ROLES: ReadonlySet<string> = new Set(['tool', 'function', 'ipython']);

function choiceMessage(choice: JsonObject, warnings: WarningCode[], reasoning: ReasoningMode): Message {
  const message = asObject(choice['message']);
  if (message !== undefined) {
    return messageOf(message, asString(message['role']) ?? 'assistant', warnings, reasoning);
  }
  // A text-completion choice (DeepSeek R1 prompt form, legacy completions).
  return { role: 'assistant', parts: assistantTextParts(asString(choice['text']) ?? '', reasoning) };
}

function messageOf(
  message: JsonObject,
  role: string,
  warnings: WarningCode[],
  reasoning: ReasoningMode,
): Message {
  if (TOOL_RESULT_ROLES.has(role)) {
    const id = asString(message['tool_call_id']) ?? asString(message['name']);
    return { role: 'tool', parts: [toolResponsePart(toolResultOf(message['content']), id)] };
  }
  const parts: MessagePart[] = [];
  // Qwen, DeepSeek and vLLM-style servers return reasoning beside the content.
  const reasoningText = asString(message['reasoning_content']) ?? asString(message['reasoning']);
  if (reasoningText !== undefined && reasoningText !== '')
    parts.push({ type: 'reasoning', content: reasoningText });
  const toolCalls = toolCallParts(message['tool_calls'], warnings);
  const text = asString(message['content']);
  if (text === undefined || role !== 'assistant') appendParts(parts, contentParts(message['content']));
  // Mistral's documented tool-call turn has `content: ""`: no text part for it.
  else if (text !== '' || toolCalls.length === 0) appendParts(parts, assistantTextParts(text, reasoning));
  appendParts(parts, toolCalls);
  const legacyCall = asObject(message['function_call']);
  if (legacyCall !== undefined) appendParts(parts, toolCallParts([{ function: legacyCall }], warnings));
  return { role, parts };
}

function assistantTextParts(text: string, reasoning: ReasoningMode): MessagePart[] {
  if (!reasoning.inline) return [{ type: 'text', content: text }];
  return inlineReasoningParts(text, reasoning.startsInReasoning);
}

function appendParts(target: MessagePart[], parts: readonly MessagePart[]): void {
  // A loop, not push(...parts): a hostile body can hold more parts than a call has argument slots.
  for (const part of parts) target.push(part);
}

/** `content`: a string, an array of typed parts, or (Writer's documented request) one `{text}` object. */
export function contentParts(content: unknown): MessagePart[] {
  const text = asString(content);
  if (text !== undefined) return [{ type: 'text', content: text }];
  const parts: MessagePart[] = [];
  const list = asArray(content);
  if (list !== undefined) {
    for (const item of list) appendContentPart(parts, item);
  } else {
    appendContentPart(parts, content);
  }
  return parts;
}

function appendContentPart(parts: MessagePart[], item: unknown): void {
  const text = asString(item);
  if (text !== undefined) {
    parts.push({ type: 'text', content: text });
    return;
  }
  const part = asObject(item);
  if (part === undefined) return;
  switch (part['type']) {
    case undefined:
    case 'text':
    case 'input_text':
    case 'output_text': {
      const partText = asString(part['text']);
      if (partText !== undefined) parts.push({ type: 'text', content: partText });
      return;
    }
    case 'refusal': {
      const refusal = asString(part['refusal']);
      if (refusal !== undefined) parts.push({ type: 'text', content: refusal });
      return;
    }
    default: {
      const media = mediaContentPart(part);
      if (media !== undefined) parts.push(media);
    }
  }
}

/** Images, audio and files: a URL is kept, inline bytes are measured and never copied. */
function mediaContentPart(part: JsonObject): MessagePart | undefined {
  switch (part['type']) {
    case 'image_url': {
      const image = part['image_url'];
      const url = asString(image) ?? asString(pick(image, 'url'));
      return url === undefined ? mediaPart({}) : mediaPartFromUrl(url);
    }
    case 'input_audio': {
      const audio = asObject(part['input_audio']);
      return mediaPart({
        mimeType: mimeTypeOf(asString(audio?.['format'])),
        base64: asString(audio?.['data']),
      });
    }
    case 'file': {
      const data = asString(pick(part, 'file', 'file_data'));
      return data === undefined ? mediaPart({}) : mediaPartFromUrl(data);
    }
    default:
      return undefined;
  }
}

/** A tool message's content: plain text as a string, anything richer as parts. */
function toolResultOf(content: unknown): unknown {
  const text = asString(content);
  if (text !== undefined) return text;
  const parts = contentParts(content);
  if (parts.every((part) => part.type === 'text')) {
    return parts.map((part) => (part.type === 'text' ? part.content : '')).join('');
  }
  return parts;
}

/** `tool_calls[{id, type:"function", function:{name, arguments}}]`; `arguments` is JSON text. */
function toolCallParts(calls: unknown, warnings: WarningCode[]): MessagePart[] {
  const parts: MessagePart[] = [];
  for (const call of objectsOf(calls)) {
    const fn = asObject(call['function']) ?? call;
    parts.push(
      toolCallPart(asString(fn['name']) ?? '', argumentsOf(fn['arguments'], warnings), asString(call['id'])),
    );
  }
  return parts;
}

function argumentsOf(raw: unknown, warnings: WarningCode[]): unknown {
  const text = asString(raw);
  if (text === undefined) return raw ?? {};
  return parsedArguments(text, warnings);
}

// Real tool arguments nest a few levels; anything deeper stays text so serialising the row cannot overflow.
const MAX_ARGUMENT_DEPTH = 64;

function parsedArguments(text: string, warnings: WarningCode[]): unknown {
  const parsed = jsonTextDeeperThan(text, MAX_ARGUMENT_DEPTH)
    ? { value: text, ok: false }
    : parseToolArguments(text);
  if (!parsed.ok && !warnings.includes('tool_arguments_unparsable'))
    warnings.push('tool_arguments_unparsable');
  return parsed.value;
}

// ---------------------------------------------------------------------------------------------------------
// Streams: chunks with choices[].delta (OpenAI), choices[].message (Bedrock's Mistral chat) or choices[].text
// ---------------------------------------------------------------------------------------------------------

interface ToolCallDraft {
  id: string | undefined;
  name: string;
  argumentsText: string;
  argumentsValue: unknown;
}

interface ChoiceDraft {
  role: string | undefined;
  text: string;
  reasoning: string;
  readonly toolCalls: Map<string, ToolCallDraft>;
  stopReason: string | undefined;
}

function assembleChatStream(
  chunks: readonly unknown[],
  warnings: WarningCode[],
  options: ChatFormatOptions,
): ChatResponse {
  const drafts = new Map<number, ChoiceDraft>();
  let id: string | undefined;
  let model: string | undefined;
  let usage: BodyUsage | undefined;
  let done = false;
  for (const item of chunks) {
    const chunk = asObject(item);
    if (chunk === undefined) {
      done ||= typeof item === 'string' && item.includes('[DONE]');
      continue;
    }
    id ??= idOf(chunk['id']);
    model ??= asString(chunk['model']);
    // With stream_options.include_usage the last chunk carries usage (and no choices).
    usage = chatUsage(chunk['usage']) ?? usage;
    for (const choice of objectsOf(chunk['choices'])) applyChoiceChunk(drafts, choice);
  }
  const ordered = [...drafts.entries()].sort(([a], [b]) => a - b).map(([, draft]) => draft);
  const stopReason = ordered.find((draft) => draft.stopReason !== undefined)?.stopReason;
  if (!done && stopReason === undefined) warnings.push('stream_incomplete');
  const reasoning: ReasoningMode = {
    inline: options.inlineReasoning,
    startsInReasoning: options.startsInReasoning === true,
  };
  return {
    output:
      ordered.length === 0 ? undefined : ordered.map((draft) => draftMessage(draft, warnings, reasoning)),
    stopReason,
    usage,
    id,
    model,
  };
}

function applyChoiceChunk(drafts: Map<number, ChoiceDraft>, choice: JsonObject): void {
  const index = asCount(choice['index']) ?? 0;
  let draft = drafts.get(index);
  if (draft === undefined) {
    draft = { role: undefined, text: '', reasoning: '', toolCalls: new Map(), stopReason: undefined };
    drafts.set(index, draft);
  }
  const delta = asObject(choice['delta']) ?? asObject(choice['message']);
  if (delta !== undefined) applyDelta(draft, delta);
  const text = asString(choice['text']);
  if (text !== undefined) draft.text += text;
  draft.stopReason = stopReasonOf(choice) ?? draft.stopReason;
}

function applyDelta(draft: ChoiceDraft, delta: JsonObject): void {
  draft.role ??= asString(delta['role']);
  const content = delta['content'];
  const text = asString(content);
  if (text !== undefined) draft.text += text;
  else if (content !== undefined && content !== null) {
    for (const part of contentParts(content)) if (part.type === 'text') draft.text += part.content;
  }
  const reasoning = asString(delta['reasoning_content']) ?? asString(delta['reasoning']);
  if (reasoning !== undefined) draft.reasoning += reasoning;
  const calls = objectsOf(delta['tool_calls']);
  for (let position = 0; position < calls.length; position++) {
    const call = calls[position];
    if (call !== undefined) mergeToolCall(draft.toolCalls, call, position);
  }
}

/**
 * OpenAI streams a call as fragments sharing an `index` (only the first has `id` and `name`); Mistral sends
 * whole calls, with an `id` and no `index`. Key by index, else id, else position in the chunk.
 */
function mergeToolCall(calls: Map<string, ToolCallDraft>, call: JsonObject, position: number): void {
  const index = asCount(call['index']);
  const id = asString(call['id']);
  const key = index !== undefined ? `index:${index}` : id !== undefined ? `id:${id}` : `index:${position}`;
  let draft = calls.get(key);
  if (draft === undefined) {
    draft = { id: undefined, name: '', argumentsText: '', argumentsValue: undefined };
    calls.set(key, draft);
  }
  draft.id ??= id;
  const fn = asObject(call['function']) ?? call;
  const name = asString(fn['name']);
  if (name !== undefined && draft.name === '') draft.name = name;
  const args = fn['arguments'];
  const argsText = asString(args);
  if (argsText !== undefined) draft.argumentsText += argsText;
  else if (args !== undefined && args !== null) draft.argumentsValue = args;
}

function draftMessage(draft: ChoiceDraft, warnings: WarningCode[], reasoning: ReasoningMode): Message {
  const parts: MessagePart[] = [];
  if (draft.reasoning !== '') parts.push({ type: 'reasoning', content: draft.reasoning });
  if (draft.text !== '' || (parts.length === 0 && draft.toolCalls.size === 0)) {
    appendParts(parts, assistantTextParts(draft.text, reasoning));
  }
  for (const call of draft.toolCalls.values()) {
    const args =
      call.argumentsText === '' ? (call.argumentsValue ?? {}) : parsedArguments(call.argumentsText, warnings);
    parts.push(toolCallPart(call.name, args, call.id));
  }
  return { role: draft.role ?? 'assistant', parts };
}
