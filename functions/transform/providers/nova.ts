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
import { type Message, type MessagePart, streamedToolCallPart } from '../row/messages.ts';
import { messageOf, messagesOf, systemParts } from './formats/converse-content.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Amazon Nova understanding models (Micro, Lite, Pro, Premier, Nova 2) on InvokeModel and
 * InvokeModelWithResponseStream: the native `messages-v1` body, which mirrors Converse (typeless content blocks
 * `{text}`, `{image}`, `{toolUse}`…), but with usage named `cache…InputTokenCount` and streams logged as a chunk
 * array of `messageStart` / `contentBlockDelta` / `messageStop` / `metadata` events.
 */

export const nova: Provider = {
  id: 'nova',
  vendors: ['amazon'],
  accepts,
  normalise,
};

const CONTENT_BLOCK_KEYS = [
  'text',
  'image',
  'video',
  'document',
  'audio',
  'toolUse',
  'toolResult',
  'reasoningContent',
] as const;
const STREAM_EVENT_KEYS = ['messageStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop'] as const;
// Nova models that are not text models: Canvas is titan_image, Reel is video, Sonic is speech, and the
// multimodal embeddings model has its own body.
const NON_TEXT_NOVA_MODELS = ['canvas', 'reel', 'sonic', 'embed'] as const;

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  // Canvas, Reel and Nova embeddings bodies name a task; the text models' bodies never do.
  if (request !== undefined && 'taskType' in request) return false;
  if (request !== undefined && isNovaRequest(request)) return true;
  if (isNovaResponse(input.outputBody)) return true;
  const noBodies = request === undefined && (input.outputBody === undefined || input.outputBody === null);
  return noBodies && isNovaTextModel(input.model);
}

/** `schemaVersion: "messages-v1"`, or messages with Converse-style content (typeless blocks, inferenceConfig). */
function isNovaRequest(request: JsonObject): boolean {
  if (request['schemaVersion'] === 'messages-v1') return true;
  const messages = asArray(request['messages']);
  if (messages === undefined) return false;
  if (asObject(request['inferenceConfig']) !== undefined) return true;
  for (const item of messages) {
    const content = asArray(asObject(item)?.['content']);
    if (content === undefined) continue;
    // Anthropic and OpenAI-style blocks carry `type`; Nova's are keyed by kind.
    const block = asObject(content[0]);
    return (
      block !== undefined && !('type' in block) && CONTENT_BLOCK_KEYS.some((key) => Object.hasOwn(block, key))
    );
  }
  return false;
}

function isNovaResponse(output: unknown): boolean {
  if (Array.isArray(output)) {
    for (const chunk of output) {
      const object = asObject(chunk);
      if (object !== undefined && STREAM_EVENT_KEYS.some((key) => Object.hasOwn(object, key))) return true;
    }
    return false;
  }
  return asArray(pick(output, 'output', 'message', 'content')) !== undefined;
}

function isNovaTextModel(model: string | undefined): boolean {
  if (model?.startsWith('amazon.nova-') !== true) return false;
  return !NON_TEXT_NOVA_MODELS.some((kind) => model.includes(kind));
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const config = asObject(request?.['inferenceConfig']);
  const warnings: WarningCode[] = [];
  const response = Array.isArray(input.outputBody)
    ? assembleStream(input.outputBody, warnings)
    : responseOf(asObject(input.outputBody));

  return {
    operationName: 'chat',
    system: systemParts(request?.['system']),
    input: messagesOf(request?.['messages']),
    output: response?.message === undefined ? undefined : [response.message],
    usage: response?.usage,
    stopReason: response?.stopReason,
    // `max_new_tokens` is the name in older Nova docs.
    maxTokens: asCount(config?.['maxTokens'] ?? config?.['max_new_tokens']),
    temperature: asNumber(config?.['temperature']),
    topP: asNumber(config?.['topP']),
    topK: asCount(config?.['topK']),
    warnings,
  };
}

interface NovaResponse {
  message: Message | undefined;
  stopReason: string | undefined;
  usage: BodyUsage | undefined;
}

function responseOf(body: JsonObject | undefined): NovaResponse | undefined {
  if (body === undefined) return undefined;
  const message = asObject(pick(body, 'output', 'message'));
  return {
    message: message === undefined ? undefined : messageOf(message, 'assistant'),
    stopReason: asString(body['stopReason']),
    usage: usageOf(asObject(body['usage'])),
  };
}

