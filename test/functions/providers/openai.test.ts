import { describe, expect, it } from 'vitest';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import { openai } from '../../../functions/transform/providers/openai.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { asUnknownVendor, fixtureInput, inputOnly, truncatedStream } from '../../helpers/provider-input.ts';

const text = (content: string) => ({ type: 'text', content });
const reasoning = (content: string) => ({ type: 'reasoning', content });

describe('openai (gpt-oss): InvokeModel', () => {
  it('moves developer messages to system, splits <reasoning> from the answer and excludes cached tokens', () => {
    expect(openai.normalise(fixtureInput('openai', 'synthetic-openai-gpt-oss-invoke'))).toEqual({
      operationName: 'chat',
      system: [text('Answer in one short paragraph.')],
      input: [{ role: 'user', parts: [text('Why do we pin dependency versions?')] }],
      output: [
        {
          role: 'assistant',
          parts: [
            reasoning('User wants the reason for pinning; mention reproducibility and supply chain.'),
            text(
              'Pinning makes builds reproducible and stops an upstream release from changing your software without review.',
            ),
          ],
        },
      ],
      usage: { inputTokens: 52, outputTokens: 46, cacheReadTokens: 128, reasoningTokens: 17 },
      stopReason: 'stop',
      responseId: 'chatcmpl-9d1f4e7a2b3c4d5e',
      bodyModel: 'openai.gpt-oss-120b-1:0',
      maxTokens: 300,
      temperature: 0.5,
      topP: 0.9,
      topK: undefined,
      warnings: [],
    });
  });
});

describe('openai (gpt-oss): InvokeModelWithResponseStream', () => {
  it('assembles reasoning and a fragmented tool call with parsed arguments', () => {
    const fields = openai.normalise(fixtureInput('openai', 'synthetic-openai-gpt-oss-stream-tools'));
    expect(fields.system).toEqual([text('Use tools for live data.')]);
    expect(fields.output).toEqual([
      {
        role: 'assistant',
        parts: [
          reasoning('Need the health tool.'),
          {
            type: 'tool_call',
            id: 'call_7Hq2Lm9Xv4',
            name: 'service_health',
            arguments: { service: 'checkout-api', region: 'eu-west-1' },
          },
        ],
      },
    ]);
    expect(fields.stopReason).toBe('tool_calls');
    expect(fields.usage).toMatchObject({ inputTokens: 96, outputTokens: 31 });
    expect(fields.responseId).toBe('chatcmpl-4c2a9e1b');
    expect(fields.warnings).toEqual([]);
  });

  it('keeps the cut-off arguments as text and warns when the stream stops early', () => {
    const fields = openai.normalise(
      truncatedStream(fixtureInput('openai', 'synthetic-openai-gpt-oss-stream-tools'), 3),
    );
    expect(fields.output?.[0]?.parts[1]).toEqual({
      type: 'tool_call',
      id: 'call_7Hq2Lm9Xv4',
      name: 'service_health',
      arguments: '{"service": "checkout-api", ',
    });
    expect(fields.warnings).toEqual(['stream_incomplete', 'tool_arguments_unparsable']);
  });
});

describe('openai.accepts', () => {
  it.each(['synthetic-openai-gpt-oss-invoke', 'synthetic-openai-gpt-oss-stream-tools'])(
    '%s: accepted, input-only too, and chosen for an unknown vendor',
    (name) => {
      const input = fixtureInput('openai', name);
      expect(openai.accepts(input)).toBe(true);
      expect(openai.accepts(inputOnly(input))).toBe(true);
      expect(selectProvider(asUnknownVendor(input)).provider.id).toBe('openai');
    },
  );

  it('takes any Chat Completions body of an unknown vendor (OpenAI-compatible imported models)', () => {
    const imported: ProviderInput = {
      operation: 'InvokeModel',
      streaming: false,
      vendor: 'unknown',
      model: undefined,
      inputBody: { model: 'my-finetune', messages: [{ role: 'user', content: 'hi' }] },
      outputBody: {
        choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
      },
    };
    expect(selectProvider(imported).provider.id).toBe('openai');
    expect(openai.normalise(imported).output).toEqual([{ role: 'assistant', parts: [text('hello')] }]);
  });
});
