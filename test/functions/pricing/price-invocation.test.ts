import { describe, expect, it } from 'vitest';
import { explainInvocation, ratesOf } from '../../../functions/transform/pricing/explain.ts';
import { lookupPackagePrice } from '../../../functions/transform/pricing/package-prices.ts';
import {
  createPricer,
  type PriceRequest,
  priceInvocation,
} from '../../../functions/transform/pricing/price-invocation.ts';
import { refineWithBodyModel, resolveModelId } from '../../../functions/transform/row/model-id.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import type { PriceOverridesInput } from '../../../schemas/price-overrides.ts';
import { PriceOverridesSchema } from '../../../schemas/price-overrides.ts';

// Every expected cost below is written out from the listed prices (USD per 1M tokens), not computed by the
// code under test.

const NO_CONFIG = { applicationProfiles: {}, modelArns: {} };
const SEPT_2025 = Date.parse('2025-09-18T08:41:02Z');
const M = 1_000_000;

function request(modelId: string, overrides: Partial<PriceRequest> = {}): PriceRequest {
  return {
    model: resolveModelId(modelId, NO_CONFIG),
    region: 'us-east-1',
    timestampMs: SEPT_2025,
    operationName: 'chat',
    inputTokens: 1000,
    outputTokens: 100,
    cacheReadTokens: undefined,
    cacheWriteTokens: undefined,
    imageCount: undefined,
    embeddingCount: undefined,
    ...overrides,
  };
}

function pricerWith(table: Omit<PriceOverridesInput, 'id'>) {
  return createPricer(PriceOverridesSchema.parse({ id: 'test-overrides@2026-01-01', ...table }));
}

describe('priceInvocation: package prices', () => {
  it('prices Claude 3 Haiku at 0.25 / 1.25 per 1M tokens', () => {
    const result = priceInvocation(
      request('anthropic.claude-3-haiku-20240307-v1:0', { inputTokens: 22, outputTokens: 17 }),
    );
    expect(result).toMatchObject({
      status: 'priced',
      source: '@pydantic/genai-prices@0.1.8',
      tier: 'regional',
      warnings: [],
    });
    expect(result.inputCostUsd).toBeCloseTo(22 * 0.25e-6, 12);
    expect(result.outputCostUsd).toBeCloseTo(17 * 1.25e-6, 12);
    expect(result.costUsd).toBeCloseTo(22 * 0.25e-6 + 17 * 1.25e-6, 12);
  });

  it('keeps global and cross-region prices apart: the us. profile pays the 10 % regional premium', () => {
    // Sonnet 4.5: global 3 / 15 per 1M; regional (us., eu., …) 3.3 / 16.5.
    const usage = { inputTokens: 10_000, outputTokens: 2_000 };
    const global = priceInvocation(request('global.anthropic.claude-sonnet-4-5-20250929-v1:0', usage));
    const regional = priceInvocation(request('us.anthropic.claude-sonnet-4-5-20250929-v1:0', usage));
    expect(global).toMatchObject({ status: 'priced', tier: 'global' });
    expect(regional).toMatchObject({ status: 'priced', tier: 'regional' });
    expect(global.costUsd).toBeCloseTo((10_000 * 3 + 2_000 * 15) / M, 12);
    expect(regional.costUsd).toBeCloseTo((10_000 * 3.3 + 2_000 * 16.5) / M, 12);
    expect((regional.costUsd ?? 0) / (global.costUsd ?? 1)).toBeCloseTo(1.1, 12);
  });

  it('prices Anthropic cache reads and writes at their own rates, not as fresh input', () => {
    // Envelope: inputTokenCount 2 (excludes cache), cacheRead 95 500, cacheWrite 1 200; total input 96 702.
    // Sonnet 4 regional: input 3, cache read 0.3, cache write 3.75, output 15 per 1M.
    const result = priceInvocation(
      request('us.anthropic.claude-sonnet-4-20250514-v1:0', {
        inputTokens: 2 + 95_500 + 1_200,
        cacheReadTokens: 95_500,
        cacheWriteTokens: 1_200,
        outputTokens: 300,
      }),
    );
    const input = (2 * 3 + 95_500 * 0.3 + 1_200 * 3.75) / M;
    expect(result.inputCostUsd).toBeCloseTo(input, 12);
    expect(result.costUsd).toBeCloseTo(input + (300 * 15) / M, 12);
    // Billed as fresh input it would have been ten times more for the cached part.
    expect(result.costUsd).toBeLessThan(((2 + 95_500 + 1_200) * 3 + 300 * 15) / M / 5);
  });

  it('uses the price in force at the invocation time (package start_date)', () => {
    // regional.openai.gpt-5.6-luna: 1.1 / 6.6 until 2026-07-29; from 2026-07-30 tiered, base 0.22 / 1.32.
    const before = priceInvocation(
      request('us.openai.gpt-5.6-luna', { timestampMs: Date.parse('2026-07-29T23:59:59Z') }),
    );
    const after = priceInvocation(
      request('us.openai.gpt-5.6-luna', { timestampMs: Date.parse('2026-07-30T00:00:00Z') }),
    );
    expect(before.costUsd).toBeCloseTo((1000 * 1.1 + 100 * 6.6) / M, 12);
    expect(after.costUsd).toBeCloseTo((1000 * 0.22 + 100 * 1.32) / M, 12);
  });

  it('applies a tiered price to the whole prompt once it passes the tier (through calcPrice)', () => {
    // Above 271 999 input tokens: 0.44 / 1.98 per 1M.
    const result = priceInvocation(
      request('us.openai.gpt-5.6-luna', {
        timestampMs: Date.parse('2026-08-01T00:00:00Z'),
        inputTokens: 300_000,
        outputTokens: 100,
      }),
    );
    expect(result.costUsd).toBeCloseTo((300_000 * 0.44 + 100 * 1.98) / M, 12);
  });

  it('never lets a tier-specific package price cross tiers', () => {
    // The package lists Claude 3.5 Haiku only as regional.* (its match is a plain "contains"), so a global.
    // profile id would match it; a regional rate on a global call is the wrong rate, so it stays unpriced.
    const global = explainInvocation(request('global.anthropic.claude-3-5-haiku-20241022-v1:0'));
    expect(global).toMatchObject({ status: 'unpriced', tier: 'global', warnings: ['price_missing'] });
    expect(global.explanation?.reason).toContain('regional.anthropic.claude-3-5-haiku-20241022-v1:0');
    const regional = priceInvocation(request('us.anthropic.claude-3-5-haiku-20241022-v1:0'));
    expect(regional.costUsd).toBeCloseTo((1000 * 0.8 + 100 * 4) / M, 12);
  });
});

