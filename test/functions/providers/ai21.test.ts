import { describe, expect, it } from 'vitest';
import { ai21 } from '../../../functions/transform/providers/ai21.ts';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { asUnknownVendor, fixtureInput, inputOnly, truncatedStream } from '../../helpers/provider-input.ts';

const text = (content: string) => ({ type: 'text', content });

function bodies(inputBody: unknown, outputBody: unknown = null, vendor = 'unknown'): ProviderInput {
  return { operation: 'InvokeModel', streaming: false, vendor, model: undefined, inputBody, outputBody };
}

describe('ai21: Jamba', () => {
  it('reads the chat body, usage, id, model and meta.requestDurationMillis as the latency', () => {
    expect(ai21.normalise(fixtureInput('ai21', 'synthetic-ai21-jamba-invoke'))).toEqual({
      operationName: 'chat',
      system: [text('You answer HR policy questions in one sentence.')],
      input: [{ role: 'user', parts: [text('How many days of parental leave do we offer?')] }],
      output: [{ role: 'assistant', parts: [text('We offer 16 weeks of fully paid parental leave.')] }],
      usage: { inputTokens: 34, outputTokens: 12, cacheReadTokens: undefined, reasoningTokens: undefined },
      stopReason: 'stop',
      responseId: 'chatcmpl-5e1c9f7a-2b4d-4f63-9a0e-1d7c3b8e6a21',
      bodyModel: 'jamba-1.5-large',
      maxTokens: 100,
      temperature: 0.4,
      topP: 0.8,
      topK: undefined,
      latencyMs: 417,
      warnings: [],
    });
  });

  it('assembles a delta stream and takes the latency from the last chunk’s meta', () => {
    const fields = ai21.normalise(fixtureInput('ai21', 'synthetic-ai21-jamba-stream'));
    expect(fields.output).toEqual([{ role: 'assistant', parts: [text('Dress Rehearsal')] }]);
    expect(fields.stopReason).toBe('stop');
    expect(fields.usage).toMatchObject({ inputTokens: 15, outputTokens: 4 });
    expect(fields.latencyMs).toBe(238);
    expect(fields.warnings).toEqual([]);
  });

  it('has no latency and warns for a stream cut before its end', () => {
    const fields = ai21.normalise(truncatedStream(fixtureInput('ai21', 'synthetic-ai21-jamba-stream'), 3));
    expect(fields.output).toEqual([{ role: 'assistant', parts: [text('Dress Rehearsal')] }]);
    expect(fields.latencyMs).toBeUndefined();
    expect(fields.warnings).toEqual(['stream_incomplete']);
  });
});

describe('ai21: Jurassic-2', () => {
  it('reads completions, the finish reason, token arrays as counts and the numeric id', () => {
    expect(ai21.normalise(fixtureInput('ai21', 'synthetic-ai21-jurassic2-invoke'))).toEqual({
      operationName: 'text_completion',
      system: undefined,
      input: [{ role: 'user', parts: [text('Write a tagline for a password manager:')] }],
      output: [{ role: 'assistant', parts: [text('\nOne vault. Every login.')] }],
      usage: { inputTokens: 5, outputTokens: 3 },
      stopReason: 'endoftext',
      responseId: '1234',
      maxTokens: 30,
      temperature: 0.7,
      topP: 1,
      warnings: [],
    });
  });

  it('sums the output tokens of several completions', () => {
    const completion = (tokens: number) => ({
      data: { text: 'x', tokens: Array.from({ length: tokens }, () => ({})) },
    });
    const fields = ai21.normalise(
      bodies({ prompt: 'p' }, { prompt: { tokens: [{}] }, completions: [completion(2), completion(3)] }),
    );
    expect(fields.usage).toEqual({ inputTokens: 1, outputTokens: 5 });
    expect(fields.output).toHaveLength(2);
  });
});

describe('ai21.accepts', () => {
  it.each(['synthetic-ai21-jamba-invoke', 'synthetic-ai21-jamba-stream', 'synthetic-ai21-jurassic2-invoke'])(
    '%s: accepted, input-only too, and chosen by shape for an unknown vendor',
    (name) => {
      const input = fixtureInput('ai21', name);
      expect(ai21.accepts(input)).toBe(true);
      expect(ai21.accepts(inputOnly(input))).toBe(true);
      expect(selectProvider(asUnknownVendor(input)).provider.id).toBe('ai21');
    },
  );

  it.each([
    ['a Jurassic prompt alone (camel-case maxTokens)', { prompt: 'hi', maxTokens: 5 }, null, true],
    ['another prompt alone', { prompt: 'hi', max_tokens: 5 }, null, false],
    ['chat without Jamba’s meta', { messages: [{ role: 'user', content: 'hi' }] }, { choices: [] }, false],
    ['Cohere generations', { prompt: 'hi' }, { generations: [{ text: 'x' }] }, false],
  ])('unknown vendor, %s → %s', (_label, request, response, accepted) => {
    expect(ai21.accepts(bodies(request, response))).toBe(accepted);
  });

  it('rejects a Converse body of its own vendor (the guardrail fixture)', () => {
    expect(ai21.accepts(fixtureInput('converse', 'converse-guardrail-intervened'))).toBe(false);
  });
});
