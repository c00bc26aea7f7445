import { describe, expect, it } from 'vitest';
import { anthropicText } from '../../../functions/transform/providers/anthropic-text.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import {
  asUnknownVendor,
  expectSurvivesHostileBodies,
  fixtureInput,
  inputOnly,
  truncatedStream,
} from '../../helpers/provider-input.ts';

const invoke = fixtureInput('anthropic_text', 'anthropic-text-completion-invoke');
const stream = fixtureInput('anthropic_text', 'synthetic-anthropic-text-invoke-stream');

function withPrompt(prompt: string): ProviderInput {
  return { ...invoke, inputBody: { prompt, max_tokens_to_sample: 10 }, outputBody: null };
}

describe('anthropic_text normalise', () => {
  it('splits the system text and the Human/Assistant turns of an InvokeModel prompt', () => {
    const result = anthropicText.normalise(invoke);
    expect(result.operationName).toBe('text_completion');
    expect(result.system).toEqual([
      { type: 'text', content: 'You classify support tickets into BILLING, OUTAGE or OTHER.' },
    ]);
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [{ type: 'text', content: 'Ticket: "Dashboard shows 502 errors since 09:10 UTC". Category?' }],
      },
    ]);
    expect(result.output).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: ' OUTAGE' }] }]);
    expect(result.stopReason).toBe('stop_sequence');
    expect(result).toMatchObject({ maxTokens: 20, temperature: 0, topP: 1, topK: 250 });
    expect(result.usage).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it('keeps every turn of a multi-turn prompt in order and drops the empty final Assistant cue', () => {
    const result = anthropicText.normalise(stream);
    expect(result.system).toEqual([
      { type: 'text', content: 'You answer questions about the on-call runbook. Be brief.' },
    ]);
    expect(result.input).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Who gets paged first?' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'The primary on-call engineer.' }] },
      {
        role: 'user',
        parts: [{ type: 'text', content: 'And if they do not acknowledge within 10 minutes?' }],
      },
    ]);
  });

  it('assembles a stream: completions concatenated, stop reason from the last chunk (tokens are left to normalise.ts)', () => {
    const result = anthropicText.normalise(stream);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: ' The page escalates to the secondary on-call.' }],
      },
    ]);
    expect(result.stopReason).toBe('stop_sequence');
    expect(result.usage).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it('flags a stream cut before its final chunk, keeping the text it has', () => {
    const result = anthropicText.normalise(truncatedStream(stream));
    expect(result.warnings).toEqual(['stream_incomplete']);
    expect(result.stopReason).toBeUndefined();
    expect(result.output?.[0]?.parts).toEqual([
      { type: 'text', content: ' The page escalates to the secondary on-call.' },
    ]);
  });

  it('tolerates non-object stream elements such as "[DONE]"', () => {
    const chunks = [...(stream.outputBody as unknown[]), '[DONE]', 7, null];
    const result = anthropicText.normalise({ ...stream, outputBody: chunks });
    expect(result.warnings).toEqual([]);
    expect(result.stopReason).toBe('stop_sequence');
  });

  it('reads an input-only log (output offloaded or error): input and parameters, no output', () => {
    const result = anthropicText.normalise(inputOnly(invoke));
    expect(result.input).toHaveLength(1);
    expect(result.output).toBeUndefined();
    expect(result.stopReason).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it.each([
    [
      'no markers: one user message',
      'Translate to French: good morning',
      undefined,
      [['user', 'Translate to French: good morning']],
    ],
    [
      'starts with Human: without the blank line',
      'Human: Hi there\n\nAssistant:',
      undefined,
      [['user', 'Hi there']],
    ],
    [
      'pre-filled assistant turn kept',
      '\n\nHuman: Reply in JSON\n\nAssistant: {',
      undefined,
      [
        ['user', 'Reply in JSON'],
        ['assistant', '{'],
      ],
    ],
    [
      'system text only before a Human turn',
      'Be terse.\n\nHuman: 2+2?\n\nAssistant:',
      'Be terse.',
      [['user', '2+2?']],
    ],
    ['only an Assistant marker', 'Context here\n\nAssistant: Sure', 'Context here', [['assistant', 'Sure']]],
  ])('prompt template: %s', (_name, prompt, system, turns) => {
    const result = anthropicText.normalise(withPrompt(prompt));
    expect(result.system).toEqual(system === undefined ? undefined : [{ type: 'text', content: system }]);
    expect(result.input).toEqual(
      turns.map(([role, content]) => ({ role, parts: [{ type: 'text', content }] })),
    );
  });
});

describe('anthropic_text accepts', () => {
  it('takes its own fixtures, also as input-only logs and for an unresolved model id', () => {
    for (const input of [invoke, stream]) {
      expect(anthropicText.accepts(input)).toBe(true);
      expect(anthropicText.accepts(inputOnly(input))).toBe(true);
      expect(anthropicText.accepts(asUnknownVendor(input))).toBe(true);
      expect(anthropicText.accepts(asUnknownVendor(inputOnly(input)))).toBe(true);
    }
  });

  it.each([
    ['Messages API body', 'anthropic', { anthropic_version: 'x', messages: [] }, null, false],
    ['prompt body of the anthropic vendor', 'anthropic', { prompt: 'hi' }, null, true],
    [
      'bare Llama prompt of an unknown vendor',
      'unknown',
      { prompt: 'hi', max_gen_len: 9 },
      { generation: 'x' },
      false,
    ],
    ['unknown vendor, prompt + completion output', 'unknown', { prompt: 'hi' }, { completion: 'x' }, true],
    ['output-only completion', 'unknown', null, { completion: 'x', stop_reason: 'max_tokens' }, true],
    ['output-only completion stream', 'unknown', null, [{ completion: 'a', stop_reason: null }], true],
    ['no bodies at all', 'anthropic', null, null, false],
  ])('%s', (_name, vendor, inputBody, outputBody, expected) => {
    expect(anthropicText.accepts({ ...invoke, vendor, inputBody, outputBody })).toBe(expected);
  });
});

describe('anthropic_text hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(anthropicText, invoke);
  });
});
