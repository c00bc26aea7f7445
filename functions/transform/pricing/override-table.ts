import type {
  Discount,
  Multiplier,
  OverrideEntry,
  PriceOverrides,
} from '../../../schemas/price-overrides.ts';

/**
 * The override table made ready for matching: patterns compiled once, dates as UTC day numbers. Matching looks
 * at the foundation model id and the system-profile id, the source region, the price tier and the day.
 */

export const MS_PER_DAY = 86_400_000;

export interface MatchTarget {
  /** Foundation model id, e.g. `anthropic.claude-sonnet-4-20250514-v1:0`. */
  readonly model: string;
  /** The id that decides the price: `us.…`/`global.…` profile id, or the model id. */
  readonly pricingModelId: string;
  readonly vendor: string;
  readonly tier: 'global' | 'regional';
  readonly region: string | undefined;
  /** UTC day number (ms since the epoch / 86 400 000, floored). */
  readonly day: number;
}

interface IdMatcher {
  readonly exact: string | undefined;
  readonly pattern: RegExp | undefined;
}

interface Dated {
  readonly fromDay: number;
  readonly toDay: number;
}

export interface CompiledEntry extends Dated {
  readonly entry: OverrideEntry;
  readonly matcher: IdMatcher;
}

export interface CompiledAdjustment<A> extends Dated {
  readonly adjustment: A;
  readonly matcher: IdMatcher | undefined;
}

export interface CompiledOverrides {
  readonly id: string;
  readonly entries: readonly CompiledEntry[];
  readonly multipliers: readonly CompiledAdjustment<Multiplier>[];
  readonly discounts: readonly CompiledAdjustment<Discount>[];
}

function compileIdMatcher(pattern: string): IdMatcher {
  if (!pattern.includes('*')) return { exact: pattern, pattern: undefined };
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return { exact: undefined, pattern: new RegExp(`^${source}$`) };
}

function dayOf(date: string | undefined, fallback: number): number {
  return date === undefined ? fallback : Math.floor(Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY);
}

function compileDates(dated: {
  effectiveFrom?: string | undefined;
  effectiveTo?: string | undefined;
}): Dated {
  return {
    fromDay: dayOf(dated.effectiveFrom, Number.NEGATIVE_INFINITY),
    toDay: dayOf(dated.effectiveTo, Number.POSITIVE_INFINITY),
  };
}

export function compileOverrides(table: PriceOverrides): CompiledOverrides {
  const compileAdjustment = <A extends Multiplier | Discount>(adjustment: A): CompiledAdjustment<A> => ({
    adjustment,
    matcher: adjustment.model === undefined ? undefined : compileIdMatcher(adjustment.model),
    ...compileDates(adjustment),
  });
  return {
    id: table.id,
    entries: table.entries.map((entry) => ({
      entry,
      matcher: compileIdMatcher(entry.model),
      ...compileDates(entry),
    })),
    multipliers: table.multipliers.map(compileAdjustment),
    discounts: table.discounts.map(compileAdjustment),
  };
}

/** 2: exact profile id (`eu.anthropic.…`), 1: exact model id, 0: pattern, -1: no match. */
function idMatchRank(matcher: IdMatcher, target: MatchTarget): number {
  if (matcher.exact !== undefined) {
    if (matcher.exact === target.pricingModelId && target.pricingModelId !== target.model) return 2;
    return matcher.exact === target.model ? 1 : -1;
  }
  const pattern = matcher.pattern;
  if (pattern === undefined) return -1;
  return pattern.test(target.model) || pattern.test(target.pricingModelId) ? 0 : -1;
}

function inForce(dated: Dated, day: number): boolean {
  return day >= dated.fromDay && day < dated.toDay;
}

function scopeMatches(
  scope: { readonly region?: string | undefined; readonly tier?: string | undefined },
  target: MatchTarget,
): boolean {
  return (
    (scope.region === undefined || scope.region === target.region) &&
    (scope.tier === undefined || scope.tier === target.tier)
  );
}

/**
 * The entry that prices this invocation, or undefined. Several may match; the most specific wins: a profile id
 * over a model id over a pattern, then one scoped to the region, then to the tier, then the one that started
 * latest, then the first in the file.
 */
export function findOverrideEntry(table: CompiledOverrides, target: MatchTarget): CompiledEntry | undefined {
  let best: CompiledEntry | undefined;
  let bestScore = -1;
  for (const compiled of table.entries) {
    if (!inForce(compiled, target.day) || !scopeMatches(compiled.entry, target)) continue;
    const rank = idMatchRank(compiled.matcher, target);
    if (rank < 0) continue;
    const score =
      rank * 4 + (compiled.entry.region === undefined ? 0 : 2) + (compiled.entry.tier === undefined ? 0 : 1);
    if (score > bestScore || (score === bestScore && best !== undefined && compiled.fromDay > best.fromDay)) {
      best = compiled;
      bestScore = score;
    }
  }
  return best;
}

function adjustmentMatches<A extends Multiplier | Discount>(
  compiled: CompiledAdjustment<A>,
  target: MatchTarget,
): boolean {
  const { adjustment } = compiled;
  return (
    inForce(compiled, target.day) &&
    scopeMatches(adjustment, target) &&
    (adjustment.vendor === undefined || adjustment.vendor === target.vendor) &&
    (compiled.matcher === undefined || idMatchRank(compiled.matcher, target) >= 0)
  );
}

/** Every multiplier, then every discount, that applies; all of them multiply the cost. */
export function findAdjustments(
  table: CompiledOverrides,
  target: MatchTarget,
): { readonly multipliers: readonly Multiplier[]; readonly discounts: readonly Discount[] } {
  return {
    multipliers: table.multipliers.filter((m) => adjustmentMatches(m, target)).map((m) => m.adjustment),
    discounts: table.discounts.filter((d) => adjustmentMatches(d, target)).map((d) => d.adjustment),
  };
}
