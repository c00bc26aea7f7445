import { describe, expect, it } from 'vitest';
import { cohere } from '../../../functions/transform/providers/cohere.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import {
  asUnknownVendor,
  expectSurvivesHostileBodies,
  fixtureInput,
  inputOnly,
  truncatedStream,
} from '../../helpers/provider-input.ts';

const legacy = fixtureInput('cohere', 'cohere-command-text-invoke');
const legacyStream = fixtureInput('cohere', 'synthetic-cohere-command-text-invoke-stream');
const chat = fixtureInput('cohere', 'synthetic-cohere-command-r-invoke');
const chatStream = fixtureInput('cohere', 'synthetic-cohere-command-r-invoke-stream');

function withOutput(input: ProviderInput, outputBody: unknown): ProviderInput {
  return { ...input, outputBody };
}

describe('cohere normalise: Command (legacy)', () => {
  it('reads prompt, generations, finish reason, id and the p/k sampling parameters', () => {
    const result = cohere.normalise(legacy);
    expect(result.operationName).toBe('text_completion');
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          {
            type: 'text',
            content: 'Write a subject line for an email announcing a server maintenance window on Saturday.',
          },
        ],
      },
    ]);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: ' Scheduled maintenance this Saturday, 22:00-02:00 UTC' }],
      },
    ]);
    expect(result.stopReason).toBe('COMPLETE');
    expect(result.responseId).toBe('1a2b3c4d-5e6f-7a8b-9c0d-e1f2a3b4c5d6');
    expect(result).toMatchObject({ maxTokens: 40, temperature: 0.8, topP: 0.75, topK: 0 });
    expect(result.system).toBeUndefined();
  });

  it('assembles a {text, is_finished} stream without doubling the text the final response repeats', () => {
    const result = cohere.normalise(legacyStream);
    expect(result.operationName).toBe('text_completion');
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: ' Database failover in progress; writes may be delayed.' }],
      },
    ]);
    expect(result.stopReason).toBe('COMPLETE');
    expect(result.responseId).toBe('3e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9');
    // No usage in the body: the invocation metrics on the last chunk are read by normalise.ts.
    expect(result.usage).toBeUndefined();
    expect(result).toMatchObject({ maxTokens: 60, temperature: 0.6, topP: 0.9, topK: 40 });
    expect(result.warnings).toEqual([]);
  });

  it('flags a legacy stream cut before is_finished', () => {
    const result = cohere.normalise(truncatedStream(legacyStream));
    expect(result.warnings).toEqual(['stream_incomplete']);
    expect(result.stopReason).toBeUndefined();
    expect(result.output?.[0]?.parts).toEqual([
      { type: 'text', content: ' Database failover in progress; writes may be delayed.' },
    ]);
  });

  it('assembles Bedrock {generations:[…]} chunks per generation index', () => {
    const result = cohere.normalise(
      withOutput(legacyStream, [
        { generations: [{ text: ' Hi', index: 0 }] },
        { generations: [{ text: ' Yo', index: 1 }] },
        '[DONE]',
        { generations: [{ text: '!', index: 0, finish_reason: 'MAX_TOKENS', is_finished: true }] },
      ]),
    );
    expect(result.output?.map((message) => message.parts)).toEqual([
      [{ type: 'text', content: ' Hi!' }],
      [{ type: 'text', content: ' Yo' }],
    ]);
    expect(result.stopReason).toBe('MAX_TOKENS');
    expect(result.warnings).toEqual([]);
  });
});

describe('cohere normalise: Command R / R+', () => {
  it('reads preamble as system, history, documents and message in order, tool calls out, billed usage', () => {
    const result = cohere.normalise(chat);
    expect(result.operationName).toBe('chat');
    expect(result.system).toEqual([{ type: 'text', content: 'You are a concise commuting assistant.' }]);
    expect(result.input).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Hi' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello! How can I help?' }] },
      {
        role: 'user',
        parts: [
          {
            type: 'text',
            content: 'title: Bike policy\nsnippet: Bikes can be parked in the basement garage.',
          },
        ],
      },
      { role: 'user', parts: [{ type: 'text', content: 'Should I bike to the office in Paris today?' }] },
    ]);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'I will check the weather in Paris first.' },
          { type: 'tool_call', name: 'weather', arguments: { city: 'Paris' } },
        ],
      },
    ]);
    expect(result.stopReason).toBe('COMPLETE');
    expect(result.responseId).toBe('5b1e2c0a-8f3d-4e61-9a27-3c4d5e6f7a81');
    expect(result.usage).toEqual({ inputTokens: 61, outputTokens: 19 });
    expect(result).toMatchObject({ maxTokens: 400, temperature: 0.3, topP: 0.75, topK: 0 });
  });

  it('assembles a chat stream and reads history tool calls and this turn’s tool results', () => {
    const result = cohere.normalise(chatStream);
    expect(result.input).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Should I bike to the office in Paris today?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'I will check the weather in Paris first.' },
          { type: 'tool_call', name: 'weather', arguments: { city: 'Paris' } },
        ],
      },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', response: [{ temperature_c: 18, conditions: 'sunny' }] }],
      },
    ]);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'It is 18°C and sunny in Paris: a good day to bike.' }],
      },
    ]);
    expect(result.stopReason).toBe('COMPLETE');
    expect(result.responseId).toBe('9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d');
    expect(result.usage).toEqual({ inputTokens: 74, outputTokens: 15 });
    expect(result.warnings).toEqual([]);
  });

  it('flags a chat stream cut before stream-end and falls back to the stream-start generation id', () => {
    const result = cohere.normalise(truncatedStream(chatStream));
    expect(result.warnings).toEqual(['stream_incomplete']);
    expect(result.stopReason).toBeUndefined();
    expect(result.responseId).toBe('7d6c5b4a-3928-4716-8a5b-4c3d2e1f0a9b');
    expect(result.usage).toBeUndefined();
    expect(result.output?.[0]?.parts).toEqual([
      { type: 'text', content: 'It is 18°C and sunny in Paris: a good day to bike.' },
    ]);
  });

  it('takes tool calls from tool-calls-generation when stream-end has no response', () => {
    const result = cohere.normalise(
      withOutput(chatStream, [
        { event_type: 'stream-start', generation_id: 'g1' },
        { event_type: 'tool-calls-chunk', tool_call_delta: { index: 0, name: 'weather' } },
        {
          event_type: 'tool-calls-generation',
          tool_calls: [{ name: 'weather', parameters: { city: 'Oslo' } }],
        },
        { event_type: 'stream-end', finish_reason: 'COMPLETE' },
      ]),
    );
    expect(result.output).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', name: 'weather', arguments: { city: 'Oslo' } }] },
    ]);
    expect(result.responseId).toBe('g1');
    expect(result.warnings).toEqual([]);
  });

  it('maps SYSTEM and TOOL history roles', () => {
    const result = cohere.normalise({
      ...chat,
      inputBody: {
        message: 'next',
        chat_history: [
          { role: 'SYSTEM', message: 'be nice' },
          { role: 'TOOL', tool_results: [{ call: { name: 'f', parameters: {} }, outputs: [{ ok: true }] }] },
        ],
      },
      outputBody: null,
    });
    expect(result.input?.map((message) => message.role)).toEqual(['system', 'tool', 'user']);
  });
});

