import { describe, expect, it } from 'vitest';
import { titanImage } from '../../../functions/transform/providers/titan-image.ts';
import {
  asUnknownVendor,
  expectNoneCopied,
  expectSurvivesHostileBodies,
  fixture,
  fixtureInput,
  inputOnly,
} from '../../helpers/provider-input.ts';

const titan = fixtureInput('titan_image', 'titan-image-generator-inline');
const canvasOffloaded = fixtureInput('titan_image', 'nova-canvas-image-s3-offload');
const canvasInline = fixtureInput('titan_image', 'synthetic-nova-canvas-invoke');
const TITAN_IMAGE = (titan.outputBody as { images: string[] }).images[0] ?? '';
const PNG = (
  fixture('titan_image', 'synthetic-nova-canvas-invoke').log['input'] as {
    inputBodyJson: { inPaintingParams: { image: string } };
  }
).inputBodyJson.inPaintingParams.image;

describe('titan_image normalise', () => {
  it('reads a Titan text-to-image call: prompt and negative prompt in, the image counted and measured', () => {
    const result = titanImage.normalise(titan);
    expect(result.operationName).toBe('generate_content');
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'flat vector icon of a paper plane, teal on white' },
          { type: 'text', content: 'Negative prompt: text, watermark' },
        ],
      },
    ]);
    expect(result.output).toEqual([
      { role: 'assistant', parts: [{ type: 'blob', mime_type: 'image/png', size: 63 }] },
    ]);
    expect(result.imageCount).toBe(1);
    expect(TITAN_IMAGE.length).toBeGreaterThan(40);
    expectNoneCopied(result, [TITAN_IMAGE]);
  });

  it('reads a Nova Canvas inpainting call: prompt first, then mask and negative prompts, the input image as a blob; two images out', () => {
    const result = titanImage.normalise(canvasInline);
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'a clear starry night sky' },
          { type: 'text', content: 'Mask prompt: the sky' },
          { type: 'text', content: 'Negative prompt: clouds, birds' },
          { type: 'blob', mime_type: 'image/png', size: 70 },
        ],
      },
    ]);
    expect(result.imageCount).toBe(2);
    expect(result.output?.[0]?.parts).toHaveLength(2);
    expectNoneCopied(result, [PNG]);
  });

  it('leaves imageCount out when the response was offloaded (requested numberOfImages is not a count)', () => {
    const result = titanImage.normalise(canvasOffloaded);
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          {
            type: 'text',
            content: 'isometric illustration of a small data centre with solar panels on the roof',
          },
        ],
      },
    ]);
    expect(result.output).toBeUndefined();
    expect(result.imageCount).toBeUndefined();
  });

  it('counts 0 for an error response without images', () => {
    expect(
      titanImage.normalise({ ...titan, outputBody: { error: 'blocked by content filter' } }).imageCount,
    ).toBe(0);
    const empty = titanImage.normalise({ ...titan, outputBody: { images: [], error: 'blocked' } });
    expect(empty.imageCount).toBe(0);
    expect(empty.output).toBeUndefined();
  });

  it('reads the images of every task, including nested masks, lists and future tasks', () => {
    const result = titanImage.normalise({
      ...titan,
      inputBody: {
        taskType: 'VIRTUAL_TRY_ON',
        virtualTryOnParams: {
          sourceImage: PNG,
          referenceImage: PNG,
          maskType: 'IMAGE',
          imageBasedMask: { maskImage: PNG },
        },
        imageVariationParams: { images: [PNG, 5], text: 'variant', similarityStrength: 0.7 },
        futureTaskParams: { text: 'future prompt', style: 'PHOTOREALISM' },
      },
      outputBody: null,
    });
    const parts = result.input?.[0]?.parts;
    expect(parts?.filter((part) => part.type === 'blob')).toHaveLength(4);
    expect(parts?.filter((part) => part.type === 'text')).toEqual([
      { type: 'text', content: 'variant' },
      { type: 'text', content: 'future prompt' },
    ]);
    expectNoneCopied(result, [PNG]);
  });
});

describe('titan_image accepts', () => {
  it('takes its own fixtures, also input-only and for an unresolved model id', () => {
    for (const input of [titan, canvasOffloaded, canvasInline]) {
      expect(titanImage.accepts(input)).toBe(true);
      expect(titanImage.accepts(inputOnly(input))).toBe(true);
      expect(titanImage.accepts(asUnknownVendor(inputOnly(input)))).toBe(true);
    }
  });

  it.each([
    ['image task type only', { taskType: 'BACKGROUND_REMOVAL' }, null, undefined, true],
    ['image config only', { imageGenerationConfig: { numberOfImages: 1 } }, null, undefined, true],
    [
      'Nova Reel video task',
      { taskType: 'TEXT_VIDEO', textToVideoParams: { text: 'x' } },
      null,
      undefined,
      false,
    ],
    [
      'Nova embeddings task',
      { taskType: 'SINGLE_EMBEDDING', singleEmbeddingParams: {} },
      null,
      undefined,
      false,
    ],
    ['Nova text body', { schemaVersion: 'messages-v1', messages: [] }, null, undefined, false],
    ['Titan embed image body', { inputImage: 'AAAA' }, null, undefined, false],
    ['output-only Titan images', null, { images: ['AAAA'], error: null }, undefined, true],
    [
      'output-only Stability SD3 images',
      null,
      { images: ['AAAA'], seeds: [1], finish_reasons: [null] },
      undefined,
      false,
    ],
    ['no bodies, Nova Canvas id', null, null, 'amazon.nova-canvas-v1:0', true],
    ['no bodies, Titan image v1 id', null, null, 'amazon.titan-image-generator-v1', true],
    ['no bodies, Titan embed image id', null, null, 'amazon.titan-embed-image-v1', false],
  ])('%s', (_name, inputBody, outputBody, model, expected) => {
    expect(titanImage.accepts({ ...titan, inputBody, outputBody, model })).toBe(expected);
  });
});

describe('titan_image hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(titanImage, titan);
  });

  it('stops reading parameters nested deeper than any task uses', () => {
    let deep: unknown = { text: 'too deep' };
    for (let i = 0; i < 10; i++) deep = { nested: deep };
    const result = titanImage.normalise({ ...titan, inputBody: { deepParams: deep }, outputBody: null });
    expect(result.input).toBeUndefined();
  });
});
