import { hash } from 'node:crypto';
import {
  type ContentMode,
  type ContentSettings,
  contentSettingsFor,
  type TransformConfig,
} from '../../../schemas/transform-config.ts';
import { safeStringify } from '../json-access.ts';
import { firstText, lastUserText, type Message, type MessagePart } from './messages.ts';

/**
 * Content fields of a row, by content mode (record-schema §4.6, §4.11). Order: extracted messages → redact
 * (every string a part carries) → hash (mode hash) → preview → truncate (mode full).
 */

export interface ExtractedContent {
  readonly system: MessagePart[] | undefined;
  readonly input: Message[] | undefined;
  readonly output: Message[] | undefined;
}

export interface ContentFields {
  readonly systemInstructions?: string;
  readonly inputMessages?: string;
  readonly outputMessages?: string;
  readonly inputPreview?: string;
  readonly outputPreview?: string;
  readonly inputSha256?: string;
  readonly outputSha256?: string;
  readonly truncated: boolean;
}

/** Replaces every match of the configured patterns by `[REDACTED]`. */
export type Redact = (text: string) => string;

/** Content settings with the redaction patterns compiled once per log group. */
export interface ContentPolicy {
  readonly mode: ContentMode;
  readonly maxBytes: number;
  readonly redactors: readonly RegExp[];
  /** Undefined when no pattern is configured (the common case): callers then skip redaction entirely. */
  readonly redact: Redact | undefined;
}

export const PREVIEW_CODE_POINTS = 256;
const SURROGATE = /[\ud800-\udfff]/;
export const REDACTED = '[REDACTED]';

export function contentPolicy(settings: ContentSettings): ContentPolicy {
  const redactors = settings.redact.map((source) => new RegExp(source, 'g'));
  return {
    mode: settings.contentMode,
    maxBytes: settings.maxContentBytes,
    redactors,
    redact: redactors.length === 0 ? undefined : (text) => redactText(text, redactors),
  };
}

const policiesByConfig = new WeakMap<TransformConfig, Map<string, ContentPolicy>>();

/**
 * The content policy of one log group (its own settings over the defaults), compiled once per config and
 * log group: invocation rows, non-Bedrock log lines and request metadata all redact with the same one.
 */
export function contentPolicyFor(config: TransformConfig, logGroup: string | undefined): ContentPolicy {
  let policies = policiesByConfig.get(config);
  if (policies === undefined) {
    policies = new Map();
    policiesByConfig.set(config, policies);
  }
  const key = logGroup ?? '';
  let policy = policies.get(key);
  if (policy === undefined) {
    policy = contentPolicy(contentSettingsFor(config, logGroup));
    policies.set(key, policy);
  }
  return policy;
}

const NO_CONTENT: ContentFields = { truncated: false };

export function contentFields(content: ExtractedContent, policy: ContentPolicy): ContentFields {
  if (policy.mode === 'none') return NO_CONTENT;
  const redacted = policy.redact === undefined ? content : redactContent(content, policy.redact);

  if (policy.mode === 'hash') {
    const fields: { inputSha256?: string; outputSha256?: string; truncated: boolean } = { truncated: false };
    if (redacted.input !== undefined) fields.inputSha256 = sha256(safeStringify(redacted.input));
    if (redacted.output !== undefined) fields.outputSha256 = sha256(safeStringify(redacted.output));
    return fields;
  }

  const previews = previewFields(redacted);
  if (policy.mode === 'preview') return { ...previews, truncated: false };

  let truncated = false;
  const bounded = (value: readonly unknown[] | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const result = boundedJson(value, policy.maxBytes);
    truncated ||= result.truncated;
    return result.json;
  };
  const fields: {
    systemInstructions?: string;
    inputMessages?: string;
    outputMessages?: string;
    inputPreview?: string;
    outputPreview?: string;
    truncated: boolean;
  } = { ...previews, truncated: false };
  const system = bounded(redacted.system);
  if (system !== undefined) fields.systemInstructions = system;
  const input = bounded(redacted.input);
  if (input !== undefined) fields.inputMessages = input;
  const output = bounded(redacted.output);
  if (output !== undefined) fields.outputMessages = output;
  fields.truncated = truncated;
  return fields;
}

