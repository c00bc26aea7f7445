import { describe, expect, it } from 'vitest';
import { stability } from '../../../functions/transform/providers/stability.ts';
import {
  asUnknownVendor,
  expectNoneCopied,
  expectSurvivesHostileBodies,
  fixtureInput,
  inputOnly,
} from '../../helpers/provider-input.ts';

const sdxl = fixtureInput('stability', 'stability-sdxl-image');
const sd3 = fixtureInput('stability', 'synthetic-stability-sd3-invoke');
const ultra = fixtureInput('stability', 'synthetic-stability-ultra-invoke');
const SDXL_IMAGE = (sdxl.outputBody as { artifacts: [{ base64: string }] }).artifacts[0].base64;
const SD3_IMAGE = (sd3.outputBody as { images: [string] }).images[0];
const ULTRA_INPUT = (ultra.inputBody as { image: string }).image;

describe('stability normalise', () => {
  it('reads SDXL: weighted prompts (negative weight = negative prompt), artifacts counted, finish reason', () => {
    const result = stability.normalise(sdxl);
    expect(result.operationName).toBe('generate_content');
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'watercolour lighthouse at dusk' },
          { type: 'text', content: 'Negative prompt: blurry, low quality' },
        ],
      },
    ]);
    expect(result.output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'blob', mime_type: 'image/png', size: Math.floor((SDXL_IMAGE.length * 3) / 4) }],
      },
    ]);
    expect(result.imageCount).toBe(1);
    expect(result.stopReason).toBe('SUCCESS');
    expectNoneCopied(result, [SDXL_IMAGE]);
  });

  it('reads SD3: prompt, negative prompt, the output format as MIME type, a null finish reason as none', () => {
    const result = stability.normalise(sd3);
    expect(result.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'isometric server rack, soft studio light' },
          { type: 'text', content: 'Negative prompt: text, logo' },
        ],
      },
    ]);
    expect(result.output?.[0]?.parts).toEqual([
      { type: 'blob', mime_type: 'image/jpeg', size: (SD3_IMAGE.length * 3) / 4 - 2 },
    ]);
    expect(result.imageCount).toBe(1);
    expect(result.stopReason).toBeUndefined();
    expectNoneCopied(result, [SD3_IMAGE]);
  });

  it('reads Stable Image Ultra: the input image as a blob and the filter reason verbatim', () => {
    const result = stability.normalise(ultra);
    expect(result.input?.[0]?.parts).toEqual([
      { type: 'text', content: 'turn this sketch into a watercolour of a lighthouse' },
      { type: 'blob', mime_type: 'image/png', size: 70 },
    ]);
    expect(result.stopReason).toBe('Filter reason: output image');
    expect(result.imageCount).toBe(1);
    expectNoneCopied(result, [ULTRA_INPUT]);
  });

  it('reports the first image that did not succeed, whatever its position', () => {
    const result = stability.normalise({
      ...sdxl,
      outputBody: {
        result: 'success',
        artifacts: [
          { seed: 1, base64: 'iVBORw0KGgoAAAA', finishReason: 'SUCCESS' },
          { seed: 2, base64: 'iVBORw0KGgoBBBB', finishReason: 'CONTENT_FILTERED' },
          { seed: 3, finishReason: 'ERROR' },
        ],
      },
    });
    expect(result.stopReason).toBe('CONTENT_FILTERED');
    expect(result.imageCount).toBe(2);
  });

  it('leaves imageCount out for an input-only log', () => {
    const result = stability.normalise(inputOnly(sd3));
    expect(result.input).toHaveLength(1);
    expect(result.imageCount).toBeUndefined();
    expect(result.output).toBeUndefined();
  });
});

describe('stability accepts', () => {
  it('takes its own fixtures, also input-only and for an unresolved model id', () => {
    for (const input of [sdxl, sd3, ultra]) {
      expect(stability.accepts(input)).toBe(true);
      expect(stability.accepts(inputOnly(input))).toBe(true);
      expect(stability.accepts(asUnknownVendor(inputOnly(input)))).toBe(true);
    }
  });

  it.each([
    ['bare prompt, stability vendor (Stable Image Core minimum)', 'stability', { prompt: 'x' }, null, true],
    [
      'image only, stability vendor (image services)',
      'stability',
      { image: 'AAAA', output_format: 'png' },
      null,
      true,
    ],
    ['bare prompt, unknown vendor (could be any text model)', 'unknown', { prompt: 'x' }, null, false],
    ['Llama prompt, unknown vendor', 'unknown', { prompt: 'x', max_gen_len: 5, temperature: 0 }, null, false],
    [
      'Mistral prompt, unknown vendor',
      'unknown',
      { prompt: '<s>[INST] x [/INST]', max_tokens: 5, top_k: 5 },
      null,
      false,
    ],
    ['prompt + aspect_ratio, unknown vendor', 'unknown', { prompt: 'x', aspect_ratio: '1:1' }, null, true],
    [
      'prompt + image-to-image mode, unknown vendor',
      'unknown',
      { prompt: 'x', mode: 'image-to-image' },
      null,
      true,
    ],
    ['output-only artifacts', 'unknown', null, { artifacts: [] }, true],
    ['output-only SD3 images', 'unknown', null, { images: [], seeds: [], finish_reasons: [] }, true],
    ['output-only Titan images', 'unknown', null, { images: ['x'], error: null }, false],
    ['no bodies, unknown vendor', 'unknown', null, null, false],
  ])('%s', (_name, vendor, inputBody, outputBody, expected) => {
    expect(stability.accepts({ ...sd3, vendor, model: undefined, inputBody, outputBody })).toBe(expected);
  });

  it('falls back to the model id only when neither body is in the log', () => {
    const model = 'stability.stable-image-core-v1:1';
    expect(stability.accepts({ ...sd3, model, inputBody: null, outputBody: null })).toBe(true);
    expect(
      stability.accepts({ ...sd3, model: 'amazon.nova-canvas-v1:0', inputBody: null, outputBody: null }),
    ).toBe(false);
  });
});

describe('stability hostile shapes', () => {
  it('never throws', () => {
    expectSurvivesHostileBodies(stability, sdxl);
  });
});
