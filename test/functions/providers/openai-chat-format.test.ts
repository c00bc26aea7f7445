import { describe, expect, it } from 'vitest';
import {
  chatUsage,
  contentParts,
  hasChatCompletionShape,
  normaliseChatCompletion,
  readChatRequest,
  readChatResponse,
} from '../../../functions/transform/providers/formats/openai-chat-format.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import type { WarningCode } from '../../../schemas/invocation-row.ts';

const text = (content: string) => ({ type: 'text', content });
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const plain = { inlineReasoning: false };

function input(inputBody: unknown, outputBody: unknown, vendor = 'openai'): ProviderInput {
  return { operation: 'InvokeModel', streaming: false, vendor, model: undefined, inputBody, outputBody };
}

describe('contentParts', () => {
  it('reads a string, typed parts and Writer’s {text} object', () => {
    expect(contentParts('hi')).toEqual([text('hi')]);
    expect(contentParts({ text: 'from writer' })).toEqual([text('from writer')]);
    expect(
      contentParts([
        { type: 'text', text: 'a' },
        { type: 'refusal', refusal: 'no' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        { type: 'unknown_kind', text: 'dropped' },
        'b',
        42,
      ]),
    ).toEqual([text('a'), text('no'), { type: 'uri', uri: 'https://example.com/cat.png' }, text('b')]);
  });

  it('measures inline media and never copies its bytes', () => {
    const parts = contentParts([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
      { type: 'image_url', image_url: PNG_BASE64 },
      { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZF', format: 'wav' } },
      { type: 'file', file: { file_data: `data:application/pdf;base64,${PNG_BASE64}`, filename: 'a.pdf' } },
    ]);
    expect(parts).toEqual([
      { type: 'blob', mime_type: 'image/png', size: 70 },
      { type: 'blob', mime_type: 'image/png', size: 70 },
      { type: 'blob', mime_type: 'audio/wav', size: 12 },
      { type: 'blob', mime_type: 'application/pdf', size: 70 },
    ]);
    expect(JSON.stringify(parts)).not.toContain('iVBORw0KGgo');
  });
});

describe('readChatRequest', () => {
  it('moves system and developer messages to system instructions', () => {
    const request = readChatRequest(
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'No emoji.' }] },
          { role: 'user', content: 'Hi' },
        ],
      },
      [],
      plain,
    );
    expect(request.system).toEqual([text('Be brief.'), text('No emoji.')]);
    expect(request.messages).toEqual([{ role: 'user', parts: [text('Hi')] }]);
  });

  it('parses tool-call arguments, pairs tool results by id and skips the empty content of a tool-call turn', () => {
    const warnings: WarningCode[] = [];
    const request = readChatRequest(
      {
        messages: [
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"id": 7}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: '{"status": "shipped"}' },
          {
            role: 'tool',
            tool_call_id: 'c2',
            content: [
              { type: 'text', text: 'part 1, ' },
              { type: 'text', text: 'part 2' },
            ],
          },
        ],
      },
      warnings,
      plain,
    );
    expect(request.messages).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: { id: 7 } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: '{"status": "shipped"}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c2', response: 'part 1, part 2' }] },
    ]);
    expect(warnings).toEqual([]);
  });

  it('keeps unparsable or absurdly deep arguments as text and warns once', () => {
    const warnings: WarningCode[] = [];
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const request = readChatRequest(
      {
        messages: [
          {
            role: 'assistant',
            tool_calls: [
              { id: 'a', function: { name: 'f', arguments: '{"city": "Par' } },
              { id: 'b', function: { name: 'g', arguments: deep } },
              { id: 'c', function: { name: 'h', arguments: { already: 'parsed' } } },
            ],
          },
        ],
      },
      warnings,
      plain,
    );
    expect(request.messages?.[0]?.parts).toEqual([
      { type: 'tool_call', id: 'a', name: 'f', arguments: '{"city": "Par' },
      { type: 'tool_call', id: 'b', name: 'g', arguments: deep },
      { type: 'tool_call', id: 'c', name: 'h', arguments: { already: 'parsed' } },
    ]);
    expect(warnings).toEqual(['tool_arguments_unparsable']);
  });

  it('reads reasoning_content beside the content, and inline tags only when asked', () => {
    const messages = [{ role: 'assistant', content: '<think>hmm</think>42', reasoning_content: 'side' }];
    expect(readChatRequest({ messages }, [], { inlineReasoning: true }).messages).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'reasoning', content: 'side' }, { type: 'reasoning', content: 'hmm' }, text('42')],
      },
    ]);
    expect(readChatRequest({ messages }, [], plain).messages?.[0]?.parts[1]).toEqual(
      text('<think>hmm</think>42'),
    );
  });
});

