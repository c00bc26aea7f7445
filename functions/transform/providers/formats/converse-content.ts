import { asArray, asObject, asString, type JsonObject, objectsOf, pick } from '../../json-access.ts';
import {
  flatParts,
  type Message,
  type MessagePart,
  mediaPart,
  mimeTypeOf,
  toolCallPart,
  toolResponsePart,
} from '../../row/messages.ts';

/**
 * The content-block model Converse shares with Nova's native `messages-v1` bodies: `{text}`, `{toolUse}`,
 * `{toolResult}`, `{reasoningContent}`, `{guardContent}`, media blocks and `{cachePoint}`. Read here once for
 * converse.ts and nova.ts (not a provider itself).
 */

const MEDIA_KINDS = ['image', 'video', 'document', 'audio'] as const;

/** `system`: a string, or text blocks (plus cache points). */
export function systemParts(system: unknown): MessagePart[] | undefined {
  const text = asString(system);
  if (text !== undefined) return text === '' ? undefined : [{ type: 'text', content: text }];
  const parts = flatParts(objectsOf(system), contentBlockParts);
  return parts.length === 0 ? undefined : parts;
}

export function messagesOf(messages: unknown): Message[] | undefined {
  const list = asArray(messages);
  if (list === undefined) return undefined;
  return objectsOf(list).map((message) => messageOf(message, 'user'));
}

export function messageOf(message: JsonObject, defaultRole: string): Message {
  const role = asString(message['role']) ?? defaultRole;
  const content = message['content'];
  const text = asString(content);
  if (text !== undefined) return { role, parts: [{ type: 'text', content: text }] };
  return { role, parts: flatParts(objectsOf(content), contentBlockParts) };
}

/** One content block → parts; cache points and unknown blocks carry no content. */
export function contentBlockParts(block: JsonObject): MessagePart[] {
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
    return [toolResponsePart(toolResultContent(toolResult['content']), asString(toolResult['toolUseId']))];
  }

  const reasoning = asObject(block['reasoningContent']);
  if (reasoning !== undefined) {
    const reasoningText = asString(pick(reasoning, 'reasoningText', 'text'));
    return reasoningText === undefined ? [] : [{ type: 'reasoning', content: reasoningText }];
  }

  for (const kind of MEDIA_KINDS) {
    const media = asObject(block[kind]);
    if (media !== undefined) return [mediaOf(media)];
  }
  return [];
}

/**
 * Media: inline `bytes` are measured, never copied. Bedrock rewrites inline bytes in logs to `source.s3Uri`
 * (`…_input_media_NN.<ext>`); the API's own reference is `s3Location.uri`.
 */
function mediaOf(media: JsonObject): MessagePart {
  const source = asObject(media['source']);
  return mediaPart({
    uri: asString(source?.['s3Uri']) ?? asString(pick(source, 's3Location', 'uri')),
    mimeType: mimeTypeOf(asString(media['format'])),
    base64: asString(source?.['bytes']),
  });
}

/** A tool result's content list: text as text, JSON as its value, media as parts; a single item unwrapped. */
function toolResultContent(content: unknown): unknown {
  const text = asString(content);
  if (text !== undefined) return text;
  const values = objectsOf(content).map(toolResultValue);
  return values.length === 1 ? values[0] : values;
}

function toolResultValue(block: JsonObject): unknown {
  const text = asString(block['text']);
  if (text !== undefined) return text;
  if ('json' in block) return block['json'];
  return contentBlockParts(block)[0] ?? null;
}