describe('cohere: API choice without a request body', () => {
  it.each([
    ['input-only Command R', { ...chat, outputBody: null }, 'chat'],
    ['input-only Command', { ...legacy, outputBody: null }, 'text_completion'],
    ['output-only Command R response', { ...chat, inputBody: null }, 'chat'],
    ['output-only Command R stream', { ...chatStream, inputBody: null }, 'chat'],
    ['output-only Command generations', { ...legacy, inputBody: null }, 'text_completion'],
    ['output-only Command stream', { ...legacyStream, inputBody: null }, 'text_completion'],
    ['no bodies, Command R id', { ...chat, inputBody: null, outputBody: null }, 'chat'],
    ['no bodies, Command id', { ...legacy, inputBody: null, outputBody: null }, 'text_completion'],
  ])('%s', (_name, input, operationName) => {
    expect(cohere.normalise(input).operationName).toBe(operationName);
  });
});

describe('cohere accepts', () => {
  it('takes its own fixtures, also input-only and for an unresolved model id', () => {
    for (const input of [legacy, legacyStream, chat, chatStream]) {
      expect(cohere.accepts(input)).toBe(true);
      expect(cohere.accepts(inputOnly(input))).toBe(true);
      expect(cohere.accepts(asUnknownVendor(input))).toBe(true);
      expect(cohere.accepts(asUnknownVendor({ ...input, inputBody: null }))).toBe(true);
    }
  });

  it.each([
    ['chat message, unknown vendor', 'unknown', { message: 'hi' }, null, true],
    ['bare prompt, cohere vendor', 'cohere', { prompt: 'hi' }, null, true],
    ['Command-only parameters, unknown vendor', 'unknown', { prompt: 'hi', p: 0.5, k: 3 }, null, true],
    [
      'Mistral-like prompt, unknown vendor',
      'unknown',
      { prompt: 'hi', max_tokens: 5, top_p: 1 },
      null,
      false,
    ],
    [
      'Llama prompt with Llama output, unknown vendor',
      'unknown',
      { prompt: 'hi' },
      { generation: 'x' },
      false,
    ],
    [
      'prompt with Cohere output, unknown vendor',
      'unknown',
      { prompt: 'hi' },
      { generations: [{ text: 'x' }] },
      true,
    ],
    ['Embed request', 'cohere', { texts: ['x'], input_type: 'search_query' }, null, false],
    ['Rerank request', 'cohere', { query: 'x', documents: ['a'], top_n: 1 }, null, false],
    ['OpenAI messages', 'unknown', { messages: [{ role: 'user', content: 'x' }] }, null, false],
    ['output-only OpenAI choices', 'unknown', null, { choices: [{ message: { content: 'x' } }] }, false],
    ['output-only {text} without Cohere ids', 'unknown', null, { text: 'x' }, false],
    ['output-only {text, is_finished} chunks', 'unknown', null, [{ text: 'x', is_finished: false }], true],
  ])('%s', (_name, vendor, inputBody, outputBody, expected) => {
    expect(cohere.accepts({ ...chat, vendor, model: undefined, inputBody, outputBody })).toBe(expected);
  });

  it.each([
    ['cohere.command-r-plus-v1:0', true],
    ['cohere.command-light-text-v14', true],
    ['cohere.embed-english-v3', false],
    ['cohere.rerank-v3-5:0', false],
  ])('no bodies: model %s → %s', (model, expected) => {
    expect(cohere.accepts({ ...chat, model, inputBody: null, outputBody: null })).toBe(expected);
  });
});

describe('cohere hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(cohere, chat);
  });
});