function previewFields(content: ExtractedContent): { inputPreview?: string; outputPreview?: string } {
  const fields: { inputPreview?: string; outputPreview?: string } = {};
  const input = lastUserText(content.input);
  if (input !== undefined) fields.inputPreview = previewOf(input);
  const output = firstText(content.output);
  if (output !== undefined) fields.outputPreview = previewOf(output);
  return fields;
}

/** At most 256 code points, no marker (previews never set the truncated flag); a surrogate pair stays whole. */
export function previewOf(text: string): string {
  if (text.length <= PREVIEW_CODE_POINTS) return text;
  // Without a surrogate among them, the first 256 code units are the first 256 code points.
  const head = text.slice(0, PREVIEW_CODE_POINTS);
  if (!SURROGATE.test(head)) return head;
  let index = 0;
  for (let codePoints = 0; codePoints < PREVIEW_CODE_POINTS && index < text.length; codePoints++) {
    const unit = text.charCodeAt(index);
    index += unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, index);
}

/** One-shot hashing: no Hash object per text (6,000 texts per batch in mode hash). Strings hash as UTF-8. */
function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

// --- redaction -------------------------------------------------------------------------------------------

function redactText(text: string, redactors: readonly RegExp[]): string {
  let out = text;
  for (const pattern of redactors) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, REDACTED);
  }
  return out;
}

/**
 * A JSON value with every string leaf redacted (object keys are kept: they are the tool's or the caller's
 * schema, not content). A value nested too deeply to serialise becomes the same marker safeStringify gives.
 */
export function redactJsonValue(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null) return value;
  const text = redactedJsonText(value, redact);
  return JSON.parse(text) as unknown;
}

/** JSON text of a value with every string leaf redacted; keys kept. */
export function redactedJsonText(value: unknown, redact: Redact): string {
  try {
    return (
      JSON.stringify(value, (_key, leaf: unknown) => (typeof leaf === 'string' ? redact(leaf) : leaf)) ??
      'null'
    );
  } catch {
    return '"[unserialisable: nested too deeply]"';
  }
}

/** Every place a part carries content: text, reasoning, tool arguments and results, media URIs. */
function redactPart(part: MessagePart, redact: Redact): MessagePart {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return { ...part, content: redact(part.content) };
    case 'tool_call':
      return { ...part, arguments: redactJsonValue(part.arguments, redact) };
    case 'tool_call_response':
      return { ...part, response: redactJsonValue(part.response, redact) };
    case 'uri':
      return { ...part, uri: redact(part.uri) };
    default:
      return part;
  }
}

function redactMessages(messages: Message[] | undefined, redact: Redact): Message[] | undefined {
  return messages?.map((message) => ({
    ...message,
    parts: message.parts.map((part) => redactPart(part, redact)),
  }));
}

function redactContent(content: ExtractedContent, redact: Redact): ExtractedContent {
  return {
    system: content.system?.map((part) => redactPart(part, redact)),
    input: redactMessages(content.input, redact),
    output: redactMessages(content.output, redact),
  };
}

// --- truncation ------------------------------------------------------------------------------------------

/** Cut a string to at most `maxBytes` UTF-8 bytes without splitting a code point, and mark the cut. */
export function cutUtf8(text: string, maxBytes: number): string {
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= maxBytes) return text;
  // Encode only a prefix that surely holds the cut (every UTF-16 unit is at least one byte): a 10 MB text
  // is measured, never copied, to keep 32 KiB of it.
  const bytes = Buffer.from(text.slice(0, maxBytes + 1), 'utf8');
  let cut = Math.max(0, maxBytes);
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return `${bytes.toString('utf8', 0, cut)}…[truncated ${total - cut} bytes]`;
}

interface Cuttable {
  readonly bytes: number;
  readonly cut: (maxBytes: number) => void;
}

