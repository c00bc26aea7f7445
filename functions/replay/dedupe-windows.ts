/**
 * The searches that look rows up for dedupe. OpenObserve cuts a `_search` range longer than the stream's
 * `max_query_range` (whole hours; else the global default in days) short by moving `start_time` forward,
 * without failing (openobserve-contract.md §10), so one search over rows spread across days would look the
 * older ones up nowhere. Each search therefore covers at most one hour, padding included: no positive
 * `max_query_range` is shorter, so no search is ever cut. The stream's own setting is not read to widen the
 * bound: the contract does not say where the schema answer carries it, and the limit the server applies can
 * come from elsewhere (the global default), so the fixed bound is the one that holds on every server.
 */

/** One key to look up around one time (µs): a row at its `_timestamp`; a restamped row also at its original time. */
export interface Probe {
  readonly key: string;
  readonly timeUs: number;
}

/** One search: these keys, over [startUs, endUs] (µs, whole). */
export interface SearchWindow {
  readonly startUs: number;
  readonly endUs: number;
  readonly keys: readonly string[];
}

/** The longest range one search may cover, padding included. The server cuts only a range longer than this. */
export const MAX_SEARCH_SPAN_US = 3_600_000_000;
/**
 * Either side of the rows' times: a row the live pipeline made may carry the log event's millisecond time
 * where this run has the log's own second.
 */
export const SEARCH_PAD_US = 1_000_000;
/** Keys per search (the SQL `IN` list). */
export const KEYS_PER_SEARCH = 500;

/**
 * Probes grouped into as few searches as the bound allows: sorted by time, each window starts at its earliest
 * probe and takes every later one within the span, then is split into searches of at most `keysPerSearch`
 * keys. Rows of one S3 object or one CloudWatch hour make one window; a restamped batch makes two (around the
 * original times and around the new ones). A probe whose time is not a finite number cannot be looked up.
 */
export function searchWindows(
  probes: readonly Probe[],
  keysPerSearch: number = KEYS_PER_SEARCH,
): SearchWindow[] {
  const sorted = probes
    .filter((probe) => Number.isFinite(probe.timeUs))
    .map((probe) => ({ key: probe.key, startUs: Math.floor(probe.timeUs), endUs: Math.ceil(probe.timeUs) }))
    .sort((a, b) => a.startUs - b.startUs);
  const reach = MAX_SEARCH_SPAN_US - 2 * SEARCH_PAD_US;
  const windows: SearchWindow[] = [];
  let index = 0;
  while (index < sorted.length) {
    const first = sorted[index] as (typeof sorted)[number];
    const keys = new Set<string>();
    let endUs = first.endUs;
    for (; index < sorted.length; index++) {
      const probe = sorted[index] as (typeof sorted)[number];
      if (probe.endUs - first.startUs > reach) break;
      keys.add(probe.key);
      endUs = Math.max(endUs, probe.endUs);
    }
    const all = [...keys];
    for (let i = 0; i < all.length; i += keysPerSearch)
      windows.push({
        startUs: first.startUs - SEARCH_PAD_US,
        endUs: endUs + SEARCH_PAD_US,
        keys: all.slice(i, i + keysPerSearch),
      });
  }
  return windows;
}
