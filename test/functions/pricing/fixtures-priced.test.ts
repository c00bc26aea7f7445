import { describe, expect, it } from 'vitest';
import { type PriceRequest, priceInvocation } from '../../../functions/transform/pricing/price-invocation.ts';
import { resolveModelId } from '../../../functions/transform/row/model-id.ts';
import { allFixtures } from '../../helpers/fixtures.ts';

// Every fixture's cost, computed by hand here from the prices listed below (USD per million tokens, or per
// image), never by the code under test. Token counts are the fixture's envelope counts; the test checks they
// still are. A fixture added without a line here fails: someone must decide what it costs.

const NO_CONFIG = { applicationProfiles: {}, modelArns: {} };

interface TokenCase {
  /** Envelope counts: `input` EXCLUDES cache tokens (bedrock-log-schema §2). */
  readonly tokens: {
    readonly input: number;
    readonly output: number;
    readonly cacheRead?: number;
    readonly cacheWrite?: number;
  };
  /** USD per 1M tokens. */
  readonly rates: {
    readonly input: number;
    readonly output: number;
    readonly cacheRead?: number;
    readonly cacheWrite?: number;
  };
  readonly status: 'priced' | 'override';
}
interface ImageCase {
  readonly images: number;
  readonly usdPerImage: number;
  readonly status: 'override';
}
interface UnpricedCase {
  readonly unpriced: true;
}
type Case = TokenCase | ImageCase | UnpricedCase;

const PKG = 'priced' as const;
const OVR = 'override' as const;
const UNPRICED: UnpricedCase = { unpriced: true };

