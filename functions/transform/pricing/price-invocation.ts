import type {
  Discount,
  ImageQuality,
  Multiplier,
  OverrideEntry,
  OverridePrices,
  PriceOverrides,
} from '../../../schemas/price-overrides.ts';
import type { ResolvedModel } from '../row/model-id.ts';
import {
  type CompiledOverrides,
  compileOverrides,
  findAdjustments,
  findOverrideEntry,
  MS_PER_DAY,
} from './override-table.ts';
import bundledOverrides from './overrides.json' with { type: 'json' };
import {
  type CostSplit,
  calcPackageCost,
  effectiveCacheRates,
  GENAI_PRICES_SOURCE,
  lookupPackagePrice,
  type PackagePrice,
  type TokenUsage,
} from './package-prices.ts';

/**
 * The price of one invocation, with its provenance. Order of precedence: the override table
 * (overrides.json, always wins) → the pinned @pydantic/genai-prices `aws` provider → unpriced. Multipliers and
 * discounts of the table apply on top of either and are named in the source. An unpriced invocation carries no
 * cost at all and the warning `price_missing`: an unknown model is never $0.
 *
 * It runs for every row on the Lambda's hot path: the lookup (model match, dated price, overrides) is cached per
 * pricing id, region and UTC day; a call then costs a few map reads and a handful of multiplications.
 */

export interface PriceRequest {
  readonly model: ResolvedModel;
  /** `cloud_region`: the source region, where the call is billed. */
  readonly region: string | undefined;
  /** Invocation time (ms since the epoch): the price in force then is used. */
  readonly timestampMs: number;
  readonly operationName: 'chat' | 'text_completion' | 'embeddings' | 'generate_content';
  /** All input tokens, cache reads and writes included (the row's gen_ai_usage_input_tokens). */
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly cacheReadTokens: number | undefined;
  readonly cacheWriteTokens: number | undefined;
  readonly imageCount: number | undefined;
  readonly embeddingCount: number | undefined;
  /** Size of the generated images, when known (envelope outputImageWidth/Height or the request body). */
  readonly imageSize?: { readonly width: number; readonly height: number } | undefined;
  /**
   * Titan/Nova `imageGenerationConfig.quality`; for SDXL, `premium` when steps > 50. Absent means the API
   * default, `standard`.
   */
  readonly imageQuality?: ImageQuality | undefined;
}

export type PriceStatus = 'priced' | 'override' | 'unpriced';
export type PriceWarning = 'price_missing';

export interface AppliedAdjustment {
  readonly kind: 'multiplier' | 'discount';
  readonly id: string;
  readonly factor: number;
  readonly note: string;
}

export interface PriceResult {
  readonly status: PriceStatus;
  readonly costUsd?: number;
  readonly inputCostUsd?: number;
  readonly outputCostUsd?: number;
  /** `@pydantic/genai-prices@0.1.8` or the override table id, then ` × <table id>#<adjustment id>` per adjustment. */
  readonly source?: string;
  readonly tier: 'global' | 'regional';
  readonly warnings: readonly PriceWarning[];
}

interface QuoteCommon {
  readonly tier: 'global' | 'regional';
  readonly lookupId: string | undefined;
  readonly adjustments: readonly AppliedAdjustment[];
  /** Product of every adjustment's factor. */
  readonly factor: number;
}

/** What prices a model from a region on a day, before any usage is known. */
export type PriceQuote =
  | (QuoteCommon & { readonly kind: 'unpriced'; readonly reason: string })
  | (QuoteCommon & {
      readonly kind: 'package';
      readonly source: string;
      readonly packagePrice: PackagePrice;
      /** USD per 1M tokens, cache fallbacks applied; undefined for tiered prices (calcPrice per row). */
      readonly tokenRates: TokenRatesUsd | undefined;
    })
  | (QuoteCommon & {
      readonly kind: 'override';
      readonly source: string;
      readonly entry: OverrideEntry;
      /** USD per 1M tokens, cache fallbacks applied; undefined when the entry has no token price. */
      readonly tokenRates: TokenRatesUsd | undefined;
    });

/** USD per million tokens of each kind, as charged (a missing cache rate already replaced by the input rate). */
export interface TokenRatesUsd {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** Whether the price has an output rate at all (embeddings have none, so no output count is needed). */
  readonly needsOutput: boolean;
}

export interface Pricer {
  readonly overridesId: string;
  priceInvocation(request: PriceRequest): PriceResult;
  quote(model: ResolvedModel, region: string | undefined, timestampMs: number): PriceQuote;
}

