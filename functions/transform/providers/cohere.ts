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
import {
  type Message,
  type MessagePart,
  textMessage,
  toolCallPart,
  toolResponsePart,
} from '../row/messages.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Cohere text generation, two APIs:
 * - Command (legacy, `cohere.command-text-v14`, `command-light`): `prompt` in, `generations[{text,finish_reason}]`
 *   out; streams are `{generations:[…]}` or `{text, is_finished}` … `{is_finished:true, finish_reason}` chunks.
 * - Command R / R+: `message`, `chat_history[{role,message}]`, `preamble`, `documents`, `tool_results` in;
 *   `text`, `tool_calls`, `finish_reason`, `response_id`, `meta.billed_units` out; streams are events
 *   `{event_type:"text-generation",text}` … `{event_type:"stream-end",finish_reason,response}`.
 */

export const cohere: Provider = {
  id: 'cohere',
  vendors: ['cohere'],
  accepts,
  normalise,
};

/** Legacy Command parameters no other `prompt` body (Llama, Mistral, DeepSeek) uses. */
const LEGACY_COMMAND_KEYS = ['p', 'k', 'return_likelihoods', 'num_generations', 'logit_bias'] as const;

// A Map: the role comes from the body, and `constructor` must read as an unknown role.
const CHAT_ROLES: ReadonlyMap<string, string> = new Map([
  ['USER', 'user'],
  ['CHATBOT', 'assistant'],
  ['SYSTEM', 'system'],
  ['TOOL', 'tool'],
]);

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  if (request !== undefined) return isCommandRequest(request, input);
  if (isCommandResponse(input.outputBody)) return true;
  const noOutput = input.outputBody === undefined || input.outputBody === null;
  return noOutput && input.model?.startsWith('cohere.command') === true;
}

/**
 * `message` (a string, unlike everyone's `messages` list) is Command R. A `prompt` string is shared by many
 * providers, so outside the cohere vendor it needs a Command-only parameter or a Cohere-shaped response.
 */
function isCommandRequest(request: JsonObject, input: ProviderInput): boolean {
  if (typeof request['message'] === 'string') return true;
  if (typeof request['prompt'] !== 'string') return false;
  if (input.vendor === 'cohere') return true;
  return (
    LEGACY_COMMAND_KEYS.some((key) => Object.hasOwn(request, key)) || isCommandResponse(input.outputBody)
  );
}

function isCommandResponse(output: unknown): boolean {
  if (Array.isArray(output)) {
    for (const item of output) {
      const chunk = asObject(item);
      if (chunk === undefined) continue;
      if (typeof chunk['event_type'] === 'string' || typeof chunk['is_finished'] === 'boolean') return true;
      if (Array.isArray(chunk['generations'])) return true;
    }
    return false;
  }
  const body = asObject(output);
  if (body === undefined) return false;
  if (Array.isArray(body['generations'])) return true;
  return (
    typeof body['text'] === 'string' &&
    ('generation_id' in body || 'response_id' in body || 'finish_reason' in body)
  );
}

function normalise(input: ProviderInput): ProviderFields {
  return isChat(input) ? normaliseChat(input) : normaliseLegacy(input);
}

/** Chat unless the request is a `prompt`; with no request, the response shape, then the model id, decides. */
function isChat(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  if (request !== undefined) return typeof request['prompt'] !== 'string';
  const output = input.outputBody;
  if (Array.isArray(output))
    return objectsOf(output).some((chunk) => typeof chunk['event_type'] === 'string');
  const body = asObject(output);
  if (body !== undefined) return !Array.isArray(body['generations']);
  return input.model?.includes('command-r') === true;
}

interface CohereResponse {
  messages: Message[] | undefined;
  stopReason: string | undefined;
  responseId: string | undefined;
  usage: BodyUsage | undefined;
}

function samplingParams(request: JsonObject | undefined): Partial<ProviderFields> {
  return {
    maxTokens: asCount(request?.['max_tokens']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['p']),
    topK: asCount(request?.['k']),
  };
}

// ---- Command (legacy text generation) ----

function normaliseLegacy(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const prompt = asString(request?.['prompt']);
  const warnings: WarningCode[] = [];
  const response = Array.isArray(input.outputBody)
    ? assembleLegacyStream(input.outputBody, warnings)
    : legacyResponseOf(asObject(input.outputBody));
  return {
    operationName: 'text_completion',
    input: prompt === undefined ? undefined : [textMessage('user', prompt)],
    output: response?.messages,
    usage: response?.usage,
    stopReason: response?.stopReason,
    responseId: response?.responseId,
    ...samplingParams(request),
    warnings,
  };
}