const CASES: Readonly<Record<string, Case>> = {
  // AI21 (overrides: the package has no AI21)
  'ai21/synthetic-ai21-jamba-invoke': {
    tokens: { input: 34, output: 12 },
    rates: { input: 2, output: 8 },
    status: OVR,
  },
  'ai21/synthetic-ai21-jamba-stream': {
    tokens: { input: 15, output: 4 },
    rates: { input: 0.2, output: 0.4 },
    status: OVR,
  },
  'ai21/synthetic-ai21-jurassic2-invoke': {
    tokens: { input: 5, output: 3 },
    rates: { input: 18.8, output: 18.8 },
    status: OVR,
  },
  // Anthropic: us. profile of Sonnet 4 with a cache write, priced at the regional rates (3 / 0.3 / 3.75 / 15)
  'anthropic_messages/anthropic-messages-invoke-cache': {
    tokens: { input: 19, output: 36, cacheRead: 0, cacheWrite: 4121 },
    rates: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    status: PKG,
  },
  'anthropic_messages/anthropic-messages-invoke': {
    tokens: { input: 38, output: 55 },
    rates: { input: 0.8, output: 4 },
    status: PKG,
  },
  // A guardrail blocked the input: zero tokens at a known price is a real $0.
  'anthropic_messages/anthropic-messages-stream-guardrail': {
    tokens: { input: 0, output: 0 },
    rates: { input: 3, output: 15 },
    status: PKG,
  },
  'anthropic_messages/anthropic-messages-stream': {
    tokens: { input: 22, output: 17 },
    rates: { input: 0.25, output: 1.25 },
    status: PKG,
  },
  // No output count: the price cannot be computed, so no cost rather than a guess.
  'anthropic_messages/error-validation': UNPRICED,
  'anthropic_text/anthropic-text-completion-invoke': {
    tokens: { input: 47, output: 4 },
    rates: { input: 8, output: 24 },
    status: OVR,
  },
  'anthropic_text/synthetic-anthropic-text-invoke-stream': {
    tokens: { input: 52, output: 11 },
    rates: { input: 0.8, output: 2.4 },
    status: OVR,
  },
  'cohere/cohere-command-text-invoke': {
    tokens: { input: 17, output: 13 },
    rates: { input: 1.5, output: 2 },
    status: OVR,
  },
  'cohere/synthetic-cohere-command-r-invoke-stream': {
    tokens: { input: 131, output: 15 },
    rates: { input: 3, output: 15 },
    status: OVR,
  },
  'cohere/synthetic-cohere-command-r-invoke': {
    tokens: { input: 118, output: 19 },
    rates: { input: 3, output: 15 },
    status: OVR,
  },
  'cohere/synthetic-cohere-command-text-invoke-stream': {
    tokens: { input: 13, output: 10 },
    rates: { input: 0.3, output: 0.6 },
    status: OVR,
  },
  'cohere_embed/cohere-embed-v3': {
    tokens: { input: 14, output: 0 },
    rates: { input: 0.1, output: 0 },
    status: OVR,
  },
  'cohere_embed/synthetic-cohere-embed-v3-image-invoke': {
    tokens: { input: 1, output: 0 },
    rates: { input: 0.1, output: 0 },
    status: OVR,
  },
  // Cohere Embed 4 (override), three texts: 24 input tokens × $0.12 / 1M = $0.00000288.
  'cohere_embed/synthetic-cohere-embed-v4-invoke': {
    tokens: { input: 24, output: 0 },
    rates: { input: 0.12, output: 0 },
    status: OVR,
  },
  'converse/converse-anthropic-tooluse': {
    tokens: { input: 498, output: 71, cacheRead: 0, cacheWrite: 0 },
    rates: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    status: PKG,
  },
  'converse/converse-guardrail-intervened': {
    tokens: { input: 0, output: 0 },
    rates: { input: 0.2, output: 0.4 },
    status: OVR,
  },
  'converse/converse-image-input': {
    tokens: { input: 1612, output: 41, cacheRead: 0, cacheWrite: 0 },
    rates: { input: 3, output: 15 },
    status: PKG,
  },
  'converse/converse-nova': {
    tokens: { input: 23, output: 33, cacheRead: 0, cacheWrite: 0 },
    rates: { input: 0.8, output: 3.2 },
    status: PKG,
  },
  'converse/converse-performance-optimized': {
    tokens: { input: 15, output: 12, cacheRead: 0, cacheWrite: 0 },
    rates: { input: 0.8, output: 4 },
    status: PKG,
  },
  'converse/conversestream-nova-lite': {
    tokens: { input: 11, output: 34, cacheRead: 0, cacheWrite: 0 },
    rates: { input: 0.06, output: 0.24 },
    status: PKG,
  },
  'converse/qwen3-converse': {
    tokens: { input: 14, output: 7, cacheRead: 0, cacheWrite: 0 },
    rates: { input: 0.15, output: 0.6 },
    status: PKG,
  },
  'deepseek/synthetic-deepseek-r1-invoke': {
    tokens: { input: 33, output: 48 },
    rates: { input: 1.35, output: 5.4 },
    status: PKG,
  },
  'deepseek/synthetic-deepseek-r1-stream': {
    tokens: { input: 12, output: 9 },
    rates: { input: 1.35, output: 5.4 },
    status: PKG,
  },
  // DeepSeek-V3.1 (override): 12 × $0.58 / 1M + 11 × $1.68 / 1M = $0.00000696 + $0.00001848 = $0.00002544.
  'deepseek/synthetic-deepseek-v3-chat-invoke': {
    tokens: { input: 12, output: 11 },
    rates: { input: 0.58, output: 1.68 },
    status: OVR,
  },
  'llama/imported-model-invoke': UNPRICED,
  'llama/meta-llama-invoke': {
    tokens: { input: 37, output: 5 },
    rates: { input: 0.72, output: 0.72 },
    status: PKG,
  },
  'llama/synthetic-custom-model-deployment-stream': UNPRICED,
  'llama/synthetic-llama-stream': {
    tokens: { input: 41, output: 16 },
    rates: { input: 0.72, output: 0.72 },
    status: PKG,
  },
  'llama/synthetic-llama-vision-invoke': {
    tokens: { input: 1612, output: 17 },
    rates: { input: 0.16, output: 0.16 },
    status: PKG,
  },
  'llama/synthetic-llama2-invoke': {
    tokens: { input: 62, output: 9 },
    rates: { input: 0.75, output: 1 },
    status: OVR,
  },
  'llama/synthetic-provisioned-model-invoke': UNPRICED,
  'mistral/mistral-chat-invoke': UNPRICED,
  'mistral/synthetic-mistral-chat-stream': UNPRICED,
  'mistral/synthetic-mistral-chat-tools-invoke': UNPRICED,
  'mistral/synthetic-mistral-text-invoke': {
    tokens: { input: 31, output: 16 },
    rates: { input: 0.15, output: 0.2 },
    status: PKG,
  },
  'mistral/synthetic-mistral-text-stream': {
    tokens: { input: 17, output: 18 },
    rates: { input: 0.45, output: 0.7 },
    status: PKG,
  },
  'nova/nova-invoke-stream': {
    tokens: { input: 9, output: 21 },
    rates: { input: 0.06, output: 0.24 },
    status: PKG,
  },
  // Nova Pro with a cache read: 1024 tokens at 0.2 instead of 0.8.
  'nova/synthetic-nova-invoke': {
    tokens: { input: 40, output: 14, cacheRead: 1024, cacheWrite: 0 },
    rates: { input: 0.8, output: 3.2, cacheRead: 0.2 },
    status: PKG,
  },
  'openai/synthetic-openai-gpt-oss-invoke': {
    tokens: { input: 52, output: 46 },
    rates: { input: 0.15, output: 0.6 },
    status: PKG,
  },
  'openai/synthetic-openai-gpt-oss-stream-tools': {
    tokens: { input: 96, output: 31 },
    rates: { input: 0.07, output: 0.3 },
    status: PKG,
  },
  'qwen/synthetic-qwen-invoke': {
    tokens: { input: 29, output: 22 },
    rates: { input: 0.15, output: 0.6 },
    status: PKG,
  },
  // SDXL, 30 steps (standard) at 1024 × 1024: $0.04 an image.
  'stability/stability-sdxl-image': { images: 1, usdPerImage: 0.04, status: OVR },
  // SD3.5 Large, one image at $0.08 whatever its size (override).
  'stability/synthetic-stability-sd3-invoke': { images: 1, usdPerImage: 0.08, status: OVR },
  'stability/synthetic-stability-ultra-invoke': { images: 1, usdPerImage: 0.14, status: OVR },
  'titan_embed/synthetic-titan-embed-image-invoke': UNPRICED,
  'titan_embed/synthetic-titan-embed-text-v2-invoke': {
    tokens: { input: 9, output: 0 },
    rates: { input: 0.02, output: 0 },
    status: OVR,
  },
  // Nova Canvas premium, 1024 × 1024 (body offloaded: the request asked for 1 image): $0.06.
  'titan_image/nova-canvas-image-s3-offload': { images: 1, usdPerImage: 0.06, status: OVR },
  // Nova Canvas standard, 512 × 512, two images: 2 × $0.04.
  'titan_image/synthetic-nova-canvas-invoke': { images: 2, usdPerImage: 0.04, status: OVR },
  // Titan Image Generator v2 standard 512 × 512: $0.008.
  'titan_image/titan-image-generator-inline': { images: 1, usdPerImage: 0.008, status: OVR },
  'titan_text/synthetic-titan-text-invoke-stream': {
    tokens: { input: 14, output: 18 },
    rates: { input: 0.5, output: 1.5 },
    status: OVR,
  },
  'titan_text/titan-text-invoke': {
    tokens: { input: 30, output: 19 },
    rates: { input: 0.2, output: 0.6 },
    status: PKG,
  },
  'writer/synthetic-writer-stream': {
    tokens: { input: 24, output: 14 },
    rates: { input: 2.5, output: 10 },
    status: PKG,
  },
  'writer/writer-palmyra-x5-invoke': {
    tokens: { input: 23, output: 19 },
    rates: { input: 0.6, output: 6 },
    status: PKG,
  },
};

