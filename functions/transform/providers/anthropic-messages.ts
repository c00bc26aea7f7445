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
  flatParts,
  type Message,
  type MessagePart,
  mediaPart,
  streamedToolCallPart,
  toolCallPart,
  toolResponsePart,
} from '../row/messages.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from './provider.ts';

/** Anthropic Claude Messages API bodies (InvokeModel and InvokeModelWithResponseStream). */

export const anthropicMessages: Provider = {
  id: 'anthropic_messages',
  vendors: ['anthropic'],
  accepts,
  normalise,
};

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  if (request !== undefined) {
    if (Array.isArray(request['messages']) && typeof request['anthropic_version'] === 'string') return true;
    if (typeof request['prompt'] === 'string') return false;
    if (Array.isArray(request['messages']) && input.vendor === 'anthropic') return true;
  }
  const response = input.outputBody;
  if (Array.isArray(response)) return objectsOf(response).some((chunk) => chunk['type'] === 'message_start');
  const object = asObject(response);
  return object !== undefined && object['type'] === 'message' && Array.isArray(object['content']);
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const warnings: WarningCode[] = [];
  const response = Array.isArray(input.outputBody)
    ? assembleStream(input.outputBody, warnings)
    : responseOf(asObject(input.outputBody), warnings);

  return {
    operationName: 'chat',
    system: request === undefined ? undefined : systemParts(request['system']),
    input:
      request === undefined ? undefined : objectsOf(request['messages']).map((m) => messageOf(m, warnings)),
    output: response?.message === undefined ? undefined : [response.message],
    usage: response?.usage,
    stopReason: response?.stopReason,
    responseId: response?.id,
    bodyModel: response?.model,
    maxTokens: asCount(request?.['max_tokens']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['top_p']),
    topK: asCount(request?.['top_k']),
    warnings,
  };
}

interface AnthropicResponse {
  message: Message | undefined;
  usage: BodyUsage | undefined;
  stopReason: string | undefined;
  id: string | undefined;
  model: string | undefined;
}

function responseOf(body: JsonObject | undefined, warnings: WarningCode[]): AnthropicResponse | undefined {
  if (body === undefined) return undefined;
  const content = asArray(body['content']);
  return {
    message: content === undefined ? undefined : messageOf({ role: 'assistant', content }, warnings),
    usage: usageOf(asObject(body['usage'])),
    stopReason: asString(body['stop_reason']),
    id: asString(body['id']),
    model: asString(body['model']),
  };
}

function usageOf(usage: JsonObject | undefined): BodyUsage | undefined {
  if (usage === undefined) return undefined;
  return {
    inputTokens: asCount(usage['input_tokens']),
    outputTokens: asCount(usage['output_tokens']),
    cacheReadTokens: asCount(usage['cache_read_input_tokens']),
    cacheWriteTokens: asCount(usage['cache_creation_input_tokens']),
  };
}

interface BlockInProgress {
  type: string;
  text: string;
  id: string | undefined;
  name: string | undefined;
  json: string;
  input: unknown;
}

/**
 * Rebuild the message from SSE events: text and thinking deltas concatenated per block index, tool input
 * JSON concatenated then parsed; stop reason from message_delta; output tokens from the last message_delta
 * (message_start's output count is a placeholder).
 */
