import { describe, expect, it } from 'vitest';
import { nova } from '../../../functions/transform/providers/nova.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import {
  asUnknownVendor,
  expectNoneCopied,
  expectSurvivesHostileBodies,
  fixture,
  fixtureInput,
  inputOnly,
} from '../../helpers/provider-input.ts';

const stream = fixtureInput('nova', 'nova-invoke-stream');
const invoke = fixtureInput('nova', 'synthetic-nova-invoke');
const PNG = (
  (fixture('nova', 'synthetic-nova-invoke').log['input'] as { inputBodyJson: { messages: unknown[] } })
    .inputBodyJson.messages[0] as { content: [{ image: { source: { bytes: string } } }] }
).content[0].image.source.bytes;

function streamOf(chunks: unknown[]): ProviderInput {
  return { ...stream, outputBody: chunks };
}

describe('nova normalise: InvokeModel', () => {
  const result = nova.normalise(invoke);

  it('reads system blocks (skipping cache points) and every content block kind of the request', () => {
    expect(result.operationName).toBe('chat');
    expect(result.system).toEqual([
      {
        type: 'text',
        content:
          'You are the support assistant for Acme Cloud. Answer from the attached screenshot and tool results.',
      },
    ]);
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'blob', mime_type: 'image/png', size: 70 },
          { type: 'text', content: 'Why is this deployment stuck?' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          {
            type: 'tool_call',
            id: 'tooluse_k3Jx9',
            name: 'get_deployment',
            arguments: { deploymentId: 'dep-4471' },
          },
        ],
      },
      {
        role: 'user',
        parts: [
          {
            type: 'tool_call_response',
            id: 'tooluse_k3Jx9',
            response: { status: 'WAITING_FOR_APPROVAL', approver: 'release-managers' },
          },
        ],
      },
    ]);
  });

  it('never copies the image bytes', () => {
    expect(PNG.length).toBeGreaterThan(50);
    expectNoneCopied(result, [PNG]);
  });

  it('reads the output, stop reason, parameters (max_new_tokens) and the …TokenCount cache usage', () => {
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'It is waiting for approval from the release-managers group.' }],
      },
    ]);
    expect(result.stopReason).toBe('end_turn');
    expect(result.usage).toEqual({
      inputTokens: 40,
      outputTokens: 14,
      cacheReadTokens: 1024,
      cacheWriteTokens: 0,
    });
    expect(result).toMatchObject({ maxTokens: 300, temperature: 0.2, topP: 0.9, topK: 50 });
    expect(result.warnings).toEqual([]);
  });

  it('takes the cache out of inputTokens when totalTokens shows it was counted inside', () => {
    const usage = { inputTokens: 1064, outputTokens: 14, totalTokens: 1078, cacheReadInputTokenCount: 1024 };
    const inclusive = nova.normalise({ ...invoke, outputBody: { stopReason: 'end_turn', usage } });
    expect(inclusive.usage).toEqual({ inputTokens: 40, outputTokens: 14, cacheReadTokens: 1024 });
  });

  it('prefers maxTokens to the older max_new_tokens and keeps s3Location media as a uri', () => {
    const request = {
      schemaVersion: 'messages-v1',
      messages: [
        {
          role: 'user',
          content: [{ video: { format: 'mp4', source: { s3Location: { uri: 's3://bucket/clip.mp4' } } } }],
        },
      ],
      inferenceConfig: { maxTokens: 12, max_new_tokens: 99 },
    };
    const result = nova.normalise({ ...invoke, inputBody: request, outputBody: null });
    expect(result.maxTokens).toBe(12);
    expect(result.input).toEqual([
      { role: 'user', parts: [{ type: 'uri', uri: 's3://bucket/clip.mp4', mime_type: 'video/mp4' }] },
    ]);
    expect(result.output).toBeUndefined();
  });
});