type Json = Record<string, unknown>;
const objectAt = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const numberAt = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** What the transform hands the pricer for this record (record-schema §4.8: input includes cache). */
function requestFor(log: Json): PriceRequest {
  const input = objectAt(log['input']);
  const output = objectAt(log['output']);
  const inputBody = objectAt(input?.['inputBodyJson']);
  const outputBody = objectAt(output?.['outputBodyJson']);
  const config = objectAt(inputBody?.['imageGenerationConfig']);
  const envelopeInput = numberAt(input?.['inputTokenCount']);
  const cacheRead = numberAt(input?.['cacheReadInputTokenCount']);
  const cacheWrite = numberAt(input?.['cacheWriteInputTokenCount']);
  const images = outputBody?.['images'] ?? outputBody?.['artifacts'];
  const width = numberAt(output?.['outputImageWidth']) ?? numberAt(config?.['width']);
  const height = numberAt(output?.['outputImageHeight']) ?? numberAt(config?.['height']);
  const steps = numberAt(inputBody?.['steps']);
  const quality =
    config?.['quality'] ?? (steps === undefined ? undefined : steps > 50 ? 'premium' : 'standard');
  return {
    model: resolveModelId(String(log['modelId']), NO_CONFIG),
    region: String(log['region']),
    timestampMs: Date.parse(String(log['timestamp'])),
    operationName: 'chat',
    inputTokens:
      envelopeInput === undefined ? undefined : envelopeInput + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: numberAt(output?.['outputTokenCount']),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    imageCount: Array.isArray(images) ? images.length : numberAt(config?.['numberOfImages']),
    embeddingCount: undefined,
    imageSize: width === undefined || height === undefined ? undefined : { width, height },
    imageQuality: quality === 'premium' || quality === 'standard' ? quality : undefined,
  };
}