function assembleStream(chunks: readonly unknown[], warnings: WarningCode[]): AnthropicResponse {
  const blocks = new Map<number, BlockInProgress>();
  let start: JsonObject | undefined;
  let stopReason: string | undefined;
  let outputTokens: number | undefined;
  let stopped = false;

  for (const chunk of objectsOf(chunks)) {
    switch (chunk['type']) {
      case 'message_start':
        start = asObject(chunk['message']);
        break;
      case 'content_block_start': {
        const block = asObject(chunk['content_block']);
        blocks.set(asCount(chunk['index']) ?? blocks.size, {
          type: asString(block?.['type']) ?? 'text',
          text: asString(block?.['text']) ?? asString(block?.['thinking']) ?? '',
          id: asString(block?.['id']),
          name: asString(block?.['name']),
          json: '',
          input: block?.['input'],
        });
        break;
      }
      case 'content_block_delta':
        applyDelta(blocks, chunk);
        break;
      case 'message_delta': {
        stopReason = asString(pick(chunk, 'delta', 'stop_reason')) ?? stopReason;
        outputTokens = asCount(pick(chunk, 'usage', 'output_tokens')) ?? outputTokens;
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      default:
        break;
    }
  }
  if (!stopped) warnings.push('stream_incomplete');

  const parts: MessagePart[] = [];
  for (const index of [...blocks.keys()].sort((a, b) => a - b)) {
    const block = blocks.get(index);
    if (block !== undefined) parts.push(...assembledBlockParts(block, warnings));
  }
  const startUsage = usageOf(asObject(start?.['usage']));
  return {
    message: parts.length === 0 && start === undefined ? undefined : { role: 'assistant', parts },
    usage:
      startUsage === undefined && outputTokens === undefined
        ? undefined
        : { ...startUsage, outputTokens: outputTokens ?? startUsage?.outputTokens },
    stopReason,
    id: asString(start?.['id']),
    model: asString(start?.['model']),
  };
}

function applyDelta(blocks: Map<number, BlockInProgress>, chunk: JsonObject): void {
  const index = asCount(chunk['index']) ?? 0;
  let block = blocks.get(index);
  if (block === undefined) {
    block = { type: 'text', text: '', id: undefined, name: undefined, json: '', input: undefined };
    blocks.set(index, block);
  }
  const delta = asObject(chunk['delta']);
  const deltaText = asString(delta?.['text']) ?? asString(delta?.['thinking']);
  if (deltaText !== undefined) block.text += deltaText;
  const partial = asString(delta?.['partial_json']);
  if (partial !== undefined) block.json += partial;
}

function assembledBlockParts(block: BlockInProgress, warnings: WarningCode[]): MessagePart[] {
  switch (block.type) {
    case 'tool_use':
      return [streamedToolCallPart(block, warnings)];
    case 'thinking':
      return block.text === '' ? [] : [{ type: 'reasoning', content: block.text }];
    case 'redacted_thinking':
      return [];
    default:
      return [{ type: 'text', content: block.text }];
  }
}

function systemParts(system: unknown): MessagePart[] | undefined {
  const text = asString(system);
  if (text !== undefined) return text === '' ? undefined : [{ type: 'text', content: text }];
  const parts: MessagePart[] = [];
  for (const block of objectsOf(system)) {
    const blockText = asString(block['text']);
    if (blockText !== undefined) parts.push({ type: 'text', content: blockText });
  }
  return parts.length === 0 ? undefined : parts;
}

function messageOf(message: JsonObject, warnings: WarningCode[]): Message {
  const role = asString(message['role']) ?? 'user';
  const content = message['content'];
  const text = asString(content);
  if (text !== undefined) return { role, parts: [{ type: 'text', content: text }] };
  return { role, parts: flatParts(objectsOf(content), (block) => blockParts(block, warnings)) };
}

function blockParts(block: JsonObject, warnings: WarningCode[]): MessagePart[] {
  switch (block['type']) {
    case 'text':
      return [{ type: 'text', content: asString(block['text']) ?? '' }];
    case 'thinking': {
      const thinking = asString(block['thinking']);
      return thinking === undefined ? [] : [{ type: 'reasoning', content: thinking }];
    }
    case 'tool_use': {
      return [toolCallPart(asString(block['name']) ?? '', block['input'] ?? {}, asString(block['id']))];
    }
    case 'tool_result': {
      return [toolResponsePart(toolResultOf(block['content'], warnings), asString(block['tool_use_id']))];
    }
    case 'image':
    case 'document': {
      const source = asObject(block['source']);
      return [
        mediaPart({
          uri: asString(source?.['url']) ?? asString(source?.['s3Uri']),
          mimeType: asString(source?.['media_type']),
          base64: asString(source?.['data']),
        }),
      ];
    }
    default:
      return [];
  }
}

function toolResultOf(content: unknown, warnings: WarningCode[]): unknown {
  const text = asString(content);
  if (text !== undefined) return text;
  const blocks = objectsOf(content);
  if (blocks.length === 1 && blocks[0]?.['type'] === 'text') return asString(blocks[0]['text']) ?? '';
  return blocks.map((block) =>
    block['type'] === 'text' ? (asString(block['text']) ?? '') : (blockParts(block, warnings)[0] ?? null),
  );
}
