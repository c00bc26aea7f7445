import { describe, expect, it } from 'vitest';
import { titanEmbed } from '../../../functions/transform/providers/titan-embed.ts';
import {
  asUnknownVendor,
  expectNoneCopied,
  expectSurvivesHostileBodies,
  fixture,
  fixtureInput,
  inputOnly,
} from '../../helpers/provider-input.ts';

const textV2 = fixtureInput('titan_embed', 'synthetic-titan-embed-text-v2-invoke');
const multimodal = fixtureInput('titan_embed', 'synthetic-titan-embed-image-invoke');
const IMAGE = (
  fixture('titan_embed', 'synthetic-titan-embed-image-invoke').log['input'] as {
    inputBodyJson: { inputImage: string };
  }
).inputBodyJson.inputImage;

describe('titan_embed normalise', () => {
  it('reads a text v2 embedding: the text, one embedding for both encodings, input tokens, no output', () => {
    const result = titanEmbed.normalise(textV2);
    expect(result).toEqual({
      operationName: 'embeddings',
      input: [{ role: 'user', parts: [{ type: 'text', content: 'Rotate IAM access keys every 90 days.' }] }],
      usage: { inputTokens: 9 },
      embeddingCount: 1,
    });
  });

  it('never copies the vector', () => {
    const result = titanEmbed.normalise(textV2);
    expectNoneCopied(result, ['0.0412', '-0.0127', '0.0833']);
  });

  it('reads a multimodal embedding: text part and the image as a sized blob, never its bytes', () => {
    const result = titanEmbed.normalise(multimodal);
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'product photo: red running shoe' },
          { type: 'blob', mime_type: 'image/png', size: 70 },
        ],
      },
    ]);
    expect(result.embeddingCount).toBe(1);
    expect(result.usage).toEqual({ inputTokens: 7 });
    expect(result.output).toBeUndefined();
    expectNoneCopied(result, [IMAGE, '-0.0218']);
  });

  it('counts embeddingsByType alone as one embedding, and leaves the count out when no vector was logged', () => {
    const byType = titanEmbed.normalise({ ...textV2, outputBody: { embeddingsByType: { binary: [1, 0] } } });
    expect(byType.embeddingCount).toBe(1);
    const stripped = titanEmbed.normalise({ ...textV2, outputBody: { inputTextTokenCount: 9 } });
    expect(stripped.embeddingCount).toBeUndefined();
    expect(stripped.usage).toEqual({ inputTokens: 9 });
  });

  it('reads an input-only log: input, no count, no usage', () => {
    const result = titanEmbed.normalise(inputOnly(multimodal));
    expect(result.input?.[0]?.parts).toHaveLength(2);
    expect(result.embeddingCount).toBeUndefined();
    expect(result.usage).toBeUndefined();
  });
});

describe('titan_embed accepts', () => {
  it('takes its own fixtures, also input-only and (with an embedding-only field) for an unresolved model id', () => {
    for (const input of [textV2, multimodal]) {
      expect(titanEmbed.accepts(input)).toBe(true);
      expect(titanEmbed.accepts(inputOnly(input))).toBe(true);
      expect(titanEmbed.accepts(asUnknownVendor(inputOnly(input)))).toBe(true);
    }
  });

  it.each([
    ['G1: bare inputText of an embed model', { inputText: 'x' }, null, 'amazon.titan-embed-text-v1', true],
    ['bare inputText of a text model', { inputText: 'x' }, null, 'amazon.titan-text-lite-v1', false],
    ['bare inputText of an unknown model (titan_text takes it)', { inputText: 'x' }, null, undefined, false],
    ['image only', { inputImage: 'AAAA' }, null, undefined, true],
    [
      'text generation config',
      { inputText: 'x', textGenerationConfig: {} },
      null,
      'amazon.titan-embed-text-v1',
      false,
    ],
    ['output-only embedding', null, { embedding: [0.1], inputTextTokenCount: 1 }, undefined, true],
    ['output-only embeddingsByType', null, { embeddingsByType: { float: [0.1] } }, undefined, true],
    [
      'Cohere embeddings output',
      null,
      { embeddings: [[0.1]], response_type: 'embeddings_floats' },
      undefined,
      false,
    ],
    ['Titan text output', { inputText: 'x' }, { results: [] }, undefined, false],
    ['no bodies, Titan embed image id', null, null, 'amazon.titan-embed-image-v1', true],
    ['no bodies, Titan image generator id', null, null, 'amazon.titan-image-generator-v2:0', false],
  ])('%s', (_name, inputBody, outputBody, model, expected) => {
    expect(titanEmbed.accepts({ ...textV2, inputBody, outputBody, model })).toBe(expected);
  });
});

describe('titan_embed hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(titanEmbed, textV2);
  });
});