const NO_WARNINGS: readonly PriceWarning[] = Object.freeze([]);
const PRICE_MISSING: readonly PriceWarning[] = Object.freeze(['price_missing'] as const);
export const MILLION = 1_000_000;
// Rows are compared and summed in dashboards; 1e-10 USD keeps goldens stable across float noise.
const COST_PRECISION = 1e10;
const MEMO_LIMIT = 50_000;

export function roundCost(usd: number): number {
  return Math.round(usd * COST_PRECISION) / COST_PRECISION;
}

function adjustmentsFor(
  multipliers: readonly Multiplier[],
  discounts: readonly Discount[],
): readonly AppliedAdjustment[] {
  return [
    ...multipliers.map((m) => ({ kind: 'multiplier' as const, id: m.id, factor: m.factor, note: m.note })),
    ...discounts.map((d) => ({ kind: 'discount' as const, id: d.id, factor: d.factor, note: d.note })),
  ];
}

function sourceWith(base: string, tableId: string, adjustments: readonly AppliedAdjustment[]): string {
  return adjustments.reduce((source, adjustment) => `${source} × ${tableId}#${adjustment.id}`, base);
}

/** The package keeps global and regional prices as separate models; a tier-specific one must fit the call. */
function packageTierConflict(packageModelId: string, tier: 'global' | 'regional'): boolean {
  return (
    (tier === 'regional' && packageModelId.startsWith('global.')) ||
    (tier === 'global' && packageModelId.startsWith('regional.'))
  );
}

function buildQuote(
  table: CompiledOverrides,
  model: ResolvedModel,
  region: string | undefined,
  timestampMs: number,
): PriceQuote {
  const tier = model.priceTier;
  const lookupId = model.pricingModelId;
  const unpriced = (reason: string): PriceQuote => ({
    kind: 'unpriced',
    tier,
    lookupId,
    reason,
    adjustments: [],
    factor: 1,
  });
  if (lookupId === undefined || model.model === undefined) {
    return unpriced('model not resolved to a Bedrock model id (configure applicationProfiles / modelArns)');
  }
  if (!Number.isFinite(timestampMs)) return unpriced('invocation time unknown');
  const target = {
    model: model.model,
    pricingModelId: lookupId,
    vendor: model.vendor,
    tier,
    region,
    day: Math.floor(timestampMs / MS_PER_DAY),
  };
  const { multipliers, discounts } = findAdjustments(table, target);
  const adjustments = adjustmentsFor(multipliers, discounts);
  const factor = adjustments.reduce((product, adjustment) => product * adjustment.factor, 1);
  const override = findOverrideEntry(table, target);
  if (override !== undefined) {
    return {
      kind: 'override',
      tier,
      lookupId,
      adjustments,
      factor,
      source: sourceWith(table.id, table.id, adjustments),
      entry: override.entry,
      tokenRates: overrideTokenRates(override.entry.prices),
    };
  }
  const packagePrice = lookupPackagePrice(lookupId, new Date(timestampMs));
  if (packagePrice === undefined) {
    return unpriced(`no price for ${lookupId} in ${GENAI_PRICES_SOURCE} (aws) nor in ${table.id}`);
  }
  if (packageTierConflict(packagePrice.packageModelId, tier)) {
    return unpriced(
      `${GENAI_PRICES_SOURCE} matched ${packagePrice.packageModelId}, which is not a ${tier} price for ${lookupId}`,
    );
  }
  return {
    kind: 'package',
    tier,
    lookupId,
    adjustments,
    factor,
    source: sourceWith(GENAI_PRICES_SOURCE, table.id, adjustments),
    packagePrice,
    tokenRates: packageTokenRates(packagePrice),
  };
}

function packageTokenRates(packagePrice: PackagePrice): TokenRatesUsd | undefined {
  const rates = packagePrice.linearRates;
  if (rates === undefined) return undefined;
  const cache = effectiveCacheRates(rates);
  return {
    input: rates.inputMtok ?? 0,
    output: rates.outputMtok ?? 0,
    cacheRead: cache.read,
    cacheWrite: cache.write,
    needsOutput: rates.outputMtok !== undefined,
  };
}

function overrideTokenRates(prices: OverridePrices): TokenRatesUsd | undefined {
  const hasTokenPrice =
    prices.input_mtok !== undefined ||
    prices.output_mtok !== undefined ||
    prices.cache_read_mtok !== undefined ||
    prices.cache_write_mtok !== undefined;
  if (!hasTokenPrice) return undefined;
  const input = prices.input_mtok ?? 0;
  return {
    input,
    output: prices.output_mtok ?? 0,
    cacheRead: prices.cache_read_mtok ?? input,
    cacheWrite: prices.cache_write_mtok ?? input,
    needsOutput: prices.output_mtok !== undefined,
  };
}