/** One assistant message per generation (`num_generations` > 1 asks for several). */
function legacyResponseOf(body: JsonObject | undefined): CohereResponse | undefined {
  if (body === undefined) return undefined;
  const generations = objectsOf(body['generations']);
  const messages: Message[] = [];
  for (const generation of generations) {
    const text = asString(generation['text']);
    if (text !== undefined) messages.push(textMessage('assistant', text));
  }
  return {
    messages: messages.length === 0 ? undefined : messages,
    stopReason: asString(generations[0]?.['finish_reason']),
    responseId: asString(body['id']),
    usage: billedUsage(body['meta']),
  };
}

interface LegacyStreamState {
  texts: Map<number, string>;
  stopReason: string | undefined;
  finished: boolean;
  /** The full response some streams repeat on their last chunk (Cohere's own stream format). */
  final: JsonObject | undefined;
}

/**
 * Text concatenated per generation index. Bedrock's chunks are `{generations:[{text,finish_reason?}]}`, Cohere's
 * own format `{text, is_finished}` closing with `{is_finished:true, finish_reason, response}`: both are read. A
 * stream without a finish reason or `is_finished: true` was cut.
 */
function assembleLegacyStream(chunks: readonly unknown[], warnings: WarningCode[]): CohereResponse {
  const state: LegacyStreamState = {
    texts: new Map(),
    stopReason: undefined,
    finished: false,
    final: undefined,
  };
  for (const chunk of objectsOf(chunks)) applyLegacyChunk(state, chunk);
  if (!state.finished && state.stopReason === undefined) warnings.push('stream_incomplete');

  const messages: Message[] = [];
  for (const index of [...state.texts.keys()].sort((a, b) => a - b)) {
    messages.push(textMessage('assistant', state.texts.get(index) ?? ''));
  }
  const final = legacyResponseOf(state.final);
  return {
    messages: messages.length === 0 ? final?.messages : messages,
    stopReason: state.stopReason ?? final?.stopReason,
    responseId: final?.responseId,
    usage: final?.usage,
  };
}

function applyLegacyChunk(state: LegacyStreamState, chunk: JsonObject): void {
  let position = 0;
  for (const generation of objectsOf(chunk['generations'])) {
    appendGeneration(state, asCount(generation['index']) ?? position, generation);
    position++;
  }
  appendGeneration(state, asCount(chunk['index']) ?? 0, chunk);
  const final = asObject(chunk['response']);
  if (final !== undefined) state.final = final;
}

function appendGeneration(state: LegacyStreamState, index: number, generation: JsonObject): void {
  const text = asString(generation['text']);
  if (text !== undefined) state.texts.set(index, (state.texts.get(index) ?? '') + text);
  state.stopReason = asString(generation['finish_reason']) ?? state.stopReason;
  if (generation['is_finished'] === true) state.finished = true;
}

// ---- Command R / R+ (chat) ----

function normaliseChat(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const preamble = asString(request?.['preamble']);
  const warnings: WarningCode[] = [];
  const response = Array.isArray(input.outputBody)
    ? assembleChatStream(input.outputBody, warnings)
    : chatResponseOf(asObject(input.outputBody));
  return {
    operationName: 'chat',
    system: preamble === undefined || preamble === '' ? undefined : [{ type: 'text', content: preamble }],
    input: request === undefined ? undefined : chatInput(request),
    output: response?.messages,
    usage: response?.usage,
    stopReason: response?.stopReason,
    responseId: response?.responseId,
    ...samplingParams(request),
    warnings,
  };
}

/**
 * The conversation in order: `chat_history`, then this turn's `tool_results` (a tool message), the grounding
 * `documents` (a user message, one text part each, so the current message stays the last user text), and the
 * current `message`. Cohere tool results carry no call id, so their parts have none.
 */
function chatInput(request: JsonObject): Message[] {
  const messages = objectsOf(request['chat_history']).map(historyMessage);
  const toolResults = toolResultParts(request['tool_results']);
  if (toolResults.length > 0) messages.push({ role: 'tool', parts: toolResults });
  const documents = documentParts(request['documents']);
  if (documents.length > 0) messages.push({ role: 'user', parts: documents });
  const message = asString(request['message']);
  if (message !== undefined && (message !== '' || messages.length === 0)) {
    messages.push(textMessage('user', message));
  }
  return messages;
}

