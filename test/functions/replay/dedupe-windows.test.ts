import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SEARCH_SPAN_US,
  type Probe,
  SEARCH_PAD_US,
  searchWindows,
} from '../../../functions/replay/dedupe-windows.ts';

const SECOND_US = 1_000_000;
const HOUR_US = 3600 * SECOND_US;
const DAY_US = 24 * HOUR_US;
const T0 = Date.parse('2026-11-26T10:00:00Z') * 1000;

describe('searchWindows', () => {
  it('rows of one hour are one search, padded by a second either side', () => {
    const probes = Array.from({ length: 500 }, (_, i) => ({ key: `r-${i}`, timeUs: T0 + i * 7 * SECOND_US }));
    const windows = searchWindows(probes);
    expect(windows).toEqual([
      {
        startUs: T0 - SEARCH_PAD_US,
        endUs: T0 + 499 * 7 * SECOND_US + SEARCH_PAD_US,
        keys: probes.map((probe) => probe.key),
      },
    ]);
  });

  it('restamped rows are looked up around their original times and around their new ones, separately', () => {
    const restampedTo = T0 + 4 * DAY_US;
    const probes: Probe[] = [];
    for (let i = 0; i < 3; i++) {
      probes.push({ key: `r-${i}`, timeUs: T0 + i * 60 * SECOND_US });
      probes.push({ key: `r-${i}`, timeUs: restampedTo + i * 10 * SECOND_US });
    }
    const windows = searchWindows(probes);
    expect(windows).toEqual([
      {
        startUs: T0 - SEARCH_PAD_US,
        endUs: T0 + 120 * SECOND_US + SEARCH_PAD_US,
        keys: ['r-0', 'r-1', 'r-2'],
      },
      {
        startUs: restampedTo - SEARCH_PAD_US,
        endUs: restampedTo + 20 * SECOND_US + SEARCH_PAD_US,
        keys: ['r-0', 'r-1', 'r-2'],
      },
    ]);
  });

  it('a window with more keys than one search takes is split, same range', () => {
    const probes = Array.from({ length: 1200 }, (_, i) => ({ key: `r-${i}`, timeUs: T0 + i * SECOND_US }));
    const windows = searchWindows(probes);
    expect(windows.map((window) => window.keys.length)).toEqual([500, 500, 200]);
    expect(new Set(windows.map((window) => `${window.startUs}-${window.endUs}`)).size).toBe(1);
    expect(windows.flatMap((window) => window.keys)).toEqual(probes.map((probe) => probe.key));
  });

  it('a search spans at most one hour, padding included: one µs more starts another', () => {
    const reach = MAX_SEARCH_SPAN_US - 2 * SEARCH_PAD_US;
    const fits = searchWindows([
      { key: 'a', timeUs: T0 },
      { key: 'b', timeUs: T0 + reach },
    ]);
    expect(fits).toHaveLength(1);
    expect((fits[0]?.endUs ?? 0) - (fits[0]?.startUs ?? 0)).toBe(HOUR_US);
    const over = searchWindows([
      { key: 'a', timeUs: T0 },
      { key: 'b', timeUs: T0 + reach + 1 },
    ]);
    expect(over.map((window) => window.keys)).toEqual([['a'], ['b']]);
  });

  it('a key appears once per window; a time that is not a number is not searched', () => {
    const windows = searchWindows([
      { key: 'a', timeUs: T0 },
      { key: 'a', timeUs: T0 + SECOND_US },
      { key: 'b', timeUs: Number.NaN },
    ]);
    expect(windows.map((window) => window.keys)).toEqual([['a']]);
  });

  it('any probes: every search is at most an hour, and each probe is inside a search for its key', () => {
    const probe = fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      timeUs: fc.integer({ min: T0, max: T0 + 10 * DAY_US }),
    });
    fc.assert(
      fc.property(fc.array(probe, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (probes, perSearch) => {
        const windows = searchWindows(probes, perSearch);
        for (const window of windows) {
          expect(window.endUs - window.startUs).toBeLessThanOrEqual(MAX_SEARCH_SPAN_US);
          expect(window.keys.length).toBeLessThanOrEqual(perSearch);
        }
        for (const { key, timeUs } of probes) {
          const covering = windows.some(
            (window) =>
              window.keys.includes(key) &&
              window.startUs <= timeUs - SEARCH_PAD_US &&
              timeUs + SEARCH_PAD_US <= window.endUs,
          );
          expect(covering).toBe(true);
        }
      }),
    );
  });
});
