import { describe, expect, it } from 'vitest';
import { parseCaller } from '../../../functions/transform/row/caller.ts';
import { toFinishReason } from '../../../functions/transform/row/finish-reason.ts';

describe('parseCaller (record-schema §4.3)', () => {
  it.each([
    ['arn:aws:iam::123456789012:user/alice', 'alice', undefined],
    ['arn:aws:iam::123456789012:user/division/team/bob', 'bob', undefined],
    [
      'arn:aws:sts::123456789012:assumed-role/support-assistant-lambda/support-assistant-prod',
      'support-assistant-prod',
      'support-assistant-lambda',
    ],
    [
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com',
      'jane@example.com',
      'AWSReservedSSO_Admin_0123456789abcdef',
    ],
    ['arn:aws:sts::123456789012:federated-user/carol', 'carol', undefined],
    ['arn:aws:iam::123456789012:root', 'root', undefined],
    ['arn:aws:iam::123456789012:role/service-role/x', undefined, undefined],
    ['not-an-arn', undefined, undefined],
  ])('%s', (arn, name, role) => {
    expect(parseCaller(arn)).toEqual({ name, role });
  });
});

describe('toFinishReason (record-schema §4.2)', () => {
  it.each([
    ['end_turn', 'end_turn'],
    ['stop', 'end_turn'],
    ['FINISH', 'end_turn'],
    ['COMPLETE', 'end_turn'],
    ['SUCCESS', 'end_turn'],
    ['eos', 'end_turn'],
    ['max_tokens', 'max_tokens'],
    ['length', 'max_tokens'],
    ['LENGTH', 'max_tokens'],
    ['MAX_TOKENS', 'max_tokens'],
    ['stop_sequence', 'stop_sequence'],
    ['tool_use', 'tool_use'],
    ['tool_calls', 'tool_use'],
    ['guardrail_intervened', 'guardrail_intervened'],
    ['content_filtered', 'content_filtered'],
    ['content_filter', 'content_filtered'],
    ['CONTENT_FILTERED', 'content_filtered'],
    ['refusal', 'content_filtered'],
    ['ERROR', 'error'],
    ['ERROR_TOXIC', 'error'],
    ['error_unknown', 'error'],
    ['model_context_window_exceeded', 'other'],
  ])('%s → %s', (value, reason) => {
    expect(toFinishReason(value)).toBe(reason);
  });

  it('is absent when nothing was reported', () => {
    expect(toFinishReason(undefined)).toBeUndefined();
    expect(toFinishReason('')).toBeUndefined();
  });
});