describe('chatUsage', () => {
  it('excludes cached tokens from input and reports them as cache reads', () => {
    expect(
      chatUsage({
        prompt_tokens: 180,
        completion_tokens: 46,
        prompt_tokens_details: { cached_tokens: 128 },
        completion_tokens_details: { reasoning_tokens: 17 },
      }),
    ).toEqual({ inputTokens: 52, outputTokens: 46, cacheReadTokens: 128, reasoningTokens: 17 });
  });

  it('keeps a zero cache count, clamps an impossible one, and tolerates missing or wrong fields', () => {
    expect(chatUsage({ prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } })).toMatchObject({
      inputTokens: 10,
      cacheReadTokens: 0,
    });
    expect(chatUsage({ prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 99 } })?.inputTokens).toBe(
      0,
    );
    expect(chatUsage({ prompt_tokens: 'x', completion_tokens: -1 })).toEqual({
      inputTokens: undefined,
      outputTokens: undefined,
      cacheReadTokens: undefined,
      reasoningTokens: undefined,
    });
    expect(chatUsage('nope')).toBeUndefined();
  });
});

describe('readChatResponse: response objects', () => {
  it('reads every choice, the first stop reason (finish_reason or Mistral’s stop_reason), id and model', () => {
    const response = readChatResponse(
      {
        id: 42,
        model: 'm',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'one' }, stop_reason: 'stop' },
          { index: 1, message: { content: 'two' }, finish_reason: 'length' },
        ],
      },
      [],
      plain,
    );
    expect(response).toEqual({
      output: [
        { role: 'assistant', parts: [text('one')] },
        { role: 'assistant', parts: [text('two')] },
      ],
      stopReason: 'stop',
      usage: undefined,
      id: '42',
      model: 'm',
    });
  });

  it('reads text-completion choices with reasoning that starts inside <think>', () => {
    const response = readChatResponse({ choices: [{ text: 'thinking…', stop_reason: 'length' }] }, [], {
      inlineReasoning: true,
      startsInReasoning: true,
    });
    expect(response?.output).toEqual([
      { role: 'assistant', parts: [{ type: 'reasoning', content: 'thinking…' }] },
    ]);
  });
});

