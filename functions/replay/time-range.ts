import { UsageError } from '../cli/io.ts';

/** `--from`/`--to`: ISO-8601 times, durations back from now (`30m`, `6h`, `7d`) or `now`. */

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
  ['w', 7 * 86_400_000],
]);

export interface TimeRange {
  /** Inclusive, epoch ms; undefined = unbounded. */
  readonly fromMs?: number | undefined;
  /** Inclusive, epoch ms; undefined = unbounded. */
  readonly toMs?: number | undefined;
}

export function parseTime(value: string, flag: string, nowMs: number): number {
  // `--to now` is what people type for "up to the present"; `0m` means the same but nobody guesses it.
  if (value.trim().toLowerCase() === 'now') return nowMs;
  const duration = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (duration !== null) {
    const [, amount, unit] = duration as unknown as [string, string, string];
    return nowMs - Number(amount) * (UNIT_MS.get(unit) ?? 0);
  }
  // ISO-8601 with a date; Date.parse alone would also take "1" or "March".
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `${flag} "${value}" is neither an ISO-8601 time (2026-11-29T10:00:00Z) nor a duration back from now (30m, 6h, 7d), nor now`,
  );
}

export function parseTimeRange(from: string | undefined, to: string | undefined, nowMs: number): TimeRange {
  const fromMs = from === undefined ? undefined : parseTime(from, '--from', nowMs);
  const toMs = to === undefined ? undefined : parseTime(to, '--to', nowMs);
  if (fromMs !== undefined && fromMs > nowMs)
    throw new UsageError(
      `--from (${new Date(fromMs).toISOString()}) is in the future: nothing can have been logged after it yet`,
    );
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs)
    throw new UsageError(
      `--from (${new Date(fromMs).toISOString()}) is after --to (${new Date(toMs).toISOString()})`,
    );
  return { fromMs, toMs };
}

/** Whether an epoch-ms time lies in the range. */
export function inRange(range: TimeRange, ms: number): boolean {
  return (range.fromMs === undefined || ms >= range.fromMs) && (range.toMs === undefined || ms <= range.toMs);
}

/**
 * Whether an hour partition (objects written in that hour) may hold events of the range, given that an event
 * lands in its partition at most `lagMs` after it happened.
 */
export function partitionMayHold(range: TimeRange, hourStartMs: number, lagMs: number): boolean {
  return (
    (range.fromMs === undefined || hourStartMs + 3_600_000 > range.fromMs) &&
    (range.toMs === undefined || hourStartMs - lagMs <= range.toMs)
  );
}