describe('priceInvocation: unpriced', () => {
  it('gives an unknown model no cost field and price_missing, never $0', () => {
    const result = priceInvocation(request('acme.frontier-9000-v1:0'));
    expect(result).toEqual({ status: 'unpriced', tier: 'regional', warnings: ['price_missing'] });
  });

  it('gives an unresolved ARN no cost', () => {
    const result = priceInvocation(request('arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc'));
    expect(result.status).toBe('unpriced');
    expect(result.costUsd).toBeUndefined();
  });

  it('refuses to price without the output count instead of guessing', () => {
    const result = priceInvocation(
      request('anthropic.claude-3-haiku-20240307-v1:0', { outputTokens: undefined }),
    );
    expect(result).toMatchObject({ status: 'unpriced', warnings: ['price_missing'] });
    const explained = explainInvocation(
      request('anthropic.claude-3-haiku-20240307-v1:0', { outputTokens: undefined }),
    );
    expect(explained.explanation?.reason).toBe('output token count missing');
  });

  it('prices a zero-token invocation of a known model at $0', () => {
    const result = priceInvocation(
      request('anthropic.claude-3-haiku-20240307-v1:0', { inputTokens: 0, outputTokens: 0 }),
    );
    expect(result).toMatchObject({ status: 'priced', costUsd: 0, inputCostUsd: 0, outputCostUsd: 0 });
  });

  it('treats an unparsable invocation time as unpriced', () => {
    expect(
      priceInvocation(request('anthropic.claude-3-haiku-20240307-v1:0', { timestampMs: Number.NaN })).status,
    ).toBe('unpriced');
  });
});

