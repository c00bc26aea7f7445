import { describe, expect, it } from 'vitest';
import { cohereEmbed } from '../../../functions/transform/providers/cohere-embed.ts';
import {
  asUnknownVendor,
  expectNoneCopied,
  expectSurvivesHostileBodies,
  fixtureInput,
  inputOnly,
} from '../../helpers/provider-input.ts';

const v3 = fixtureInput('cohere_embed', 'cohere-embed-v3');
const v4ByType = fixtureInput('cohere_embed', 'synthetic-cohere-embed-v4-invoke');
const v3Image = fixtureInput('cohere_embed', 'synthetic-cohere-embed-v3-image-invoke');
const IMAGE_URI = (v3Image.inputBody as { images: [string] }).images[0];
const IMAGE_BASE64 = IMAGE_URI.slice(IMAGE_URI.indexOf(',') + 1);

describe('cohere_embed normalise', () => {
  it('reads v3 floats: texts as one user message, one count per vector, the id, no vectors', () => {
    const result = cohereEmbed.normalise(v3);
    expect(result).toEqual({
      operationName: 'embeddings',
      input: [
        {
          role: 'user',
          parts: [
            { type: 'text', content: 'How do I reset MFA?' },
            { type: 'text', content: 'Steps to rotate an API key' },
          ],
        },
      ],
      usage: undefined,
      responseId: '6a1f0c2e-9d4b-4e7a-b2c1-58f3e0a9d4b7',
      embeddingCount: 2,
    });
    expectNoneCopied(result, ['0.0213', '-0.0471', 'how do i reset mfa?']);
  });

  it('counts the vectors of one type for embeddings_by_type, not types × vectors, and reads billed input tokens', () => {
    const result = cohereEmbed.normalise(v4ByType);
    expect(result.embeddingCount).toBe(3);
    expect(result.usage).toEqual({ inputTokens: 24 });
    expect(result.input?.[0]?.parts).toHaveLength(3);
    expectNoneCopied(result, ['0.012', '-0.034']);
  });

  it('measures data-URI images without copying them', () => {
    const result = cohereEmbed.normalise(v3Image);
    expect(result.input).toEqual([
      { role: 'user', parts: [{ type: 'blob', mime_type: 'image/png', size: 70 }] },
    ]);
    expect(result.embeddingCount).toBe(1);
    expectNoneCopied(result, [IMAGE_BASE64]);
  });

  it('reads v4 interleaved inputs (text and image_url, as a string or {url})', () => {
    const result = cohereEmbed.normalise({
      ...v4ByType,
      inputBody: {
        input_type: 'search_document',
        inputs: [
          {
            content: [
              { type: 'text', text: 'page 1 of the manual' },
              { type: 'image_url', image_url: IMAGE_URI },
            ],
          },
          { content: [{ type: 'image_url', image_url: { url: 'https://example.com/p2.png' } }] },
        ],
      },
      outputBody: null,
    });
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'page 1 of the manual' },
          { type: 'blob', mime_type: 'image/png', size: 70 },
          { type: 'uri', uri: 'https://example.com/p2.png' },
        ],
      },
    ]);
    expect(result.embeddingCount).toBeUndefined();
    expectNoneCopied(result, [IMAGE_BASE64]);
  });
});

describe('cohere_embed accepts', () => {
  it('takes its own fixtures, also input-only, output-only and for an unresolved model id', () => {
    for (const input of [v3, v4ByType, v3Image]) {
      expect(cohereEmbed.accepts(input)).toBe(true);
      expect(cohereEmbed.accepts(inputOnly(input))).toBe(true);
      expect(cohereEmbed.accepts(asUnknownVendor(inputOnly(input)))).toBe(true);
      expect(cohereEmbed.accepts(asUnknownVendor({ ...input, inputBody: null }))).toBe(true);
    }
  });

  it.each([
    ['texts without input_type, cohere vendor', 'cohere', { texts: ['x'] }, null, true],
    ['texts without input_type, unknown vendor', 'unknown', { texts: ['x'] }, null, false],
    ['Command R chat', 'cohere', { message: 'x' }, null, false],
    ['Command prompt', 'cohere', { prompt: 'x' }, null, false],
    ['Rerank request', 'cohere', { query: 'x', documents: ['a'] }, null, false],
    ['Titan embedding output', 'unknown', null, { embedding: [0.1], inputTextTokenCount: 1 }, false],
    [
      'Nova multimodal embeddings output',
      'unknown',
      null,
      { embeddings: [{ embeddingType: 'TEXT', embedding: [0.1] }] },
      false,
    ],
    ['2-D embeddings without response_type', 'unknown', null, { embeddings: [[0.1]] }, true],
  ])('%s', (_name, vendor, inputBody, outputBody, expected) => {
    expect(cohereEmbed.accepts({ ...v3, vendor, model: undefined, inputBody, outputBody })).toBe(expected);
  });

  it.each([
    ['cohere.embed-multilingual-v3', true],
    ['cohere.embed-v4:0', true],
    ['cohere.command-r-v1:0', false],
  ])('no bodies: model %s → %s', (model, expected) => {
    expect(cohereEmbed.accepts({ ...v3, model, inputBody: null, outputBody: null })).toBe(expected);
  });
});

describe('cohere_embed hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(cohereEmbed, v3);
  });
});
