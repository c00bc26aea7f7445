import { describe, expect, it } from 'vitest';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { qwen } from '../../../functions/transform/providers/qwen.ts';
import { fixtureInput, inputOnly } from '../../helpers/provider-input.ts';

const text = (content: string) => ({ type: 'text', content });
const reasoning = (content: string) => ({ type: 'reasoning', content });

describe('qwen (Qwen3 InvokeModel)', () => {
  it('reads reasoning_content as a reasoning part, reasoning tokens and top_k', () => {
    const fields = qwen.normalise(fixtureInput('qwen', 'synthetic-qwen-invoke'));
    expect(fields).toMatchObject({
      operationName: 'chat',
      system: [text('Reply with the number only.')],
      input: [{ role: 'user', parts: [text('How many seconds are in 3 minutes?')] }],
      output: [{ role: 'assistant', parts: [reasoning('3 times 60 is 180.'), text('180')] }],
      usage: { inputTokens: 29, outputTokens: 22, reasoningTokens: 14 },
      stopReason: 'stop',
      topK: 20,
    });
  });

  it('splits <think> written inline in the content', () => {
    const input: ProviderInput = {
      operation: 'InvokeModel',
      streaming: false,
      vendor: 'qwen',
      model: 'qwen.qwen3-32b-v1:0',
      inputBody: { messages: [{ role: 'user', content: '2+2' }] },
      outputBody: {
        choices: [
          { message: { role: 'assistant', content: '<think>\nadd\n</think>\n\n4' }, finish_reason: 'stop' },
        ],
      },
    };
    expect(qwen.normalise(input).output).toEqual([
      { role: 'assistant', parts: [reasoning('add'), text('4')] },
    ]);
  });

  it('is chosen for its own InvokeModel bodies (input-only too) but never for a Converse log', () => {
    const input = fixtureInput('qwen', 'synthetic-qwen-invoke');
    expect(selectProvider(input).provider).toBe(qwen);
    expect(selectProvider(inputOnly(input)).provider).toBe(qwen);
    expect(qwen.accepts(fixtureInput('converse', 'qwen3-converse'))).toBe(false);
  });
});
