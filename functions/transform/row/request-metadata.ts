import type { TransformConfig } from '../../../schemas/transform-config.ts';
import { asObject, ownValue, safeStringify } from '../json-access.ts';
import { type Redact, redactedJsonText } from './content.ts';

/**
 * requestMetadata → whole JSON text, promoted columns and the conversation id (record-schema §4.5). With
 * redaction configured, every string value (nested ones included) is redacted in all three; keys are not.
 */
export interface MetadataFields {
  readonly json: string | undefined;
  readonly promoted: readonly (readonly [column: string, value: string])[];
  readonly conversationId: string | undefined;
}

const NO_METADATA: MetadataFields = { json: undefined, promoted: [], conversationId: undefined };

const MAX_PROMOTED_KEYS = 20;
const MAX_KEY_LENGTH = 64;
// Bedrock caps values at 256 characters; these bounds only matter for hostile or future input.
const MAX_VALUE_LENGTH = 1024;
const MAX_JSON_LENGTH = 16 * 1024;
export const METADATA_COLUMN_PREFIX = 'aws_bedrock_request_metadata_';

const sanitisedKeys = new Map<string, string>();

/** Lowercase, every character outside `[a-z0-9_]` → `_`, at most 64 characters (memoised: keys repeat). */
export function sanitiseMetadataKey(key: string): string {
  let out = sanitisedKeys.get(key);
  if (out !== undefined) return out;
  out = '';
  for (const char of key.toLowerCase()) {
    const code = char.charCodeAt(0);
    const kept =
      char.length === 1 &&
      ((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x5f);
    out += kept ? char : '_';
    if (out.length >= MAX_KEY_LENGTH) break;
  }
  if (sanitisedKeys.size < 10_000) sanitisedKeys.set(key, out);
  return out;
}

/** Redacted before it is cut, so a cut never leaves half of a match unredacted. */
function valueText(value: unknown, redact: Redact | undefined): string {
  const text =
    redact === undefined
      ? typeof value === 'string'
        ? value
        : safeStringify(value)
      : typeof value === 'string'
        ? redact(value)
        : redactedJsonText(value, redact);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…[truncated]` : text;
}

export function metadataFields(
  metadata: unknown,
  config: Pick<TransformConfig, 'conversationKeys' | 'promoteMetadataKeys'>,
  redact?: Redact,
): MetadataFields {
  const object = asObject(metadata);
  if (object === undefined) return NO_METADATA;
  const keys = Object.keys(object);
  if (keys.length === 0) return NO_METADATA;

  let json = redact === undefined ? safeStringify(object) : redactedJsonText(object, redact);
  if (json.length > MAX_JSON_LENGTH) json = `${json.slice(0, MAX_JSON_LENGTH)}…[truncated]`;

  const allowed = config.promoteMetadataKeys === '*' ? undefined : new Set(config.promoteMetadataKeys);
  const promoted: [string, string][] = [];
  const seen = new Set<string>();
  for (const key of keys.sort()) {
    if (promoted.length >= MAX_PROMOTED_KEYS) break;
    if (allowed !== undefined && !allowed.has(key)) continue;
    const sanitised = sanitiseMetadataKey(key);
    if (sanitised === '' || seen.has(sanitised)) continue;
    seen.add(sanitised);
    const value = object[key];
    if (value === null || value === undefined) continue;
    promoted.push([`${METADATA_COLUMN_PREFIX}${sanitised}`, valueText(value, redact)]);
  }

  let conversationId: string | undefined;
  for (const key of config.conversationKeys) {
    const value = ownValue(object, key);
    if (typeof value === 'string' && value !== '') {
      conversationId = valueText(value, redact);
      break;
    }
    if (typeof value === 'number') {
      conversationId = String(value);
      break;
    }
  }
  return { json, promoted, conversationId };
}