/** The cost split, or why the invocation cannot be priced. */
export type CostOutcome = CostSplit | string;

export function tokenUsageOf(request: PriceRequest, needsOutput: boolean): TokenUsage | string {
  if (request.inputTokens === undefined) return 'input token count missing';
  if (needsOutput && request.outputTokens === undefined) return 'output token count missing';
  const usage = {
    inputTokens: request.inputTokens,
    outputTokens: request.outputTokens ?? 0,
    cacheReadTokens: request.cacheReadTokens ?? 0,
    cacheWriteTokens: request.cacheWriteTokens ?? 0,
  };
  if (usage.cacheReadTokens + usage.cacheWriteTokens > usage.inputTokens) {
    return 'cache tokens exceed the input tokens (input must include cache reads and writes)';
  }
  return usage;
}

/** Σ count × rate per million. */
export function tokenCost(usage: TokenUsage, rates: TokenRatesUsd): CostSplit {
  const uncached = usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens;
  const input = (uncached * rates.input) / MILLION;
  const cacheRead = (usage.cacheReadTokens * rates.cacheRead) / MILLION;
  const cacheWrite = (usage.cacheWriteTokens * rates.cacheWrite) / MILLION;
  const output = (usage.outputTokens * rates.output) / MILLION;
  return { inputUsd: input + cacheRead + cacheWrite, outputUsd: output };
}

/** The usage a package price is computed from, or why there is none. */
export function packageUsageOf(
  quote: PriceQuote & { kind: 'package' },
  request: PriceRequest,
): TokenUsage | string {
  const rates = quote.tokenRates;
  const needsOutput = rates?.needsOutput ?? quote.packagePrice.price['output_mtok'] !== undefined;
  return tokenUsageOf(request, needsOutput);
}

function packageCost(quote: PriceQuote & { kind: 'package' }, request: PriceRequest): CostOutcome {
  const usage = packageUsageOf(quote, request);
  if (typeof usage === 'string') return usage;
  if (quote.tokenRates !== undefined) return tokenCost(usage, quote.tokenRates);
  return tieredPackageCost(quote.packagePrice, usage, request.timestampMs);
}

/** Tiered or otherwise non-linear prices: the package's own calcPrice, per row (rare models only). */
export function tieredPackageCost(
  packagePrice: PackagePrice,
  usage: TokenUsage,
  timestampMs: number,
): CostOutcome {
  let cost: CostSplit | undefined;
  try {
    cost = calcPackageCost(packagePrice, usage, new Date(timestampMs));
  } catch (error) {
    return `${GENAI_PRICES_SOURCE} rejected the usage: ${(error as Error).message}`;
  }
  return cost ?? `${GENAI_PRICES_SOURCE} no longer matches ${packagePrice.lookupId}`;
}

export interface ImagePrice {
  readonly usd: number;
  /** Which price applied, for the explanation: `standard, up to 1048576 px`. */
  readonly variant: string;
}

export function imagePrice(
  prices: OverridePrices,
  request: PriceRequest,
  model: string,
): ImagePrice | string | undefined {
  if (prices.per_image !== undefined) return { usd: prices.per_image, variant: 'any size and quality' };
  const variants = prices.per_image_variants;
  if (variants === undefined) return undefined;
  const quality = request.imageQuality ?? 'standard';
  const size = request.imageSize;
  for (const variant of variants) {
    if (variant.quality !== undefined && variant.quality !== quality) continue;
    if (variant.max_pixels !== undefined) {
      if (size === undefined) return `image size unknown; ${model} is priced by image size`;
      if (size.width * size.height > variant.max_pixels) continue;
    }
    const sizeText = variant.max_pixels === undefined ? 'any size' : `up to ${variant.max_pixels} px`;
    return { usd: variant.usd, variant: `${variant.quality ?? 'any quality'}, ${sizeText}` };
  }
  const sizeText = size === undefined ? '' : ` at ${size.width} × ${size.height}`;
  return `no image price for ${model} in ${quality} quality${sizeText}`;
}