describe('nova normalise: InvokeModelWithResponseStream', () => {
  it('assembles text deltas, the stop reason and the metadata usage', () => {
    const result = nova.normalise(stream);
    expect(result.input).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Give me a haiku about on-call.' }] },
    ]);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [
          {
            type: 'text',
            content: 'Pager hums at three,\ndashboards glow in the dark,\ncoffee, then the fix.',
          },
        ],
      },
    ]);
    expect(result.stopReason).toBe('end_turn');
    expect(result.usage).toEqual({ inputTokens: 9, outputTokens: 21 });
    expect(result).toMatchObject({ maxTokens: 80, temperature: 0.8 });
    expect(result.warnings).toEqual([]);
  });

  it('flags a stream cut before messageStop', () => {
    const chunks = stream.outputBody as unknown[];
    const result = nova.normalise(streamOf(chunks.slice(0, 3)));
    expect(result.warnings).toEqual(['stream_incomplete']);
    expect(result.stopReason).toBeUndefined();
    expect(result.output?.[0]?.parts).toEqual([
      { type: 'text', content: 'Pager hums at three,\ndashboards glow in the dark,\n' },
    ]);
  });

  it('does not flag a stream that lost only the trailing metadata chunk (content is complete)', () => {
    const chunks = stream.outputBody as unknown[];
    const result = nova.normalise(streamOf(chunks.slice(0, -1)));
    expect(result.warnings).toEqual([]);
    expect(result.stopReason).toBe('end_turn');
    expect(result.usage).toBeUndefined();
  });

  it('assembles reasoning and streamed tool use (input JSON concatenated, then parsed)', () => {
    const result = nova.normalise(
      streamOf([
        { messageStart: { role: 'assistant' } },
        { contentBlockDelta: { delta: { reasoningContent: { text: 'Need the ' } }, contentBlockIndex: 0 } },
        { contentBlockDelta: { delta: { reasoningContent: { text: 'weather.' } }, contentBlockIndex: 0 } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        {
          contentBlockStart: {
            start: { toolUse: { toolUseId: 'tooluse_1', name: 'weather' } },
            contentBlockIndex: 1,
          },
        },
        { contentBlockDelta: { delta: { toolUse: { input: '{"city":' } }, contentBlockIndex: 1 } },
        { contentBlockDelta: { delta: { toolUse: { input: '"Paris"}' } }, contentBlockIndex: 1 } },
        { contentBlockStop: { contentBlockIndex: 1 } },
        { messageStop: { stopReason: 'tool_use' } },
        '[DONE]',
        { metadata: { usage: { inputTokens: 30, outputTokens: 12, cacheReadInputTokenCount: 0 } } },
      ]),
    );
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Need the weather.' },
          { type: 'tool_call', id: 'tooluse_1', name: 'weather', arguments: { city: 'Paris' } },
        ],
      },
    ]);
    expect(result.stopReason).toBe('tool_use');
    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 12, cacheReadTokens: 0 });
    expect(result.warnings).toEqual([]);
  });

  it('keeps unparsable tool input as text and reports it', () => {
    const result = nova.normalise(
      streamOf([
        { contentBlockStart: { start: { toolUse: { toolUseId: 't', name: 'f' } }, contentBlockIndex: 0 } },
        { contentBlockDelta: { delta: { toolUse: { input: '{"city": "Par' } }, contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'max_tokens' } },
      ]),
    );
    expect(result.output?.[0]?.parts).toEqual([
      { type: 'tool_call', id: 't', name: 'f', arguments: '{"city": "Par' },
    ]);
    expect(result.warnings).toEqual(['tool_arguments_unparsable']);
  });
});

describe('nova accepts', () => {
  it('takes its own fixtures, also input-only and for an unresolved model id', () => {
    for (const input of [invoke, stream]) {
      expect(nova.accepts(input)).toBe(true);
      expect(nova.accepts(inputOnly(input))).toBe(true);
      expect(nova.accepts(asUnknownVendor(inputOnly(input)))).toBe(true);
      expect(nova.accepts(asUnknownVendor({ ...input, inputBody: null }))).toBe(true);
    }
  });

  const canvas = { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x' }, imageGenerationConfig: {} };
  const reel = { taskType: 'TEXT_VIDEO', textToVideoParams: { text: 'x' }, videoGenerationConfig: {} };
  const embeddings = { schemaVersion: 'nova-multimodal-embed-v1', taskType: 'SINGLE_EMBEDDING' };
  it.each([
    ['Nova Canvas body', canvas, { images: ['x'] }, 'amazon.nova-canvas-v1:0', false],
    ['Nova Reel body', reel, null, 'amazon.nova-reel-v1:0', false],
    ['Nova multimodal embeddings body', embeddings, null, 'amazon.nova-2-multimodal-embeddings-v1:0', false],
    [
      'typeless blocks without schemaVersion',
      { messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
      null,
      undefined,
      true,
    ],
    [
      'Anthropic typed blocks',
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      null,
      undefined,
      false,
    ],
    ['OpenAI string content', { messages: [{ role: 'user', content: 'hi' }] }, null, undefined, false],
    [
      'Writer object content',
      { messages: [{ role: 'user', content: { text: 'hi' } }] },
      null,
      undefined,
      false,
    ],
    ['Titan text body', { inputText: 'hi' }, { results: [] }, 'amazon.titan-text-express-v1', false],
    [
      'output-only response',
      null,
      { output: { message: { content: [] } }, stopReason: 'end_turn' },
      undefined,
      true,
    ],
    ['no bodies, Nova Lite id', null, null, 'amazon.nova-lite-v1:0', true],
    ['no bodies, Nova 2 Lite id', null, null, 'amazon.nova-2-lite-v1:0', true],
    ['no bodies, Nova Canvas id', null, null, 'amazon.nova-canvas-v1:0', false],
    ['no bodies, Nova Sonic id', null, null, 'amazon.nova-sonic-v1:0', false],
    ['no bodies, Titan id', null, null, 'amazon.titan-text-lite-v1', false],
  ])('%s', (_name, inputBody, outputBody, model, expected) => {
    expect(nova.accepts({ ...invoke, inputBody, outputBody, model })).toBe(expected);
  });
});

describe('nova hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(nova, invoke);
  });
});