describe('readChatResponse: streams', () => {
  const toolStream = [
    {
      id: 'cmpl-1',
      model: 'gpt',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Checking' } }],
    },
    {
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'lookup', arguments: '' } }] },
        },
      ],
    },
    { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"id":' } }] } }] },
    { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ' 7}' } }] } }] },
    { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    { choices: [], usage: { prompt_tokens: 20, completion_tokens: 9 } },
    '[DONE]',
  ];

  it('joins text and tool-call fragments by index, and takes id, model, stop reason and final usage', () => {
    const warnings: WarningCode[] = [];
    expect(readChatResponse(toolStream, warnings, plain)).toEqual({
      output: [
        {
          role: 'assistant',
          parts: [text('Checking'), { type: 'tool_call', id: 'c1', name: 'lookup', arguments: { id: 7 } }],
        },
      ],
      stopReason: 'tool_calls',
      usage: { inputTokens: 20, outputTokens: 9, cacheReadTokens: undefined, reasoningTokens: undefined },
      id: 'cmpl-1',
      model: 'gpt',
    });
    expect(warnings).toEqual([]);
  });

  it('warns stream_incomplete when neither a finish reason nor [DONE] arrived', () => {
    const warnings: WarningCode[] = [];
    const response = readChatResponse(toolStream.slice(0, 3), warnings, plain);
    // The cut-off arguments are kept as the text that arrived.
    expect(warnings).toEqual(['stream_incomplete', 'tool_arguments_unparsable']);
    expect(response?.output?.[0]?.parts[1]).toEqual({
      type: 'tool_call',
      id: 'c1',
      name: 'lookup',
      arguments: '{"id":',
    });
  });

  it('counts a bare [DONE] as the end', () => {
    const warnings: WarningCode[] = [];
    readChatResponse([{ choices: [{ delta: { content: 'x' } }] }, '[DONE]'], warnings, plain);
    expect(warnings).toEqual([]);
  });

  it('keeps whole tool calls without index apart by id (Mistral) and choices apart by index', () => {
    const response = readChatResponse(
      [
        { choices: [{ index: 1, delta: { content: 'second' } }] },
        {
          choices: [
            { index: 0, message: { tool_calls: [{ id: 'a', function: { name: 'f', arguments: '{}' } }] } },
          ],
        },
        {
          choices: [
            {
              index: 0,
              message: { tool_calls: [{ id: 'b', function: { name: 'g', arguments: '{"x":1}' } }] },
            },
          ],
        },
        {
          choices: [
            { index: 0, stop_reason: 'tool_calls' },
            { index: 1, stop_reason: 'stop' },
          ],
        },
      ],
      [],
      plain,
    );
    expect(response?.output).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'a', name: 'f', arguments: {} },
          { type: 'tool_call', id: 'b', name: 'g', arguments: { x: 1 } },
        ],
      },
      { role: 'assistant', parts: [text('second')] },
    ]);
    expect(response?.stopReason).toBe('tool_calls');
  });

  it('splits inline reasoning across chunks and reads streamed reasoning_content', () => {
    const response = readChatResponse(
      [
        { choices: [{ delta: { reasoning_content: 'side ' } }] },
        { choices: [{ delta: { reasoning_content: 'note' } }] },
        { choices: [{ delta: { content: '<reasoning>plan' } }] },
        { choices: [{ delta: { content: '</reasoning>Answer' } }] },
        { choices: [{ delta: {}, finish_reason: 'stop' }] },
      ],
      [],
      { inlineReasoning: true },
    );
    expect(response?.output?.[0]?.parts).toEqual([
      { type: 'reasoning', content: 'side note' },
      { type: 'reasoning', content: 'plan' },
      text('Answer'),
    ]);
  });

  it('gives no output and a warning for an empty stream', () => {
    const warnings: WarningCode[] = [];
    expect(readChatResponse(['[junk]', 7, null], warnings, plain)?.output).toBeUndefined();
    expect(warnings).toEqual(['stream_incomplete']);
  });
});

describe('hasChatCompletionShape', () => {
  const chatRequest = { messages: [{ role: 'user', content: 'hi' }] };
  const chatResponse = { choices: [{ message: { content: 'yo' } }] };
  const converseRequest = { messages: [{ role: 'user', content: [{ text: 'hi' }] }] };
  const converseResponse = { output: { message: { role: 'assistant', content: [{ text: 'yo' }] } } };

  it.each([
    ['request and response', true, true, chatRequest, chatResponse],
    ['request only (error or offloaded output)', true, true, chatRequest, null],
    ['response only (offloaded input)', true, true, undefined, chatResponse],
    ['Converse blocks', false, false, converseRequest, converseResponse],
    ['Anthropic body', false, false, { anthropic_version: 'bedrock-2023-05-31', ...chatRequest }, null],
    ['Nova body', false, false, { schemaVersion: 'messages-v1', ...chatRequest }, null],
    ['chat request, foreign response', true, false, chatRequest, converseResponse],
    ['a prompt body', false, false, { prompt: 'hi' }, { generation: 'yo' }],
    ['nothing', false, false, undefined, undefined],
  ])('%s → liberal %s, strict %s', (_label, liberal, strict, request, response) => {
    expect(hasChatCompletionShape(input(request, response), true)).toBe(liberal);
    expect(hasChatCompletionShape(input(request, response), false)).toBe(strict);
  });
});

describe('normaliseChatCompletion', () => {
  it('reads the request parameters (max_completion_tokens before max_tokens) and the request model as a fallback', () => {
    const fields = normaliseChatCompletion(
      input(
        {
          ...chatLike(),
          model: 'm-req',
          max_completion_tokens: 50,
          max_tokens: 9,
          temperature: 0.2,
          top_p: 0.5,
          top_k: 3,
        },
        null,
      ),
      plain,
    );
    expect(fields).toMatchObject({
      operationName: 'chat',
      maxTokens: 50,
      temperature: 0.2,
      topP: 0.5,
      topK: 3,
      bodyModel: 'm-req',
    });
    expect(fields.output).toBeUndefined();
  });
});

function chatLike(): Record<string, unknown> {
  return { messages: [{ role: 'user', content: 'hi' }] };
}