/**
 * JSON text of `value`, at most `maxBytes` UTF-8 bytes, still valid JSON in the same message shape: the
 * longest text-like parts are cut first (water-filling to a common cap); structured tool arguments and
 * responses are turned into cut JSON text. If cutting parts cannot get under the budget (thousands of
 * tiny parts), the whole list is replaced by one text message holding a cut of its JSON.
 */
export function boundedJson(
  value: readonly unknown[],
  maxBytes: number,
): { json: string; truncated: boolean } {
  let json = safeStringify(value);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most rows never need the exact count.
  if (json.length * 3 <= maxBytes || Buffer.byteLength(json, 'utf8') <= maxBytes)
    return { json, truncated: false };

  // The parts are cut on a copy of the message structure; the texts themselves are shared, not copied.
  const copy = value.map(copyEntry);
  for (let attempt = 0; attempt < 4; attempt++) {
    const excess = Buffer.byteLength(json, 'utf8') - maxBytes;
    if (excess <= 0) return { json, truncated: true };
    const cuttables = collectCuttables(copy);
    const cap = waterLevel(
      cuttables.map((c) => c.bytes),
      excess + 64 * (attempt + 1),
    );
    if (cap === undefined) break;
    for (const cuttable of cuttables) if (cuttable.bytes > cap) cuttable.cut(cap);
    json = JSON.stringify(copy);
  }
  if (Buffer.byteLength(json, 'utf8') <= maxBytes) return { json, truncated: true };
  return { json: singleMessageFallback(json, maxBytes), truncated: true };
}

/** A message (or a bare part) with its own parts array and part objects; values inside are shared. */
function copyEntry(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null) return entry;
  const record = entry as Record<string, unknown>;
  const parts = record['parts'];
  return Array.isArray(parts)
    ? {
        ...record,
        parts: parts.map((part: unknown) => (typeof part === 'object' && part !== null ? { ...part } : part)),
      }
    : { ...record };
}

/** One text message holding a cut of the JSON text, shrunk until its own escaping fits the budget. */
function singleMessageFallback(json: string, maxBytes: number): string {
  let budget = Math.max(0, maxBytes - 128);
  for (;;) {
    const fallback = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: cutUtf8(json, budget) }] },
    ]);
    const size = Buffer.byteLength(fallback, 'utf8');
    if (size <= maxBytes || budget === 0) return fallback;
    budget = Math.max(0, Math.floor((budget * maxBytes) / size) - 64);
  }
}

/**
 * The cap C such that cutting every size above C down to C removes at least `excess` bytes; undefined when
 * even cutting everything to zero would not.
 */
function waterLevel(sizes: readonly number[], excess: number): number | undefined {
  const sorted = [...sizes].sort((a, b) => b - a);
  let removedAbove = 0;
  for (let i = 0; i < sorted.length; i++) {
    const current = sorted[i] ?? 0;
    const next = sorted[i + 1] ?? 0;
    // Lowering the cap from `current` to `next` removes (current - next) bytes from each of the i+1 largest.
    const step = (current - next) * (i + 1);
    if (removedAbove + step >= excess) return Math.floor(current - (excess - removedAbove) / (i + 1));
    removedAbove += step;
  }
  return undefined;
}

function collectCuttables(value: unknown[]): Cuttable[] {
  const out: Cuttable[] = [];
  const visitParts = (parts: unknown): void => {
    if (!Array.isArray(parts)) return;
    for (const part of parts) {
      if (typeof part !== 'object' || part === null) continue;
      const record = part as Record<string, unknown>;
      for (const key of ['content', 'arguments', 'response'] as const) {
        if (!(key in record)) continue;
        const current = record[key];
        const text = typeof current === 'string' ? current : safeStringify(current ?? null);
        const bytes = Buffer.byteLength(text, 'utf8');
        out.push({
          bytes,
          cut: (cap) => {
            record[key] = cutUtf8(text, cap);
          },
        });
      }
    }
  };
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null) continue;
    const record = entry as Record<string, unknown>;
    if (Array.isArray(record['parts'])) visitParts(record['parts']);
    else visitParts([record]);
  }
  return out;
}
