import { describe, expect, it } from 'vitest';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import { mistral } from '../../../functions/transform/providers/mistral.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { asUnknownVendor, fixtureInput, inputOnly, truncatedStream } from '../../helpers/provider-input.ts';

const text = (content: string) => ({ type: 'text', content });

function bodies(inputBody: unknown, outputBody: unknown = null, vendor = 'unknown'): ProviderInput {
  return { operation: 'InvokeModel', streaming: false, vendor, model: undefined, inputBody, outputBody };
}

describe('mistral: text completion', () => {
  it('splits the [INST] turns and reads outputs[], stop reason and parameters', () => {
    expect(mistral.normalise(fixtureInput('mistral', 'synthetic-mistral-text-invoke'))).toEqual({
      operationName: 'text_completion',
      system: undefined,
      input: [
        { role: 'user', parts: [text('What is your favourite shell?')] },
        { role: 'assistant', parts: [text('Bash, for its ubiquity.')] },
        { role: 'user', parts: [text('And for scripting?')] },
      ],
      output: [
        {
          role: 'assistant',
          parts: [text(' For scripting I would still pick Bash, or Python when it grows.')],
        },
      ],
      stopReason: 'stop',
      maxTokens: 60,
      temperature: 0.5,
      topP: 0.9,
      topK: 50,
      warnings: [],
    });
  });

  it('assembles a stream of {outputs:[{text, stop_reason}]} chunks', () => {
    const fields = mistral.normalise(fixtureInput('mistral', 'synthetic-mistral-text-stream'));
    expect(fields.output).toEqual([
      { role: 'assistant', parts: [text('1. Use lowercase and hyphens.\n2. Prefix with the ticket id.')] },
    ]);
    expect(fields.stopReason).toBe('stop');
    expect(fields.warnings).toEqual([]);
  });

  it('warns stream_incomplete for a stream cut before its stop reason', () => {
    const fields = mistral.normalise(
      truncatedStream(fixtureInput('mistral', 'synthetic-mistral-text-stream'), 1),
    );
    expect(fields.output).toEqual([{ role: 'assistant', parts: [text('1. Use lowercase')] }]);
    expect(fields.warnings).toEqual(['stream_incomplete']);
  });
});

describe('mistral: chat completion', () => {
  it('reads system, messages and the choice with Bedrock’s stop_reason', () => {
    expect(mistral.normalise(fixtureInput('mistral', 'mistral-chat-invoke'))).toMatchObject({
      operationName: 'chat',
      system: [text('You are a release-notes writer.')],
      input: [
        { role: 'user', parts: [text("Turn 'fix npe in export job' into a customer-facing sentence.")] },
      ],
      output: [
        { role: 'assistant', parts: [text('Fixed an issue that could cause scheduled exports to fail.')] },
      ],
      stopReason: 'stop',
      maxTokens: 100,
      temperature: 0.4,
    });
  });

  it('reads tool calls, tool results and a tool-call response', () => {
    const fields = mistral.normalise(fixtureInput('mistral', 'synthetic-mistral-chat-tools-invoke'));
    expect(fields.input).toEqual([
      { role: 'user', parts: [text('What is the most popular song on WZPZ?')] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'Xb4cR9tQp', name: 'top_song', arguments: { sign: 'WZPZ' } }],
      },
      {
        role: 'tool',
        parts: [
          {
            type: 'tool_call_response',
            id: 'Xb4cR9tQp',
            response: '{"song": "Elemental Hotel", "artist": "8 Storey Hike"}',
          },
        ],
      },
      { role: 'user', parts: [text('And on WKRP?')] },
    ]);
    expect(fields.output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'Qw81LmZr3', name: 'top_song', arguments: { sign: 'WKRP' } }],
      },
    ]);
    expect(fields.stopReason).toBe('tool_calls');
  });

  it('assembles a chat stream whose chunks carry message (not delta)', () => {
    const fields = mistral.normalise(fixtureInput('mistral', 'synthetic-mistral-chat-stream'));
    expect(fields.output).toEqual([{ role: 'assistant', parts: [text('Heisenbug')] }]);
    expect(fields.stopReason).toBe('stop');
    expect(fields.warnings).toEqual([]);
  });

  it('also accepts OpenAI’s finish_reason', () => {
    const fields = mistral.normalise(
      bodies(
        { messages: [{ role: 'user', content: 'hi' }] },
        { choices: [{ message: { content: 'yo' }, finish_reason: 'length' }] },
      ),
    );
    expect(fields.stopReason).toBe('length');
  });
});

describe('mistral.accepts', () => {
  it.each([
    'mistral-chat-invoke',
    'synthetic-mistral-chat-stream',
    'synthetic-mistral-chat-tools-invoke',
    'synthetic-mistral-text-invoke',
    'synthetic-mistral-text-stream',
  ])('%s: accepted for its vendor, input-only too, and chosen by shape for an unknown vendor', (name) => {
    const input = fixtureInput('mistral', name);
    expect(input.vendor).toBe('mistral');
    expect(mistral.accepts(input)).toBe(true);
    expect(mistral.accepts(inputOnly(input))).toBe(true);
    expect(selectProvider(asUnknownVendor(input)).provider.id).toBe('mistral');
  });

  it.each([
    ['an [INST] prompt alone', { prompt: '<s>[INST] hi [/INST]' }, null, true],
    [
      'an [INST] prompt with max_gen_len (Llama)',
      { prompt: '[INST] hi [/INST]', max_gen_len: 9 },
      null,
      false,
    ],
    ['a Llama 3 prompt', { prompt: '<|start_header_id|>user<|end_header_id|>hi' }, null, false],
    ['outputs[] without input', undefined, { outputs: [{ text: 'x' }] }, true],
    ['an [INST] prompt with a Llama generation', { prompt: '[INST] hi [/INST]' }, { generation: 'x' }, false],
    // Chat Completions input alone does not say Mistral: `openai` takes it.
    ['chat messages alone', { messages: [{ role: 'user', content: 'hi' }] }, null, false],
    [
      'a finish_reason chat response',
      { messages: [] },
      { choices: [{ message: { content: 'x' }, finish_reason: 'stop' }] },
      false,
    ],
    ['DeepSeek text choices', { prompt: 'hi' }, { choices: [{ text: 'x', stop_reason: 'stop' }] }, false],
  ])('unknown vendor, %s → %s', (_label, request, response, accepted) => {
    expect(mistral.accepts(bodies(request, response))).toBe(accepted);
  });
});
