import type { ImageQuality } from '../../../schemas/price-overrides.ts';
import type { TokenUsage } from './package-prices.ts';
import { calcPackageCost } from './package-prices.ts';
import {
  type AppliedAdjustment,
  type CostOutcome,
  costFor,
  imagePrice,
  MILLION,
  type PriceQuote,
  type PriceRequest,
  type PriceResult,
  packageUsageOf,
  priceInvocation,
  quotePrice,
  roundCost,
  type TokenRatesUsd,
  tokenUsageOf,
} from './price-invocation.ts';

/**
 * What `prices explain` and `prices check` show of a price: the arithmetic line by line and the rates as a
 * price list shows them. Only the CLI imports this module, so none of it is in the Lambda's bundle; the
 * numbers come from the same quote and cost functions the rows are priced with.
 */

/** One line of the arithmetic: quantity × rate / per = cost. */
export interface PriceLine {
  readonly label: string;
  readonly direction: 'input' | 'output';
  readonly quantity: number;
  readonly unit: 'tokens' | 'images' | 'embeddings';
  /** USD per `per` units; undefined where the package applied a tiered price itself. */
  readonly rateUsd: number | undefined;
  readonly per: number;
  readonly costUsd: number;
}

export interface PriceExplanation {
  /** The id prices were looked up by (system profile id or model id). */
  readonly lookupId: string | undefined;
  readonly basis: 'package' | 'override' | 'none';
  /** The package's model id, or the override entry's model (pattern). */
  readonly matched: string | undefined;
  /** The override entry's note: where its number comes from. */
  readonly matchedNote: string | undefined;
  readonly lines: readonly PriceLine[];
  readonly subtotalUsd: number | undefined;
  readonly adjustments: readonly AppliedAdjustment[];
  readonly factor: number;
  readonly totalUsd: number | undefined;
  /** For package prices: `calcPrice`'s own total for the same usage (× factor), as a cross-check. */
  readonly packageCalcPriceUsd: number | undefined;
  /** Why the invocation is unpriced. */
  readonly reason: string | undefined;
}

export type ExplainedPrice = PriceResult & { readonly explanation: PriceExplanation };

/** The row's price (exactly what priceInvocation gives) and the arithmetic behind it. */
export function explainInvocation(request: PriceRequest): ExplainedPrice {
  const quote = quotePrice(request.model, request.region, request.timestampMs);
  const result = priceInvocation(request);
  return {
    ...result,
    explanation: explanationOf(quote, request, linesOf(quote, request), costFor(quote, request)),
  };
}

function tokenLines(usage: TokenUsage, rates: TokenRatesUsd): PriceLine[] {
  const lines: PriceLine[] = [];
  const line = (label: string, direction: 'input' | 'output', quantity: number, rate: number) =>
    lines.push({
      label,
      direction,
      quantity,
      unit: 'tokens',
      rateUsd: rate,
      per: MILLION,
      costUsd: roundCost((quantity * rate) / MILLION),
    });
  const uncached = usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens;
  line(
    usage.cacheReadTokens + usage.cacheWriteTokens > 0 ? 'input (not cached)' : 'input',
    'input',
    uncached,
    rates.input,
  );
  if (usage.cacheReadTokens > 0) line('cache read', 'input', usage.cacheReadTokens, rates.cacheRead);
  if (usage.cacheWriteTokens > 0) line('cache write', 'input', usage.cacheWriteTokens, rates.cacheWrite);
  line('output', 'output', usage.outputTokens, rates.output);
  return lines;
}

/** The lines of costFor's arithmetic, step for step; where it gives up, the lines stop. */
function linesOf(quote: PriceQuote, request: PriceRequest): PriceLine[] {
  if (quote.kind === 'unpriced') return [];
  if (quote.kind === 'package') {
    const usage = packageUsageOf(quote, request);
    if (typeof usage === 'string') return [];
    if (quote.tokenRates !== undefined) return tokenLines(usage, quote.tokenRates);
    let cost: ReturnType<typeof calcPackageCost>;
    try {
      cost = calcPackageCost(quote.packagePrice, usage, new Date(request.timestampMs));
    } catch {
      return [];
    }
    if (cost === undefined) return [];
    const tiered = { unit: 'tokens', rateUsd: undefined, per: MILLION } as const;
    return [
      {
        ...tiered,
        label: 'input incl. cache (tiered, by calcPrice)',
        direction: 'input',
        quantity: usage.inputTokens,
        costUsd: roundCost(cost.inputUsd),
      },
      {
        ...tiered,
        label: 'output (tiered, by calcPrice)',
        direction: 'output',
        quantity: usage.outputTokens,
        costUsd: roundCost(cost.outputUsd),
      },
    ];
  }
  const lines: PriceLine[] = [];
  const { entry, tokenRates } = quote;
  if (tokenRates !== undefined) {
    const usage = tokenUsageOf(request, tokenRates.needsOutput);
    if (typeof usage === 'string') return lines;
    lines.push(...tokenLines(usage, tokenRates));
  }
  const perImage = imagePrice(entry.prices, request, entry.model);
  if (typeof perImage === 'string') return lines;
  if (perImage !== undefined) {
    if (request.imageCount === undefined) return lines;
    lines.push({
      label: `image (${perImage.variant})`,
      direction: 'output',
      quantity: request.imageCount,
      unit: 'images',
      rateUsd: perImage.usd,
      per: 1,
      costUsd: roundCost(request.imageCount * perImage.usd),
    });
  }
  const perEmbedding = entry.prices.per_embedding;
  if (perEmbedding !== undefined) {
    if (request.embeddingCount === undefined) return lines;
    lines.push({
      label: 'embedding',
      direction: 'output',
      quantity: request.embeddingCount,
      unit: 'embeddings',
      rateUsd: perEmbedding,
      per: 1,
      costUsd: roundCost(request.embeddingCount * perEmbedding),
    });
  }
  return lines;
}

