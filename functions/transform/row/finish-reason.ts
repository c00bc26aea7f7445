import type { FinishReason } from '../../../schemas/row-constants.ts';

/** Provider stop reasons → the closed list of record-schema §4.2 (matched case-insensitively). */
/** A Map: the key is a provider's value, and `__proto__` must read as unknown, not as Object.prototype. */
const FINISH_REASON_BY_VALUE: ReadonlyMap<string, FinishReason> = new Map(
  Object.entries({
    end_turn: 'end_turn',
    stop: 'end_turn',
    finish: 'end_turn',
    complete: 'end_turn',
    success: 'end_turn',
    eos: 'end_turn',
    max_tokens: 'max_tokens',
    length: 'max_tokens',
    stop_sequence: 'stop_sequence',
    tool_use: 'tool_use',
    tool_calls: 'tool_use',
    guardrail_intervened: 'guardrail_intervened',
    content_filtered: 'content_filtered',
    content_filter: 'content_filtered',
    refusal: 'content_filtered',
  } as const),
);

export function toFinishReason(providerValue: string | undefined): FinishReason | undefined {
  if (providerValue === undefined || providerValue === '') return undefined;
  const key = providerValue.toLowerCase();
  const mapped = FINISH_REASON_BY_VALUE.get(key);
  if (mapped !== undefined) return mapped;
  return key.startsWith('error') ? 'error' : 'other';
}
