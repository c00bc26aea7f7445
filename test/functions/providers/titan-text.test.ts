import { describe, expect, it } from 'vitest';
import { titanText } from '../../../functions/transform/providers/titan-text.ts';
import {
  asUnknownVendor,
  expectSurvivesHostileBodies,
  fixtureInput,
  inputOnly,
  truncatedStream,
} from '../../helpers/provider-input.ts';

const invoke = fixtureInput('titan_text', 'titan-text-invoke');
const stream = fixtureInput('titan_text', 'synthetic-titan-text-invoke-stream');

describe('titan_text normalise', () => {
  it('reads inputText as one user message, results as output, and the body token counts', () => {
    const result = titanText.normalise(invoke);
    expect(result.operationName).toBe('text_completion');
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          {
            type: 'text',
            content:
              'Summarise in one sentence: The quarterly review found that cloud spend fell 12% after idle dev clusters were scheduled to stop at night.',
          },
        ],
      },
    ]);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [
          {
            type: 'text',
            content: '\nStopping idle dev clusters overnight cut quarterly cloud spend by 12%.',
          },
        ],
      },
    ]);
    expect(result.stopReason).toBe('FINISH');
    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 19 });
    expect(result).toMatchObject({ maxTokens: 100, temperature: 0, topP: 0.9 });
    expect(result.topK).toBeUndefined();
    expect(result.system).toBeUndefined();
  });

  it('sums output tokens over several results and keeps one message per result', () => {
    const result = titanText.normalise({
      ...invoke,
      outputBody: {
        inputTextTokenCount: 5,
        results: [
          { outputText: 'a', tokenCount: 2, completionReason: 'LENGTH' },
          { outputText: 'b', tokenCount: 3, completionReason: 'FINISH' },
        ],
      },
    });
    expect(result.output?.map((message) => message.parts)).toEqual([
      [{ type: 'text', content: 'a' }],
      [{ type: 'text', content: 'b' }],
    ]);
    expect(result.usage).toEqual({ inputTokens: 5, outputTokens: 5 });
    expect(result.stopReason).toBe('LENGTH');
  });

  it('assembles a stream: text, final completion reason, input count of the first chunk, running output count', () => {
    const result = titanText.normalise(stream);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [
          {
            type: 'text',
            content: '1. Instant rollback by switching traffic back.\n2. Zero-downtime releases.',
          },
        ],
      },
    ]);
    expect(result.stopReason).toBe('FINISH');
    expect(result.usage).toEqual({ inputTokens: 14, outputTokens: 18 });
    expect(result).toMatchObject({ maxTokens: 256, temperature: 0.7, topP: 0.9 });
    expect(result.warnings).toEqual([]);
  });

  it('flags a stream cut before the chunk with the completion reason', () => {
    const result = titanText.normalise(truncatedStream(stream));
    expect(result.warnings).toEqual(['stream_incomplete']);
    expect(result.stopReason).toBeUndefined();
    expect(result.usage).toEqual({ inputTokens: 14, outputTokens: 11 });
  });

  it('reads an input-only log', () => {
    const result = titanText.normalise(inputOnly(invoke));
    expect(result.input).toHaveLength(1);
    expect(result.output).toBeUndefined();
    expect(result.usage).toBeUndefined();
  });
});

describe('titan_text accepts', () => {
  it('takes its own fixtures, also input-only and for an unresolved model id', () => {
    for (const input of [invoke, stream]) {
      expect(titanText.accepts(input)).toBe(true);
      expect(titanText.accepts(inputOnly(input))).toBe(true);
      expect(titanText.accepts(asUnknownVendor(inputOnly(input)))).toBe(true);
    }
  });

  it.each([
    ['bare inputText of a Titan text model', { inputText: 'x' }, null, 'amazon.titan-text-lite-v1', true],
    ['bare inputText of an unknown model', { inputText: 'x' }, null, undefined, true],
    ['bare inputText of an embedding model', { inputText: 'x' }, null, 'amazon.titan-embed-text-v1', false],
    ['inputText with dimensions (embed v2)', { inputText: 'x', dimensions: 256 }, null, undefined, false],
    [
      'inputText with inputImage (multimodal embed)',
      { inputText: 'x', inputImage: 'AAAA' },
      null,
      undefined,
      false,
    ],
    [
      'inputText with embedding output',
      { inputText: 'x' },
      { embedding: [0.1], inputTextTokenCount: 1 },
      undefined,
      false,
    ],
    [
      'textGenerationConfig beats the model id',
      { inputText: 'x', textGenerationConfig: {} },
      null,
      'amazon.titan-embed-text-v1',
      true,
    ],
    ['prompt body', { prompt: 'x' }, { results: [] }, undefined, false],
    ['Nova body', { schemaVersion: 'messages-v1', messages: [] }, null, 'amazon.nova-lite-v1:0', false],
    ['output-only results', null, { results: [{ outputText: 'x' }] }, undefined, true],
    ['output-only stream', null, [{ outputText: 'x', index: 0 }], undefined, true],
    ['no bodies, Titan text id', null, null, 'amazon.titan-text-express-v1', true],
    ['no bodies, Titan TG1 id', null, null, 'amazon.titan-tg1-large', true],
    ['no bodies, Titan embed id', null, null, 'amazon.titan-embed-text-v2:0', false],
  ])('%s', (_name, inputBody, outputBody, model, expected) => {
    expect(titanText.accepts({ ...invoke, inputBody, outputBody, model })).toBe(expected);
  });
});

describe('titan_text hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(titanText, invoke);
  });
});
