import { asObject, type JsonObject } from '../json-access.ts';

/** One log event message → a Bedrock invocation log, or a plain log line (record-schema §4.9). */
export type ParsedMessage =
  | { readonly kind: 'invocation'; readonly log: JsonObject }
  | { readonly kind: 'other' };

const OTHER: ParsedMessage = { kind: 'other' };

export function parseLogMessage(message: string): ParsedMessage {
  // Cheap pre-check: an invocation log is a JSON object; most other lines are not.
  if (message.charCodeAt(0) !== 0x7b /* { */ && message.trimStart()[0] !== '{') return OTHER;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return OTHER;
  }
  const log = asObject(parsed);
  return log !== undefined && log['schemaType'] === 'ModelInvocationLog'
    ? { kind: 'invocation', log }
    : OTHER;
}
