import type { WarningCode } from '../../../schemas/row-constants.ts';
/**
 * The OpenTelemetry GenAI message shape every provider extracts into (record-schema §2):
 * `[{"role":"user","parts":[{"type":"text","content":"…"}]}]`. Media never carries bytes, only a URI or a
 * MIME type and a size.
 */

export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id?: string; response: unknown }
  | { type: 'uri'; uri: string; mime_type?: string }
  | { type: 'blob'; mime_type?: string; size?: number };

export interface Message {
  role: string;
  parts: MessagePart[];
}

export function textMessage(role: string, content: string): Message {
  return { role, parts: [{ type: 'text', content }] };
}

/**
 * The parts of each item, in order, in one array. A loop rather than Array#flatMap, which V8 does not
 * optimise: this runs for every message of every row.
 */
export function flatParts<T>(
  items: readonly T[],
  partsOf: (item: T) => readonly MessagePart[],
): MessagePart[] {
  const out: MessagePart[] = [];
  for (const item of items) {
    const parts = partsOf(item);
    for (let i = 0; i < parts.length; i++) out.push(parts[i] as MessagePart);
  }
  return out;
}

/** Bytes a base64 string decodes to, without decoding it (media is measured, never copied). */
export function base64DecodedSize(base64: string): number {
  let padding = 0;
  if (base64.endsWith('==')) padding = 2;
  else if (base64.endsWith('=')) padding = 1;
  return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}

// A Map: the format comes from a body, and `constructor` must not read as Object's constructor.
const IMAGE_MIME: ReadonlyMap<string, string> = new Map(
  Object.entries({
    png: 'image/png',
    jpeg: 'image/jpeg',
    jpg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    pdf: 'application/pdf',
    csv: 'text/csv',
    doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xls: 'application/vnd.ms-excel',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    html: 'text/html',
    txt: 'text/plain',
    md: 'text/markdown',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    mkv: 'video/x-matroska',
    webm: 'video/webm',
    mp3: 'audio/mpeg',
    wav: 'audio/wav',
  }),
);

/** `png` → `image/png`; an already-qualified MIME type passes through. */
export function mimeTypeOf(format: string | undefined): string | undefined {
  if (format === undefined) return undefined;
  if (format.includes('/')) return format;
  return IMAGE_MIME.get(format.toLowerCase()) ?? format;
}

/** A media part: a URI when the log has one (Bedrock moves inline bytes to S3), else a sized blob. */
export function mediaPart(options: {
  uri?: string | undefined;
  mimeType?: string | undefined;
  base64?: string | undefined;
}): MessagePart {
  if (options.uri !== undefined) {
    return options.mimeType === undefined
      ? { type: 'uri', uri: options.uri }
      : { type: 'uri', uri: options.uri, mime_type: options.mimeType };
  }
  const part: { type: 'blob'; mime_type?: string; size?: number } = { type: 'blob' };
  if (options.mimeType !== undefined) part.mime_type = options.mimeType;
  if (options.base64 !== undefined) part.size = base64DecodedSize(options.base64);
  return part;
}

/** Parse tool-call arguments that arrive as JSON text; on failure keep the text and report it. */
export function parseToolArguments(text: string): { value: unknown; ok: boolean } {
  if (text.trim() === '') return { value: {}, ok: true };
  try {
    return { value: JSON.parse(text) as unknown, ok: true };
  } catch {
    return { value: text, ok: false };
  }
}

/** Text of the last user message that has text, enough of it for the input preview. */
export function lastUserText(messages: readonly Message[] | undefined): string | undefined {
  if (messages === undefined) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== 'user') continue;
    const text = joinedText(message);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Text of the first output message that has text, enough of it for the output preview. */
