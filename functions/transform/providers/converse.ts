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
  mediaPart,
  mimeTypeOf,
  toolCallPart,
  toolResponsePart,
} from '../messages.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Converse and ConverseStream, for every vendor. Bedrock logs ConverseStream already assembled, in the
 * Converse response shape, so both operations read the same way.
 */

const CONVERSE_OPERATIONS: ReadonlySet<string> = new Set(['Converse', 'ConverseStream']);

export const converse: Provider = {
  id: 'converse',
  vendors: [],
  accepts: (input) => input.operation !== undefined && CONVERSE_OPERATIONS.has(input.operation),
  normalise,
};

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const response = asObject(input.outputBody);
  const warnings: WarningCode[] = [];
  const inferenceConfig = asObject(request?.['inferenceConfig']);
  const additional = asObject(request?.['additionalModelRequestFields']);
  const usage = asObject(response?.['usage']);
  const stopReason = asString(response?.['stopReason']);
  const guardrailTrace = pick(response, 'trace', 'guardrail');
  const outputMessage = asObject(pick(response, 'output', 'message'));

  return {
    operationName: 'chat',
    system: request === undefined ? undefined : systemParts(request['system'], warnings),
    input: request === undefined ? undefined : messagesOf(request['messages'], warnings),
    output: outputMessage === undefined ? undefined : [messageOf(outputMessage, 'assistant', warnings)],
    usage:
      usage === undefined
        ? undefined
        : {
            inputTokens: asCount(usage['inputTokens']),
            outputTokens: asCount(usage['outputTokens']),
            cacheReadTokens: asCount(usage['cacheReadInputTokens']),
            cacheWriteTokens: asCount(usage['cacheWriteInputTokens']),
          },
    stopReason,
    bodyModel: asString(pick(response, 'trace', 'promptRouter', 'invokedModelId')),
    maxTokens: asCount(inferenceConfig?.['maxTokens']),
    temperature: asNumber(inferenceConfig?.['temperature']),
    topP: asNumber(inferenceConfig?.['topP']),
    topK: asCount(
      additional?.['top_k'] ?? additional?.['topK'] ?? pick(additional, 'inferenceConfig', 'topK'),
    ),
    latencyMs: asNumber(pick(response, 'metrics', 'latencyMs')),
    guardrailAction:
      stopReason === 'guardrail_intervened'
        ? 'INTERVENED'
        : asObject(guardrailTrace) !== undefined
          ? 'NONE'
          : undefined,
    warnings,
  };
}

function systemParts(system: unknown, warnings: WarningCode[]): MessagePart[] | undefined {
  const blocks = objectsOf(system);
  if (blocks.length === 0) return undefined;
  const parts = blocks.flatMap((block) => blockParts(block, warnings));
  return parts.length === 0 ? undefined : parts;
}

function messagesOf(messages: unknown, warnings: WarningCode[]): Message[] | undefined {
  const list = asArray(messages);
  if (list === undefined) return undefined;
  return objectsOf(list).map((message) => messageOf(message, 'user', warnings));
}

function messageOf(message: JsonObject, defaultRole: string, warnings: WarningCode[]): Message {
  const role = asString(message['role']) ?? defaultRole;
  const parts = objectsOf(message['content']).flatMap((block) => blockParts(block, warnings));
  return { role, parts };
}

/** One Converse content block → zero or more parts (cache points and unknown blocks carry no content). */
function blockParts(block: JsonObject, warnings: WarningCode[]): MessagePart[] {
  const text = asString(block['text']);
  if (text !== undefined) return [{ type: 'text', content: text }];

  const guardText = asString(pick(block, 'guardContent', 'text', 'text'));
  if (guardText !== undefined) return [{ type: 'text', content: guardText }];

  const toolUse = asObject(block['toolUse']);
  if (toolUse !== undefined) {
    return [
      toolCallPart(asString(toolUse['name']) ?? '', toolUse['input'] ?? {}, asString(toolUse['toolUseId'])),
    ];
  }

  const toolResult = asObject(block['toolResult']);
  if (toolResult !== undefined) {
    return [
      toolResponsePart(toolResultContent(toolResult['content'], warnings), asString(toolResult['toolUseId'])),
    ];
  }

  const reasoning = asObject(block['reasoningContent']);
  if (reasoning !== undefined) {
    const reasoningText = asString(pick(reasoning, 'reasoningText', 'text'));
    return reasoningText === undefined ? [] : [{ type: 'reasoning', content: reasoningText }];
  }

  for (const kind of ['image', 'document', 'video', 'audio'] as const) {
    const media = asObject(block[kind]);
    if (media !== undefined) return [mediaOf(media)];
  }
  return [];
}

/** Media: Bedrock rewrites inline bytes to `source.s3Uri` in the log; the API shape has `s3Location.uri`. */
function mediaOf(media: JsonObject): MessagePart {
  const source = asObject(media['source']);
  const bytes = source?.['bytes'];
  return mediaPart({
    uri: asString(source?.['s3Uri']) ?? asString(pick(source, 's3Location', 'uri')),
    mimeType: mimeTypeOf(asString(media['format'])),
    base64: asString(bytes),
  });
}

/** A tool result's content list: plain text joined, JSON kept as a value, media as parts. */
function toolResultContent(content: unknown, warnings: WarningCode[]): unknown {
  const blocks = objectsOf(content);
  if (blocks.length === 1 && blocks[0] !== undefined) {
    const only = blocks[0];
    if (typeof only['text'] === 'string') return only['text'];
    if ('json' in only) return only['json'];
  }
  return blocks.map((block) => {
    if (typeof block['text'] === 'string') return block['text'];
    if ('json' in block) return block['json'];
    return blockParts(block, warnings)[0] ?? null;
  });
}