describe('priceInvocation: application inference profiles', () => {
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/team-a';

  it('prices a mapped application profile at the system profile it runs on', () => {
    const config = TransformConfigSchema.parse({
      applicationProfiles: { [arn]: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' },
    });
    const result = priceInvocation({ ...request('x'), model: resolveModelId(arn, config) });
    expect(result).toMatchObject({ status: 'priced', tier: 'global' });
    expect(result.costUsd).toBeCloseTo((1000 * 3 + 100 * 15) / M, 12);
  });

  it('leaves an unmapped application profile unpriced', () => {
    const result = priceInvocation({ ...request('x'), model: resolveModelId(arn, NO_CONFIG) });
    expect(result).toEqual({ status: 'unpriced', tier: 'regional', warnings: ['price_missing'] });
  });

  it('prices an unmapped profile whose body names a known model at that model’s (regional) price', () => {
    const model = refineWithBodyModel(resolveModelId(arn, NO_CONFIG), 'claude-sonnet-4-5-20250929');
    const result = priceInvocation({ ...request('x'), model });
    expect(result.costUsd).toBeCloseTo((1000 * 3.3 + 100 * 16.5) / M, 12);
  });
});

describe('priceInvocation: override table', () => {
  it('beats the package: Titan Text Embeddings V2 is 0.02, not the v1 price the package matches', () => {
    const atDate = new Date(SEPT_2025);
    expect(lookupPackagePrice('amazon.titan-embed-text-v2:0', atDate)?.price['input_mtok']).toBe(0.1);
    const result = priceInvocation(
      request('amazon.titan-embed-text-v2:0', { inputTokens: 9, outputTokens: 0 }),
    );
    expect(result).toMatchObject({ status: 'override', source: 'bedrock-o2-overrides@2026-11-30' });
    expect(result.costUsd).toBeCloseTo(9 * 0.02e-6, 14);
  });

  it('beats the package for a model the package prices (a correction)', () => {
    const pricer = pricerWith({
      entries: [
        {
          model: 'anthropic.claude-3-haiku-20240307-v1:0',
          prices: { input_mtok: 0.2, output_mtok: 1 },
          note: 'test: negotiated list price',
        },
      ],
    });
    const result = pricer.priceInvocation(request('anthropic.claude-3-haiku-20240307-v1:0'));
    expect(result).toMatchObject({ status: 'override', source: 'test-overrides@2026-01-01' });
    expect(result.costUsd).toBeCloseTo((1000 * 0.2 + 100 * 1) / M, 12);
  });

  it('prefers a profile-specific entry over a model entry over a pattern', () => {
    const pricer = pricerWith({
      entries: [
        { model: 'acme.*', prices: { input_mtok: 1, output_mtok: 1 }, note: 'test: vendor-wide pattern' },
        { model: 'acme.model-v1', prices: { input_mtok: 2, output_mtok: 2 }, note: 'test: the model itself' },
        {
          model: 'eu.acme.model-v1',
          prices: { input_mtok: 3, output_mtok: 3 },
          note: 'test: the eu profile',
        },
      ],
    });
    expect(pricer.priceInvocation(request('acme.other-v1')).costUsd).toBeCloseTo(1100 / M, 12);
    expect(pricer.priceInvocation(request('us.acme.model-v1')).costUsd).toBeCloseTo(2200 / M, 12);
    expect(pricer.priceInvocation(request('eu.acme.model-v1')).costUsd).toBeCloseTo(3300 / M, 12);
  });

  it('uses dated entries: the price in force on the invocation’s UTC day', () => {
    const pricer = pricerWith({
      entries: [
        {
          model: 'acme.model-v1',
          effectiveTo: '2025-06-01',
          prices: { input_mtok: 4, output_mtok: 8 },
          note: 'test: launch price',
        },
        {
          model: 'acme.model-v1',
          effectiveFrom: '2025-06-01',
          prices: { input_mtok: 2, output_mtok: 4 },
          note: 'test: price cut',
        },
      ],
    });
    const at = (iso: string) =>
      pricer.priceInvocation(request('acme.model-v1', { timestampMs: Date.parse(iso) })).costUsd;
    expect(at('2025-05-31T23:59:59Z')).toBeCloseTo((1000 * 4 + 100 * 8) / M, 12);
    expect(at('2025-06-01T00:00:00Z')).toBeCloseTo((1000 * 2 + 100 * 4) / M, 12);
  });

  it('scopes an entry to a region or a tier', () => {
    const pricer = pricerWith({
      entries: [
        { model: 'acme.model-v1', prices: { input_mtok: 1, output_mtok: 1 }, note: 'test: everywhere else' },
        {
          model: 'acme.model-v1',
          region: 'eu-central-2',
          prices: { input_mtok: 1.5, output_mtok: 1.5 },
          note: 'test: Zurich',
        },
        {
          model: 'acme.model-v1',
          tier: 'global',
          prices: { input_mtok: 0.5, output_mtok: 0.5 },
          note: 'test: global',
        },
      ],
    });
    expect(pricer.priceInvocation(request('acme.model-v1')).costUsd).toBeCloseTo(1100 / M, 12);
    expect(pricer.priceInvocation(request('acme.model-v1', { region: 'eu-central-2' })).costUsd).toBeCloseTo(
      1650 / M,
      12,
    );
    expect(pricer.priceInvocation(request('global.acme.model-v1')).costUsd).toBeCloseTo(550 / M, 12);
  });

  it('applies a regional multiplier and a negotiated discount on top of a package price, and names them', () => {
    const pricer = pricerWith({
      entries: [],
      multipliers: [
        { id: 'zurich-premium', region: 'eu-central-2', factor: 1.2, note: 'test: regional premium' },
      ],
      discounts: [
        { id: 'acme-edp', vendor: 'anthropic', factor: 0.85, note: 'test: private pricing addendum' },
      ],
    });
    const result = pricer.priceInvocation(
      request('anthropic.claude-3-haiku-20240307-v1:0', {
        region: 'eu-central-2',
        inputTokens: 22,
        outputTokens: 17,
      }),
    );
    expect(result.status).toBe('priced');
    expect(result.source).toBe(
      '@pydantic/genai-prices@0.1.8 × test-overrides@2026-01-01#zurich-premium × test-overrides@2026-01-01#acme-edp',
    );
    expect(result.costUsd).toBeCloseTo(((22 * 0.25 + 17 * 1.25) / M) * 1.2 * 0.85, 12);
    expect(result.inputCostUsd).toBeCloseTo(((22 * 0.25) / M) * 1.2 * 0.85, 12);
    // Another region, another vendor: only what matches applies.
    expect(pricer.priceInvocation(request('amazon.nova-lite-v1:0', { region: 'us-east-1' })).source).toBe(
      '@pydantic/genai-prices@0.1.8',
    );
  });

  it('applies a discount on top of an override too, keeping the status override', () => {
    const pricer = pricerWith({
      entries: [
        { model: 'acme.model-v1', prices: { input_mtok: 10, output_mtok: 10 }, note: 'test: list price' },
      ],
      discounts: [
        {
          id: 'acme-deal',
          model: 'acme.*',
          effectiveFrom: '2025-01-01',
          factor: 0.5,
          note: 'test: half off from 2025',
        },
      ],
    });
    const in2024 = pricer.priceInvocation(
      request('acme.model-v1', { timestampMs: Date.parse('2024-12-31T12:00:00Z') }),
    );
    const in2025 = pricer.priceInvocation(request('acme.model-v1'));
    expect(in2024).toMatchObject({ status: 'override', source: 'test-overrides@2026-01-01' });
    expect(in2024.costUsd).toBeCloseTo(11_000 / M, 12);
    expect(in2025).toMatchObject({
      status: 'override',
      source: 'test-overrides@2026-01-01 × test-overrides@2026-01-01#acme-deal',
    });
    expect(in2025.costUsd).toBeCloseTo(5_500 / M, 12);
  });

  it('bills per embedding where the model does', () => {
    const pricer = pricerWith({
      entries: [
        {
          model: 'acme.embed-v1',
          prices: { input_mtok: 0.1, per_embedding: 0.0001 },
          note: 'test: per item',
        },
      ],
    });
    const result = pricer.priceInvocation(
      request('acme.embed-v1', {
        operationName: 'embeddings',
        inputTokens: 500,
        outputTokens: undefined,
        embeddingCount: 3,
      }),
    );
    expect(result.inputCostUsd).toBeCloseTo((500 * 0.1) / M, 12);
    expect(result.outputCostUsd).toBeCloseTo(3 * 0.0001, 12);
    expect(pricer.priceInvocation(request('acme.embed-v1', { outputTokens: undefined })).status).toBe(
      'unpriced',
    );
  });
});

describe('priceInvocation: images', () => {
  const image = (modelId: string, extra: Partial<PriceRequest>) =>
    priceInvocation(
      request(modelId, {
        operationName: 'generate_content',
        inputTokens: 0,
        outputTokens: 0,
        imageCount: 1,
        ...extra,
      }),
    );

  it('prices Nova Canvas by size and quality', () => {
    const small = { width: 1024, height: 1024 };
    const large = { width: 2048, height: 2048 };
    expect(image('amazon.nova-canvas-v1:0', { imageSize: small }).costUsd).toBe(0.04);
    expect(image('amazon.nova-canvas-v1:0', { imageSize: small, imageQuality: 'premium' }).costUsd).toBe(
      0.06,
    );
    expect(image('amazon.nova-canvas-v1:0', { imageSize: large, imageCount: 3 }).costUsd).toBeCloseTo(
      3 * 0.06,
      12,
    );
    expect(image('amazon.nova-canvas-v1:0', { imageSize: large, imageQuality: 'premium' }).costUsd).toBe(
      0.08,
    );
  });

  it('leaves a size-priced image unpriced when the size is unknown or beyond every price', () => {
    expect(image('amazon.nova-canvas-v1:0', {}).status).toBe('unpriced');
    expect(image('amazon.nova-canvas-v1:0', { imageSize: { width: 4096, height: 4096 } }).status).toBe(
      'unpriced',
    );
    expect(
      image('amazon.titan-image-generator-v2:0', { imageSize: { width: 1024, height: 1024 } }).status,
    ).toBe('unpriced');
  });

  it('prices SDXL by steps: standard (≤ 50) $0.04, premium (> 50) $0.08', () => {
    const size = { width: 1024, height: 1024 };
    expect(image('stability.stable-diffusion-xl-v1', { imageSize: size, imageCount: 2 }).costUsd).toBeCloseTo(
      0.08,
      12,
    );
    expect(
      image('stability.stable-diffusion-xl-v1', { imageSize: size, imageQuality: 'premium' }).costUsd,
    ).toBe(0.08);
  });

  it('needs the image count', () => {
    expect(image('stability.stable-image-ultra-v1:1', { imageCount: undefined }).status).toBe('unpriced');
    expect(image('stability.stable-image-ultra-v1:1', {}).costUsd).toBe(0.14);
  });
});

describe('priceInvocation: explanation and caching', () => {
  it('explains the arithmetic line by line only when asked', () => {
    const req = request('us.anthropic.claude-sonnet-4-20250514-v1:0', {
      inputTokens: 19 + 4121,
      cacheReadTokens: 0,
      cacheWriteTokens: 4121,
      outputTokens: 36,
    });
    expect(priceInvocation(req)).not.toHaveProperty('explanation');
    const explained = explainInvocation(req);
    expect({ ...explained, explanation: undefined }).toEqual({
      ...priceInvocation(req),
      explanation: undefined,
    });
    const explanation = explained.explanation;
    expect(explanation).toMatchObject({
      lookupId: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
      basis: 'package',
      matched: 'regional.anthropic.claude-sonnet-4-20250514-v1:0',
      totalUsd: 0.01605075,
      packageCalcPriceUsd: 0.01605075,
    });
    expect(explanation?.lines.map((line) => [line.label, line.quantity, line.rateUsd, line.costUsd])).toEqual(
      [
        ['input (not cached)', 19, 3, 0.000057],
        ['cache write', 4121, 3.75, 0.01545375],
        ['output', 36, 15, 0.00054],
      ],
    );
  });

  it('gives the same answer from its per-day cache, and a new answer on a new day', () => {
    const pricer = pricerWith({
      entries: [
        {
          model: 'acme.model-v1',
          effectiveFrom: '2025-09-19',
          prices: { input_mtok: 1, output_mtok: 1 },
          note: 'test: from the 19th',
        },
      ],
    });
    const first = pricer.priceInvocation(request('acme.model-v1'));
    const again = pricer.priceInvocation(request('acme.model-v1', { timestampMs: SEPT_2025 + 1000 }));
    expect(first.status).toBe('unpriced');
    expect(again.status).toBe('unpriced');
    const nextDay = pricer.priceInvocation(request('acme.model-v1', { timestampMs: SEPT_2025 + 86_400_000 }));
    expect(nextDay.costUsd).toBeCloseTo(1100 / M, 12);
  });

  it('rounds costs to 1e-10 USD', () => {
    const result = priceInvocation(request('amazon.nova-micro-v1:0', { inputTokens: 1, outputTokens: 0 }));
    // 1 token × 0.035 / 1M = 3.5e-8, exactly representable after rounding.
    expect(result.costUsd).toBe(3.5e-8);
  });

  it('lists the effective rates of a quote for `prices check`', () => {
    const pricer = pricerWith({
      entries: [],
      discounts: [{ id: 'half', factor: 0.5, note: 'test: half off everything' }],
    });
    const quote = pricer.quote(
      resolveModelId('us.anthropic.claude-sonnet-4-20250514-v1:0', NO_CONFIG),
      'us-east-1',
      SEPT_2025,
    );
    expect(ratesOf(quote)).toEqual({
      inputMtok: 1.5,
      cacheReadMtok: 0.15,
      cacheWriteMtok: 1.875,
      outputMtok: 7.5,
      perImage: undefined,
      perEmbedding: undefined,
      tiered: false,
    });
  });
});
