import { readFileSync } from 'node:fs';
import { calcPrice, type ModelPrice, type Provider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import {
  awsProvider,
  effectiveCacheRates,
  GENAI_PRICES_SOURCE,
  GENAI_PRICES_VERSION,
  linearRatesOf,
  lookupPackagePrice,
} from '../../../functions/transform/pricing/package-prices.ts';

const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

describe('the pinned price package', () => {
  it('is pinned exactly, installed at that version, and named so in every source', () => {
    const ours = readJson('../../../package.json');
    const installed = readJson('../../../node_modules/@pydantic/genai-prices/package.json');
    expect(ours.dependencies['@pydantic/genai-prices']).toBe(GENAI_PRICES_VERSION);
    expect(installed.version).toBe(GENAI_PRICES_VERSION);
    expect(GENAI_PRICES_SOURCE).toBe(`@pydantic/genai-prices@${GENAI_PRICES_VERSION}`);
  });
});

// Each model's prices as the package stores them: a plain price, or dated variants.
function priceVariants(prices: ModelPrice | { prices: ModelPrice }[]): ModelPrice[] {
  return Array.isArray(prices) ? prices.map((variant) => variant.prices) : [prices];
}

const USAGES = [
  { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
  { inputTokens: 1234, outputTokens: 567, cacheReadTokens: 0, cacheWriteTokens: 0 },
  { inputTokens: 97_000, outputTokens: 300, cacheReadTokens: 95_500, cacheWriteTokens: 1_200 },
  { inputTokens: 5_000, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 4_121 },
];

describe('the linear arithmetic equals calcPrice', () => {
  // The hot path multiplies count × rate itself for plain prices (calcPrice costs 10–30 µs a call). This
  // proves it gives calcPrice's answer for every price of every model the aws provider has.
  const provider = awsProvider();
  const cases = provider.models.flatMap((model) =>
    priceVariants(model.prices).map((price, index) => [`${model.id} #${index}`, price] as const),
  );

  it.each(cases)('%s', (_label, price) => {
    const single: Provider = {
      ...provider,
      models: [{ id: 'probe', match: { equals: 'probe' }, prices: price }],
    };
    const rates = linearRatesOf(price);
    for (const usage of USAGES) {
      const reference = calcPrice(
        {
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          cache_read_tokens: usage.cacheReadTokens,
          cache_write_tokens: usage.cacheWriteTokens,
        },
        'probe',
        { provider: single },
      );
      // Tiered prices: the engine calls calcPrice itself, per row, so there is nothing to compare.
      if (rates === undefined) continue;
      const cache = effectiveCacheRates(rates);
      const uncached = usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens;
      const input =
        (uncached * (rates.inputMtok ?? 0) +
          usage.cacheReadTokens * cache.read +
          usage.cacheWriteTokens * cache.write) /
        1_000_000;
      const output = (usage.outputTokens * (rates.outputMtok ?? 0)) / 1_000_000;
      expect(input).toBeCloseTo(reference?.input_price ?? Number.NaN, 12);
      expect(output).toBeCloseTo(reference?.output_price ?? Number.NaN, 12);
    }
  });
});

describe('lookupPackagePrice', () => {
  it('finds the regional entry for a cross-region profile id and the global one for a global id', () => {
    const at = new Date('2025-10-01T00:00:00Z');
    expect(lookupPackagePrice('us.anthropic.claude-haiku-4-5-20251001-v1:0', at)?.packageModelId).toBe(
      'regional.anthropic.claude-haiku-4-5-20251001-v1:0',
    );
    expect(lookupPackagePrice('global.anthropic.claude-haiku-4-5-20251001-v1:0', at)?.packageModelId).toBe(
      'global.anthropic.claude-haiku-4-5-20251001-v1:0',
    );
  });

  it('marks plain prices linear and tiered ones not', () => {
    const at = new Date('2026-08-01T00:00:00Z');
    expect(lookupPackagePrice('amazon.nova-pro-v1:0', at)?.linearRates).toEqual({
      inputMtok: 0.8,
      outputMtok: 3.2,
      cacheReadMtok: 0.2,
      cacheWriteMtok: undefined,
    });
    expect(lookupPackagePrice('us.openai.gpt-5.6-luna', at)?.linearRates).toBeUndefined();
  });

  it('has no price for a model the package lacks', () => {
    expect(lookupPackagePrice('cohere.command-r-v1:0', new Date())).toBeUndefined();
  });
});