export function firstText(messages: readonly Message[] | undefined): string | undefined {
  if (messages === undefined) return undefined;
  for (const message of messages) {
    const text = joinedText(message);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** A preview needs at most 256 code points (≤ 512 UTF-16 units): stop joining once there is enough. */
const ENOUGH_FOR_PREVIEW = 512;

function joinedText(message: Message): string | undefined {
  let text: string | undefined;
  for (const part of message.parts) {
    if (part.type !== 'text') continue;
    text = text === undefined ? part.content : `${text}\n${part.content}`;
    if (text.length >= ENOUGH_FOR_PREVIEW) break;
  }
  return text;
}

/**
 * A tool call rebuilt from a stream: its arguments are the concatenated JSON deltas when any came, else the
 * input the block started with. Unparsable JSON stays text and is reported.
 */
export function streamedToolCallPart(
  block: {
    readonly name: string | undefined;
    readonly id: string | undefined;
    readonly input: unknown;
    readonly json: string;
  },
  warnings: WarningCode[],
): MessagePart {
  let args: unknown = block.input ?? {};
  if (block.json !== '') {
    const parsed = parseToolArguments(block.json);
    if (!parsed.ok) warnings.push('tool_arguments_unparsable');
    args = parsed.value;
  }
  return toolCallPart(block.name ?? '', args, block.id);
}

export function toolCallPart(name: string, args: unknown, id: string | undefined): MessagePart {
  return id === undefined
    ? { type: 'tool_call', name, arguments: args }
    : { type: 'tool_call', id, name, arguments: args };
}

export function toolResponsePart(response: unknown, id: string | undefined): MessagePart {
  return id === undefined
    ? { type: 'tool_call_response', response }
    : { type: 'tool_call_response', id, response };
}

/** The MIME type of base64 image bytes, from their first characters (some bodies send bare base64). */
export function imageMimeTypeOfBase64(base64: string): string | undefined {
  if (base64.startsWith('iVBORw0KGgo')) return 'image/png';
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('R0lGOD')) return 'image/gif';
  if (base64.startsWith('UklGR')) return 'image/webp';
  return undefined;
}

// A data: URI header longer than this is not a header (no MIME type is this long); measure nothing then.
const MAX_DATA_URI_HEADER = 256;

/**
 * A media part from a URL as OpenAI-style bodies send it: a `data:` URI is measured (its bytes are never
 * copied), any other URL is kept as a URI.
 */
export function mediaPartFromUrl(url: string, mimeType?: string): MessagePart {
  if (!url.startsWith('data:')) {
    // Bare base64 where a URL belongs is bytes, not an address: measure it.
    if (!hasUrlScheme(url))
      return mediaPart({ mimeType: mimeType ?? imageMimeTypeOfBase64(url), base64: url });
    return mediaPart({ uri: url, mimeType });
  }
  const comma = url.indexOf(',');
  if (comma < 0 || comma > MAX_DATA_URI_HEADER) return mediaPart({ mimeType });
  const header = url.slice('data:'.length, comma);
  const semicolon = header.indexOf(';');
  const headerMime = semicolon < 0 ? header : header.slice(0, semicolon);
  return mediaPart({
    mimeType: headerMime === '' ? mimeType : headerMime,
    base64: header.endsWith(';base64') ? url.slice(comma + 1) : undefined,
  });
}

/** `scheme:` within the first few characters (http:, https:, s3:, file:, gs:, …). */
function hasUrlScheme(url: string): boolean {
  const colon = url.indexOf(':');
  if (colon < 1 || colon > 16) return false;
  for (let i = 0; i < colon; i++) {
    const code = url.charCodeAt(i);
    const letter = (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
    const other = (code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46;
    if (!letter && !(i > 0 && other)) return false;
  }
  return true;
}

const INLINE_REASONING_TAGS: readonly (readonly [open: string, close: string])[] = [
  ['<think>', '</think>'],
  ['<reasoning>', '</reasoning>'],
];

/**
 * Split reasoning that a model writes inline before its answer (`<think>…</think>` from DeepSeek R1 and
 * Qwen3, `<reasoning>…</reasoning>` from gpt-oss on InvokeModel) into a reasoning part and a text part.
 * `startsInReasoning`: the prompt already opened `<think>` (DeepSeek R1 template), so the text starts inside
 * the reasoning and only a closing tag may appear; without one, all of it is reasoning (cut off by max tokens).
 */
export function inlineReasoningParts(text: string, startsInReasoning = false): MessagePart[] {
  const trimmed = text.trimStart();
  for (const [open, close] of INLINE_REASONING_TAGS) {
    if (trimmed.startsWith(open)) return reasoningThenAnswer(trimmed.slice(open.length), close);
  }
  if (startsInReasoning) return reasoningThenAnswer(text, '</think>');
  const closeAt = text.indexOf('</think>');
  return closeAt < 0 ? [{ type: 'text', content: text }] : reasoningThenAnswer(text, '</think>');
}

function reasoningThenAnswer(text: string, close: string): MessagePart[] {
  const closeAt = text.indexOf(close);
  const reasoning = (closeAt < 0 ? text : text.slice(0, closeAt)).trim();
  const answer = closeAt < 0 ? '' : text.slice(closeAt + close.length).trimStart();
  const parts: MessagePart[] = [];
  if (reasoning !== '') parts.push({ type: 'reasoning', content: reasoning });
  if (answer !== '' || parts.length === 0) parts.push({ type: 'text', content: answer });
  return parts;
}

/** A sized blob part for bare base64 media: its MIME type from the body when stated, else from its signature. */
export function base64MediaPart(base64: string, mimeType?: string): MessagePart {
  return mediaPart({ mimeType: mimeType ?? imageMimeTypeOfBase64(base64), base64 });
}

/** An image model's negative prompt (what to keep out of the image), labelled so it does not read as the prompt. */
export function negativePromptPart(text: string): MessagePart {
  return { type: 'text', content: `Negative prompt: ${text}` };
}

/**
 * Whether JSON text nests arrays/objects deeper than `limit`. Tool arguments are model-written JSON text: a
 * parsed value nested thousands deep would later overflow the stack of JSON.stringify, so callers keep such
 * text unparsed. One pass, brackets inside strings ignored.
 */
export function jsonTextDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92)
        i++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 91 || code === 123) {
      depth++;
      if (depth > limit) return true;
    } else if (code === 93 || code === 125) depth--;
  }
  return false;
}
