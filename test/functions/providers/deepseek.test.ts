import { describe, expect, it } from 'vitest';
import { deepseek } from '../../../functions/transform/providers/deepseek.ts';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { asUnknownVendor, fixtureInput, inputOnly, truncatedStream } from '../../helpers/provider-input.ts';

const text = (content: string) => ({ type: 'text', content });
const reasoning = (content: string) => ({ type: 'reasoning', content });

function bodies(inputBody: unknown, outputBody: unknown = null, vendor = 'unknown'): ProviderInput {
  return { operation: 'InvokeModel', streaming: false, vendor, model: undefined, inputBody, outputBody };
}

describe('deepseek: R1 text completion', () => {
  it('splits the DeepSeek template and the reasoning before </think> from the answer', () => {
    expect(deepseek.normalise(fixtureInput('deepseek', 'synthetic-deepseek-r1-invoke'))).toEqual({
      operationName: 'text_completion',
      system: [text('You are a careful SRE.')],
      input: [{ role: 'user', parts: [text('Is 99.95% uptime more than 4 hours of downtime a year?')] }],
      output: [
        {
          role: 'assistant',
          parts: [
            reasoning('A year has 8760 hours. 0.05% of 8760 is 4.38 hours.'),
            text('Yes: 99.95% allows about 4.4 hours of downtime a year.'),
          ],
        },
      ],
      usage: undefined,
      stopReason: 'stop',
      responseId: undefined,
      maxTokens: 512,
      temperature: 0.6,
      topP: 0.95,
      warnings: [],
    });
  });

  it('assembles a stream whose </think> arrives mid-stream', () => {
    const fields = deepseek.normalise(fixtureInput('deepseek', 'synthetic-deepseek-r1-stream'));
    expect(fields.output).toEqual([{ role: 'assistant', parts: [reasoning('Simple sum.'), text('4')] }]);
    expect(fields.stopReason).toBe('stop');
    expect(fields.warnings).toEqual([]);
  });

  it('reads an answer cut off inside the reasoning as reasoning only', () => {
    const fields = deepseek.normalise(
      truncatedStream(fixtureInput('deepseek', 'synthetic-deepseek-r1-stream'), 1),
    );
    expect(fields.output).toEqual([{ role: 'assistant', parts: [reasoning('Simple sum.')] }]);
    expect(fields.warnings).toEqual(['stream_incomplete']);
  });

  it('keeps plain text when the prompt did not open <think> and no tag appears', () => {
    const fields = deepseek.normalise(
      bodies({ prompt: 'hi' }, { choices: [{ text: 'hello', stop_reason: 'stop' }] }, 'deepseek'),
    );
    expect(fields.output).toEqual([{ role: 'assistant', parts: [text('hello')] }]);
  });
});

describe('deepseek: chat form', () => {
  it('reads Chat Completions bodies with reasoning_content', () => {
    const fields = deepseek.normalise(fixtureInput('deepseek', 'synthetic-deepseek-v3-chat-invoke'));
    expect(fields.operationName).toBe('chat');
    expect(fields.output).toEqual([
      { role: 'assistant', parts: [reasoning('Merge sort preserves equal-key order.'), text('Merge sort.')] },
    ]);
    expect(fields.usage).toMatchObject({ inputTokens: 12, outputTokens: 11 });
  });
});

describe('deepseek.accepts', () => {
  it.each([
    'synthetic-deepseek-r1-invoke',
    'synthetic-deepseek-r1-stream',
    'synthetic-deepseek-v3-chat-invoke',
  ])('%s: accepted for its vendor, input-only too', (name) => {
    const input = fixtureInput('deepseek', name);
    expect(input.vendor).toBe('deepseek');
    expect(deepseek.accepts(input)).toBe(true);
    expect(deepseek.accepts(inputOnly(input))).toBe(true);
  });

  it('is chosen by shape for R1 bodies of an unknown vendor; Chat Completions bodies go to openai', () => {
    expect(
      selectProvider(asUnknownVendor(fixtureInput('deepseek', 'synthetic-deepseek-r1-invoke'))).provider.id,
    ).toBe('deepseek');
    expect(
      selectProvider(asUnknownVendor(fixtureInput('deepseek', 'synthetic-deepseek-r1-stream'))).provider.id,
    ).toBe('deepseek');
    expect(
      selectProvider(asUnknownVendor(inputOnly(fixtureInput('deepseek', 'synthetic-deepseek-r1-invoke'))))
        .provider.id,
    ).toBe('deepseek');
    expect(
      selectProvider(asUnknownVendor(fixtureInput('deepseek', 'synthetic-deepseek-v3-chat-invoke'))).provider
        .id,
    ).toBe('openai');
  });

  it.each([
    ['a plain prompt alone', { prompt: 'hi' }, null, false],
    ['a prompt with a Llama generation', { prompt: 'hi' }, { generation: 'x' }, false],
    [
      'chat messages',
      { messages: [{ role: 'user', content: 'hi' }] },
      { choices: [{ message: { content: 'x' } }] },
      false,
    ],
  ])('unknown vendor, %s → %s', (_label, request, response, accepted) => {
    expect(deepseek.accepts(bodies(request, response))).toBe(accepted);
  });
});
