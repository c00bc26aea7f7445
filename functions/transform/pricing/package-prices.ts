import {
  calcPrice,
  findProvider,
  type ModelInfo,
  type ModelPrice,
  type Provider,
  type Usage,
} from './genai-prices-aws.js';

/**
 * The maintained price table: @pydantic/genai-prices, provider `aws`, pinned exactly in package.json and never
 * updated at run time (no `updatePrices`), so replaying a record gives the same price. A test checks that this
 * constant, package.json and the installed package agree. The Lambda loads the package through
 * genai-prices-aws.js (generated from it: its code with only the AWS data, for cold start); tests prove that
 * copy is current and prices every AWS model as the package does.
 */
export const GENAI_PRICES_VERSION = '0.1.8';
export const GENAI_PRICES_SOURCE = `@pydantic/genai-prices@${GENAI_PRICES_VERSION}`;

function loadAwsProvider(): Provider {
  const provider = findProvider({ providerId: 'aws' });
  if (provider === undefined) throw new Error(`${GENAI_PRICES_SOURCE} has no "aws" provider`);
  return provider;
}

const AWS_PROVIDER: Provider = loadAwsProvider();

/** USD per million tokens as the package lists them for one model on one day; undefined = not priced. */
export interface TokenRates {
  readonly inputMtok: number | undefined;
  readonly outputMtok: number | undefined;
  readonly cacheReadMtok: number | undefined;
  readonly cacheWriteMtok: number | undefined;
}

export interface PackagePrice {
  /** The id the package was asked about (the system profile id or the model id). */
  readonly lookupId: string;
  /** The package's own model id, e.g. `regional.anthropic.claude-sonnet-4-20250514-v1:0`. */
  readonly packageModelId: string;
  readonly packageModelName: string | undefined;
  /** The price in force on the invocation's day. */
  readonly price: ModelPrice;
  /**
   * Set when every price is a plain number of a token unit the rows report (or never report): the package's
   * cost is then a sum of count × rate, computed here without the package's per-call validation (it costs
   * 10–30 µs a call). A test checks this arithmetic against `calcPrice` for every model of the provider.
   */
  readonly linearRates: TokenRates | undefined;
  /** False when a price depends on the time of day, so a per-day cache would be wrong. */
  readonly stableForTheDay: boolean;
  /** Only the matched model: a per-row `calcPrice` (tiered prices) then skips the search over all models. */
  readonly provider: Provider;
}

export interface TokenUsage {
  /** All input tokens, cache reads and writes included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

export interface CostSplit {
  readonly inputUsd: number;
  readonly outputUsd: number;
}

// Price keys whose usage is a token count we pass (the first four) or one rows never carry, which the package
// then counts as zero. Anything else (per request, tiered, per second) goes through calcPrice itself.
const LINEAR_PRICE_KEYS: ReadonlySet<string> = new Set([
  'input_mtok',
  'output_mtok',
  'cache_read_mtok',
  'cache_write_mtok',
  'cache_write_1h_mtok',
  'input_audio_mtok',
  'output_audio_mtok',
]);

/** Per-token rates when the cost is linear in the counts we report, else undefined (tiered, per request, …). */
export function linearRatesOf(price: ModelPrice): TokenRates | undefined {
  for (const [key, value] of Object.entries(price)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !LINEAR_PRICE_KEYS.has(key)) return undefined;
  }
  return {
    inputMtok: plainRate(price['input_mtok']),
    outputMtok: plainRate(price['output_mtok']),
    cacheReadMtok: plainRate(price['cache_read_mtok']),
    cacheWriteMtok: plainRate(price['cache_write_mtok']),
  };
}

function plainRate(value: ModelPrice[string]): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function dependsOnTimeOfDay(model: ModelInfo): boolean {
  return Array.isArray(model.prices) && model.prices.some((p) => p.constraint?.type === 'time_of_date');
}

/** The package's price for an id on a date, or undefined when the `aws` provider has no model for it. */
export function lookupPackagePrice(lookupId: string, at: Date): PackagePrice | undefined {
  // A zero usage still resolves the model and its dated price; the result's prices are simply 0.
  const probe = calcPrice({ input_tokens: 0, output_tokens: 0 }, lookupId, {
    providerId: AWS_PROVIDER.id,
    timestamp: at,
  });
  if (probe === null) return undefined;
  return {
    lookupId,
    packageModelId: probe.model.id,
    packageModelName: probe.model.name,
    price: probe.model_price,
    linearRates: linearRatesOf(probe.model_price),
    stableForTheDay: !dependsOnTimeOfDay(probe.model),
    provider: { ...probe.provider, models: [probe.model] },
  };
}

/** The package's usage object: `input_tokens` is the total, cache counts are parts of it. */
export function toPackageUsage(usage: TokenUsage): Usage {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_read_tokens: usage.cacheReadTokens,
    cache_write_tokens: usage.cacheWriteTokens,
  };
}

/** Cost by the package's own `calcPrice`, restricted to the already matched model. */
export function calcPackageCost(price: PackagePrice, usage: TokenUsage, at: Date): CostSplit | undefined {
  const result = calcPrice(toPackageUsage(usage), price.lookupId, {
    provider: price.provider,
    timestamp: at,
  });
  return result === null ? undefined : { inputUsd: result.input_price, outputUsd: result.output_price };
}

/**
 * Cache tokens the model has no rate for are billed as plain input, as the package does (its cache units are
 * parts of the input unit, and an unpriced part falls back to the whole).
 */
export function effectiveCacheRates(rates: TokenRates): { readonly read: number; readonly write: number } {
  return {
    read: rates.cacheReadMtok ?? rates.inputMtok ?? 0,
    write: rates.cacheWriteMtok ?? rates.inputMtok ?? 0,
  };
}

/** The pinned `aws` provider as the package ships it (for the equivalence test). */
export function awsProvider(): Provider {
  return AWS_PROVIDER;
}