/** Nova's InvokeModel names are `cache…InputTokenCount`; the Converse names are read too, in case. */
function usageOf(usage: JsonObject | undefined): BodyUsage | undefined {
  if (usage === undefined) return undefined;
  const cacheRead = asCount(usage['cacheReadInputTokenCount'] ?? usage['cacheReadInputTokens']);
  const cacheWrite = asCount(usage['cacheWriteInputTokenCount'] ?? usage['cacheWriteInputTokens']);
  return {
    inputTokens: uncachedInputTokens(usage, (cacheRead ?? 0) + (cacheWrite ?? 0)),
    outputTokens: asCount(usage['outputTokens']),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}

/**
 * Nova's `inputTokens`, like Converse's, excludes cache reads and writes, and `totalTokens` adds them back.
 * Should a body ever count the cache inside `inputTokens`, its `totalTokens` is only input + output: then the
 * cache is taken out here, so `inputTokens` always excludes it as provider.ts requires.
 */
function uncachedInputTokens(usage: JsonObject, cached: number): number | undefined {
  const input = asCount(usage['inputTokens']);
  if (input === undefined || cached === 0) return input;
  const output = asCount(usage['outputTokens']);
  const total = asCount(usage['totalTokens']);
  const includesCache = output !== undefined && total === input + output && input >= cached;
  return includesCache ? input - cached : input;
}

interface BlockInProgress {
  kind: 'text' | 'reasoning' | 'tool';
  text: string;
  json: string;
  input: unknown;
  id: string | undefined;
  name: string | undefined;
}

interface StreamState {
  blocks: Map<number, BlockInProgress>;
  role: string | undefined;
  started: boolean;
  stopped: boolean;
  stopReason: string | undefined;
  usage: BodyUsage | undefined;
}

/**
 * Rebuild the message from the chunk array: text and reasoning deltas concatenated per block index, tool input
 * JSON concatenated then parsed. `messageStop` ends the content, so without it the stream was cut.
 */
function assembleStream(chunks: readonly unknown[], warnings: WarningCode[]): NovaResponse {
  const state: StreamState = {
    blocks: new Map(),
    role: undefined,
    started: false,
    stopped: false,
    stopReason: undefined,
    usage: undefined,
  };
  for (const chunk of objectsOf(chunks)) applyChunk(state, chunk);
  if (!state.stopped) warnings.push('stream_incomplete');

  const parts: MessagePart[] = [];
  for (const index of [...state.blocks.keys()].sort((a, b) => a - b)) {
    const block = state.blocks.get(index);
    if (block !== undefined) parts.push(...assembledParts(block, warnings));
  }
  const empty = parts.length === 0 && !state.started;
  return {
    message: empty ? undefined : { role: state.role ?? 'assistant', parts },
    stopReason: state.stopReason,
    usage: state.usage,
  };
}

function applyChunk(state: StreamState, chunk: JsonObject): void {
  const start = asObject(chunk['messageStart']);
  if (start !== undefined) {
    state.started = true;
    state.role = asString(start['role']) ?? state.role;
  }
  const blockStart = asObject(chunk['contentBlockStart']);
  if (blockStart !== undefined) startBlock(state.blocks, blockStart);
  const delta = asObject(chunk['contentBlockDelta']);
  if (delta !== undefined) applyDelta(state.blocks, delta);
  const stop = asObject(chunk['messageStop']);
  if (stop !== undefined) {
    state.stopped = true;
    state.stopReason = asString(stop['stopReason']) ?? state.stopReason;
  }
  const usage = usageOf(asObject(pick(chunk, 'metadata', 'usage')));
  if (usage !== undefined) state.usage = usage;
}

function blockAt(
  blocks: Map<number, BlockInProgress>,
  index: number,
  kind: BlockInProgress['kind'],
): BlockInProgress {
  let block = blocks.get(index);
  if (block === undefined) {
    block = { kind, text: '', json: '', input: undefined, id: undefined, name: undefined };
    blocks.set(index, block);
  }
  return block;
}

/** Only tool-use blocks announce themselves (`start.toolUse{toolUseId,name}`); text blocks start with a delta. */
function startBlock(blocks: Map<number, BlockInProgress>, event: JsonObject): void {
  const toolUse = asObject(pick(event, 'start', 'toolUse'));
  if (toolUse === undefined) return;
  const block = blockAt(blocks, asCount(event['contentBlockIndex']) ?? blocks.size, 'tool');
  block.kind = 'tool';
  block.id = asString(toolUse['toolUseId']);
  block.name = asString(toolUse['name']);
}

function applyDelta(blocks: Map<number, BlockInProgress>, event: JsonObject): void {
  const index = asCount(event['contentBlockIndex']) ?? 0;
  const delta = asObject(event['delta']);
  const text = asString(delta?.['text']);
  if (text !== undefined) {
    blockAt(blocks, index, 'text').text += text;
    return;
  }
  const toolInput = pick(delta, 'toolUse', 'input');
  if (toolInput !== undefined) {
    const block = blockAt(blocks, index, 'tool');
    if (typeof toolInput === 'string') block.json += toolInput;
    else block.input = toolInput;
    return;
  }
  const reasoning = asObject(delta?.['reasoningContent']);
  const reasoningText = asString(reasoning?.['text']) ?? asString(pick(reasoning, 'reasoningText', 'text'));
  if (reasoningText !== undefined) blockAt(blocks, index, 'reasoning').text += reasoningText;
}

function assembledParts(block: BlockInProgress, warnings: WarningCode[]): MessagePart[] {
  switch (block.kind) {
    case 'tool':
      return [streamedToolCallPart(block, warnings)];
    case 'reasoning':
      return block.text === '' ? [] : [{ type: 'reasoning', content: block.text }];
    default:
      return [{ type: 'text', content: block.text }];
  }
}