function overrideCost(quote: PriceQuote & { kind: 'override' }, request: PriceRequest): CostOutcome {
  const { entry, tokenRates } = quote;
  const { prices } = entry;
  let inputUsd = 0;
  let outputUsd = 0;
  if (tokenRates !== undefined) {
    const usage = tokenUsageOf(request, tokenRates.needsOutput);
    if (typeof usage === 'string') return usage;
    const cost = tokenCost(usage, tokenRates);
    inputUsd += cost.inputUsd;
    outputUsd += cost.outputUsd;
  }
  const perImage = imagePrice(prices, request, entry.model);
  if (typeof perImage === 'string') return perImage;
  if (perImage !== undefined) {
    if (request.imageCount === undefined) return 'image count missing';
    outputUsd += request.imageCount * perImage.usd;
  }
  if (prices.per_embedding !== undefined) {
    if (request.embeddingCount === undefined) return 'embedding count missing';
    outputUsd += request.embeddingCount * prices.per_embedding;
  }
  return { inputUsd, outputUsd };
}

export function costFor(quote: PriceQuote, request: PriceRequest): CostOutcome {
  switch (quote.kind) {
    case 'unpriced':
      return quote.reason;
    case 'package':
      return packageCost(quote, request);
    case 'override':
      return overrideCost(quote, request);
  }
}

function resultOf(quote: PriceQuote, request: PriceRequest): PriceResult {
  const cost = costFor(quote, request);
  if (typeof cost === 'string' || quote.kind === 'unpriced')
    return { status: 'unpriced', tier: quote.tier, warnings: PRICE_MISSING };
  const inputCostUsd = roundCost(cost.inputUsd * quote.factor);
  const outputCostUsd = roundCost(cost.outputUsd * quote.factor);
  return {
    status: quote.kind === 'override' ? ('override' as const) : ('priced' as const),
    costUsd: roundCost((cost.inputUsd + cost.outputUsd) * quote.factor),
    inputCostUsd,
    outputCostUsd,
    source: quote.source,
    tier: quote.tier,
    warnings: NO_WARNINGS,
  };
}

/** A pricer over one override table, with its own cache. */
export function createPricer(overrides: PriceOverrides): Pricer {
  const table = compileOverrides(overrides);
  // pricing id → region → UTC day → quote. Nested maps: no key string is built per call.
  const memo = new Map<string, Map<string, Map<number, PriceQuote>>>();
  let memoSize = 0;

  const cached = (lookupId: string, regionKey: string, day: number): PriceQuote | undefined =>
    memo.get(lookupId)?.get(regionKey)?.get(day);

  const remember = (lookupId: string, regionKey: string, day: number, built: PriceQuote): void => {
    if (memoSize >= MEMO_LIMIT) {
      memo.clear();
      memoSize = 0;
    }
    let byRegion = memo.get(lookupId);
    if (byRegion === undefined) {
      byRegion = new Map();
      memo.set(lookupId, byRegion);
    }
    let byDay = byRegion.get(regionKey);
    if (byDay === undefined) {
      byDay = new Map();
      byRegion.set(regionKey, byDay);
    }
    byDay.set(day, built);
    memoSize += 1;
  };

  const quote = (model: ResolvedModel, region: string | undefined, timestampMs: number): PriceQuote => {
    const lookupId = model.pricingModelId;
    if (lookupId === undefined || !Number.isFinite(timestampMs))
      return buildQuote(table, model, region, timestampMs);
    const day = Math.floor(timestampMs / MS_PER_DAY);
    const regionKey = region ?? '';
    const hit = cached(lookupId, regionKey, day);
    if (hit !== undefined) return hit;
    const built = buildQuote(table, model, region, timestampMs);
    if (built.kind !== 'package' || built.packagePrice.stableForTheDay)
      remember(lookupId, regionKey, day, built);
    return built;
  };

  return {
    overridesId: table.id,
    quote,
    priceInvocation: (request) =>
      resultOf(quote(request.model, request.region, request.timestampMs), request),
  };
}

/**
 * The table shipped in the repo. It is validated by PriceOverridesSchema in the test suite (which also checks
 * that parsing changes nothing, so this typed view is exact) and by `prices check`, not at cold start: zod
 * would add tens of milliseconds to every Lambda init for a file that cannot change after the build.
 */
export const BUNDLED_OVERRIDES: PriceOverrides = bundledOverrides as PriceOverrides;

const bundledPricer = createPricer(BUNDLED_OVERRIDES);

/** Price one invocation with the bundled override table and the pinned package. */
export function priceInvocation(request: PriceRequest): PriceResult {
  return bundledPricer.priceInvocation(request);
}

/** What would price this model from this region on this day (rates and source, no usage). */
export function quotePrice(
  model: ResolvedModel,
  region: string | undefined,
  timestampMs: number,
): PriceQuote {
  return bundledPricer.quote(model, region, timestampMs);
}
