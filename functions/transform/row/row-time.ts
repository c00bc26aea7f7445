import type { WarningCode } from '../../../schemas/row-constants.ts';

/**
 * The time a row can carry. `_timestamp` is µs since the epoch and must be a positive safe integer (the
 * schema's `z.int()`, and OpenObserve's i64 read from JSON numbers): a parsable but absurd time such as the
 * year 2300 (a log may say anything) would overflow it, so it counts as unusable like an unparsable one.
 */

/** The last millisecond whose µs still fit a safe integer: 2255-06-05. */
export const MAX_ROW_TIME_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** A time in ms that makes a valid `_timestamp`. */
export function isRowTimeMs(ms: number | undefined): ms is number {
  return typeof ms === 'number' && ms >= 1 && ms <= MAX_ROW_TIME_MS;
}

/** ms → the row's `_timestamp` (µs). */
export function rowTimestamp(ms: number): number {
  return Math.trunc(ms) * 1000;
}

/**
 * §4.1: the invocation's own time when a row can carry it, else the log event's, else (no event time at all,
 * e.g. a line read from S3) `nowMs`, warning `timestamp_from_log_event` when the invocation's own is not used.
 */
export function invocationRowTimeMs(
  invocationMs: number,
  eventTimestampMs: number | undefined,
  nowMs: number,
  warnings: WarningCode[],
): number {
  if (isRowTimeMs(invocationMs)) return invocationMs;
  warnings.push('timestamp_from_log_event');
  return isRowTimeMs(eventTimestampMs) ? eventTimestampMs : nowMs;
}
