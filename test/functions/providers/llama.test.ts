import { describe, expect, it } from 'vitest';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import { llama } from '../../../functions/transform/providers/llama.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { asUnknownVendor, fixtureInput, inputOnly, truncatedStream } from '../../helpers/provider-input.ts';

const text = (content: string) => ({ type: 'text', content });

function prompted(inputBody: unknown, outputBody: unknown = null, vendor = 'unknown'): ProviderInput {
  return { operation: 'InvokeModel', streaming: false, vendor, model: undefined, inputBody, outputBody };
}

describe('llama: InvokeModel', () => {
  it('splits the Llama 3 template into system text and the user turn, and reads the generation', () => {
    expect(llama.normalise(fixtureInput('llama', 'meta-llama-invoke'))).toEqual({
      operationName: 'text_completion',
      system: [text('You convert units. Answer with the number only.')],
      input: [{ role: 'user', parts: [text('72 degrees Fahrenheit in Celsius?')] }],
      output: [{ role: 'assistant', parts: [text('22.2')] }],
      usage: { inputTokens: 37, outputTokens: 5 },
      stopReason: 'stop',
      maxTokens: 16,
      temperature: 0,
      topP: 0.9,
      warnings: [],
    });
  });

  it('splits a Llama 2 multi-turn prompt with <<SYS>>', () => {
    const fields = llama.normalise(fixtureInput('llama', 'synthetic-llama2-invoke'));
    expect(fields.system).toEqual([text('You are a release manager. Answer yes or no.')]);
    expect(fields.input).toEqual([
      { role: 'user', parts: [text('Can we ship on a Friday?')] },
      { role: 'assistant', parts: [text('No.')] },
      { role: 'user', parts: [text('Even a docs-only change?')] },
    ]);
  });

  it('attaches Llama 3.2 vision images to their user turn as measured blobs, never as bytes', () => {
    const fields = llama.normalise(fixtureInput('llama', 'synthetic-llama-vision-invoke'));
    expect(fields.input).toEqual([
      {
        role: 'user',
        parts: [
          text('What does this dashboard screenshot show?'),
          { type: 'blob', mime_type: 'image/png', size: 70 },
        ],
      },
    ]);
    expect(JSON.stringify(fields)).not.toContain('iVBORw0KGgo');
  });

  it('keeps images even without a prompt, and S3 URIs as URIs', () => {
    const fields = llama.normalise(
      prompted({ images: ['s3://bucket/key.png', { data: '/9j/4AAQSkZJRg==' }, 7] }),
    );
    expect(fields.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'uri', uri: 's3://bucket/key.png' },
          { type: 'blob', mime_type: 'image/jpeg', size: 10 },
        ],
      },
    ]);
  });
});

describe('llama: InvokeModelWithResponseStream', () => {
  it('joins generations, takes the first prompt count, the last running generation count and the stop reason', () => {
    const fields = llama.normalise(fixtureInput('llama', 'synthetic-llama-stream'));
    expect(fields.output).toEqual([
      { role: 'assistant', parts: [text('chore(deps): bump lodash to 4.17.21 (CVE fix)')] },
    ]);
    expect(fields.usage).toEqual({ inputTokens: 41, outputTokens: 16 });
    expect(fields.stopReason).toBe('stop');
    expect(fields.warnings).toEqual([]);
  });

  it('warns stream_incomplete and keeps the partial text when the last chunk is missing', () => {
    const fields = llama.normalise(truncatedStream(fixtureInput('llama', 'synthetic-llama-stream'), 2));
    expect(fields.output).toEqual([
      { role: 'assistant', parts: [text('chore(deps): bump lodash to 4.17.21')] },
    ]);
    expect(fields.stopReason).toBeUndefined();
    expect(fields.usage).toEqual({ inputTokens: 41, outputTokens: 11 });
    expect(fields.warnings).toEqual(['stream_incomplete']);
  });

  it('skips non-object stream elements', () => {
    const fields = llama.normalise(
      prompted({ prompt: 'x' }, ['[DONE]', null, { generation: 'a', stop_reason: 'length' }]),
    );
    expect(fields.output).toEqual([{ role: 'assistant', parts: [text('a')] }]);
    expect(fields.stopReason).toBe('length');
  });
});

describe('llama: models of unknown vendor (imported, provisioned, custom deployment)', () => {
  it.each([
    ['imported-model-invoke', 'InvokeModel'],
    ['synthetic-provisioned-model-invoke', 'InvokeModel'],
    ['synthetic-custom-model-deployment-stream', 'InvokeModelWithResponseStream'],
  ])('%s resolves to no vendor and lands in llama by shape', (name, operation) => {
    const input = fixtureInput('llama', name);
    expect(input.vendor).toBe('unknown');
    expect(input.operation).toBe(operation);
    expect(selectProvider(input)).toEqual({ provider: llama, warnings: [] });
  });

  it('normalises the imported model’s body', () => {
    const fields = llama.normalise(fixtureInput('llama', 'imported-model-invoke'));
    expect(fields.input).toEqual([
      { role: 'user', parts: [text("Tag this ticket: 'VPN drops every 10 minutes'")] },
    ]);
    expect(fields.output).toEqual([{ role: 'assistant', parts: [text('network/vpn')] }]);
    expect(fields.usage).toEqual({ inputTokens: undefined, outputTokens: 4 });
  });
});

describe('llama.accepts', () => {
  it('accepts input-only logs of its own vendor and of unknown vendors with a Llama template', () => {
    expect(llama.accepts(inputOnly(fixtureInput('llama', 'meta-llama-invoke')))).toBe(true);
    expect(llama.accepts(inputOnly(fixtureInput('llama', 'imported-model-invoke')))).toBe(true);
    expect(llama.accepts(asUnknownVendor(inputOnly(fixtureInput('llama', 'synthetic-llama2-invoke'))))).toBe(
      true,
    );
  });

  it.each([
    ['a plain prompt with max_gen_len', { prompt: 'hi', max_gen_len: 5 }, null, true],
    ['a plain prompt alone', { prompt: 'hi', max_tokens: 5 }, null, false],
    ['a Mistral [INST] prompt alone', { prompt: '<s>[INST] hi [/INST]', max_tokens: 5 }, null, false],
    [
      'a prompt with Mistral outputs',
      { prompt: '<s>[INST] hi [/INST]' },
      { outputs: [{ text: 'yo' }] },
      false,
    ],
    ['an Anthropic text completion', { prompt: '\n\nHuman: hi\n\nAssistant:' }, { completion: 'yo' }, false],
    ['a generation without its input', undefined, { generation: 'yo' }, true],
    ['chat messages with a generation', { messages: [] }, { generation: 'yo' }, false],
  ])('unknown vendor, %s → %s', (_label, request, response, accepted) => {
    expect(llama.accepts(prompted(request, response))).toBe(accepted);
  });
});