function explanationOf(
  quote: PriceQuote,
  request: PriceRequest,
  lines: readonly PriceLine[],
  cost: CostOutcome,
): PriceExplanation {
  const priced = typeof cost !== 'string';
  const subtotal = priced ? cost.inputUsd + cost.outputUsd : undefined;
  return {
    lookupId: quote.lookupId,
    basis: quote.kind === 'unpriced' ? 'none' : quote.kind,
    matched:
      quote.kind === 'package'
        ? quote.packagePrice.packageModelId
        : quote.kind === 'override'
          ? quote.entry.model
          : undefined,
    matchedNote: quote.kind === 'override' ? quote.entry.note : undefined,
    lines,
    subtotalUsd: subtotal === undefined ? undefined : roundCost(subtotal),
    adjustments: quote.adjustments,
    factor: quote.factor,
    totalUsd: subtotal === undefined ? undefined : roundCost(subtotal * quote.factor),
    packageCalcPriceUsd: priced && quote.kind === 'package' ? packageCrossCheck(quote, request) : undefined,
    reason: priced ? undefined : cost,
  };
}

function packageCrossCheck(
  quote: PriceQuote & { kind: 'package' },
  request: PriceRequest,
): number | undefined {
  const usage = tokenUsageOf(request, false);
  if (typeof usage === 'string') return undefined;
  const cost = calcPackageCost(quote.packagePrice, usage, new Date(request.timestampMs));
  return cost === undefined ? undefined : roundCost((cost.inputUsd + cost.outputUsd) * quote.factor);
}

/** Rates as a price list shows them, after multipliers and discounts. */
export interface QuotedRates {
  readonly inputMtok: number | undefined;
  /** What a cache read is billed at (the input rate when the model has no cache-read price). */
  readonly cacheReadMtok: number | undefined;
  readonly cacheWriteMtok: number | undefined;
  readonly outputMtok: number | undefined;
  readonly perImage:
    | readonly { readonly quality?: ImageQuality; readonly maxPixels?: number; readonly usd: number }[]
    | undefined;
  readonly perEmbedding: number | undefined;
  /** The package prices by tier of prompt size; the rates shown are the base tier. */
  readonly tiered: boolean;
}

function baseRate(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'base' in value && typeof value.base === 'number')
    return value.base;
  return undefined;
}

export function ratesOf(quote: PriceQuote): QuotedRates | undefined {
  if (quote.kind === 'unpriced') return undefined;
  const scale = (rate: number | undefined) =>
    rate === undefined ? undefined : roundCost(rate * quote.factor);
  if (quote.kind === 'package') {
    const price = quote.packagePrice.price;
    const input = baseRate(price['input_mtok']);
    return {
      inputMtok: scale(input),
      cacheReadMtok: scale(baseRate(price['cache_read_mtok']) ?? input),
      cacheWriteMtok: scale(baseRate(price['cache_write_mtok']) ?? input),
      outputMtok: scale(baseRate(price['output_mtok'])),
      perImage: undefined,
      perEmbedding: undefined,
      tiered: quote.packagePrice.linearRates === undefined,
    };
  }
  const prices = quote.entry.prices;
  const imageVariants =
    prices.per_image !== undefined
      ? [{ usd: prices.per_image }]
      : prices.per_image_variants?.map((variant) => ({
          ...(variant.quality === undefined ? {} : { quality: variant.quality }),
          ...(variant.max_pixels === undefined ? {} : { maxPixels: variant.max_pixels }),
          usd: variant.usd,
        }));
  return {
    inputMtok: scale(prices.input_mtok),
    cacheReadMtok: scale(prices.cache_read_mtok ?? prices.input_mtok),
    cacheWriteMtok: scale(prices.cache_write_mtok ?? prices.input_mtok),
    outputMtok: scale(prices.output_mtok),
    perImage: imageVariants?.map((variant) => ({ ...variant, usd: roundCost(variant.usd * quote.factor) })),
    perEmbedding: scale(prices.per_embedding),
    tiered: false,
  };
}