function expectedTokenCost(c: TokenCase): number {
  const { tokens, rates } = c;
  return (
    (tokens.input * rates.input +
      (tokens.cacheRead ?? 0) * (rates.cacheRead ?? rates.input) +
      (tokens.cacheWrite ?? 0) * (rates.cacheWrite ?? rates.input) +
      tokens.output * rates.output) /
    1_000_000
  );
}

const fixtures = allFixtures();

describe('the price of every fixture', () => {
  it('has a hand-computed expectation for every fixture, and none for a fixture that is gone', () => {
    const names = fixtures.map((f) => `${f.normaliser}/${f.name}`);
    expect(names.filter((name) => !(name in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((name) => !names.includes(name))).toEqual([]);
  });

  it.each(fixtures.map((f) => [`${f.normaliser}/${f.name}`, f.log] as const))('%s', (name, log) => {
    const expected = CASES[name];
    if (expected === undefined) return;
    const result = priceInvocation(requestFor(log));
    if ('unpriced' in expected) {
      expect(result.status).toBe('unpriced');
      expect(result.warnings).toEqual(['price_missing']);
      expect(result).not.toHaveProperty('costUsd');
      expect(result).not.toHaveProperty('inputCostUsd');
      expect(result).not.toHaveProperty('outputCostUsd');
      return;
    }
    expect(result.status).toBe(expected.status);
    expect(result.warnings).toEqual([]);
    if ('images' in expected) {
      expect(result.costUsd).toBeCloseTo(expected.images * expected.usdPerImage, 10);
      expect(result.outputCostUsd).toBeCloseTo(expected.images * expected.usdPerImage, 10);
      return;
    }
    const input = objectAt(log['input']);
    expect(input?.['inputTokenCount']).toBe(expected.tokens.input);
    expect(objectAt(log['output'])?.['outputTokenCount']).toBe(expected.tokens.output);
    expect(input?.['cacheReadInputTokenCount'] ?? 0).toBe(expected.tokens.cacheRead ?? 0);
    expect(input?.['cacheWriteInputTokenCount'] ?? 0).toBe(expected.tokens.cacheWrite ?? 0);
    expect(result.costUsd).toBeCloseTo(expectedTokenCost(expected), 9);
    expect(result.outputCostUsd).toBeCloseTo((expected.tokens.output * expected.rates.output) / 1_000_000, 9);
  });
});