function historyMessage(entry: JsonObject): Message {
  const role = asString(entry['role']);
  const parts: MessagePart[] = [
    ...objectsOf(entry['tool_calls']).map(toolCallOf),
    ...toolResultParts(entry['tool_results']),
  ];
  const text = asString(entry['message']);
  if (text !== undefined && (text !== '' || parts.length === 0))
    parts.unshift({ type: 'text', content: text });
  return { role: role === undefined ? 'user' : (CHAT_ROLES.get(role) ?? role.toLowerCase()), parts };
}

function toolCallOf(call: JsonObject): MessagePart {
  return toolCallPart(asString(call['name']) ?? '', call['parameters'] ?? {}, undefined);
}

function toolResultParts(results: unknown): MessagePart[] {
  return objectsOf(results).map((result) => toolResponsePart(result['outputs'] ?? null, undefined));
}

/** A document is a map of strings (`title`, `snippet`, `url`…): one text part of `key: value` lines. */
function documentParts(documents: unknown): MessagePart[] {
  const parts: MessagePart[] = [];
  for (const document of asArray(documents) ?? []) {
    const text = typeof document === 'string' ? document : documentText(asObject(document));
    if (text !== '') parts.push({ type: 'text', content: text });
  }
  return parts;
}

function documentText(document: JsonObject | undefined): string {
  if (document === undefined) return '';
  const lines: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (typeof value === 'string') lines.push(`${key}: ${value}`);
  }
  return lines.join('\n');
}

function chatResponseOf(body: JsonObject | undefined): CohereResponse | undefined {
  if (body === undefined) return undefined;
  return {
    messages: chatOutput(asString(body['text']), body['tool_calls']),
    stopReason: asString(body['finish_reason']),
    responseId: asString(body['response_id']) ?? asString(body['generation_id']),
    usage: billedUsage(body['meta']),
  };
}

function chatOutput(text: string | undefined, toolCalls: unknown): Message[] | undefined {
  const parts = objectsOf(toolCalls).map(toolCallOf);
  if (text !== undefined && (text !== '' || parts.length === 0))
    parts.unshift({ type: 'text', content: text });
  return parts.length === 0 ? undefined : [{ role: 'assistant', parts }];
}

/**
 * Text from `text-generation` events, tool calls from `tool-calls-generation`; `stream-end` carries the finish
 * reason and the whole response (ids, usage, final tool calls). Without `stream-end` the stream was cut.
 */
function assembleChatStream(chunks: readonly unknown[], warnings: WarningCode[]): CohereResponse {
  let text: string | undefined;
  let toolCalls: unknown;
  let generationId: string | undefined;
  let end: JsonObject | undefined;
  for (const chunk of objectsOf(chunks)) {
    switch (chunk['event_type']) {
      case 'stream-start':
        generationId = asString(chunk['generation_id']) ?? generationId;
        break;
      case 'text-generation': {
        const piece = asString(chunk['text']);
        if (piece !== undefined) text = (text ?? '') + piece;
        break;
      }
      case 'tool-calls-generation':
        toolCalls = chunk['tool_calls'];
        break;
      case 'stream-end':
        end = chunk;
        break;
      default:
        break;
    }
  }
  if (end === undefined) warnings.push('stream_incomplete');
  const final = asObject(end?.['response']);
  return {
    messages: chatOutput(text ?? asString(final?.['text']), asArray(final?.['tool_calls']) ?? toolCalls),
    stopReason: asString(end?.['finish_reason']) ?? asString(final?.['finish_reason']),
    responseId: asString(final?.['response_id']) ?? asString(final?.['generation_id']) ?? generationId,
    usage: billedUsage(final?.['meta']),
  };
}

// ---- usage ----

/** `meta.billed_units` (what Cohere bills), else `meta.tokens`. */
function billedUsage(meta: unknown): BodyUsage | undefined {
  const units = asObject(pick(meta, 'billed_units')) ?? asObject(pick(meta, 'tokens'));
  if (units === undefined) return undefined;
  return { inputTokens: asCount(units['input_tokens']), outputTokens: asCount(units['output_tokens']) };
}
