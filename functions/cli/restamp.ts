/**
 * Moving `_timestamp` into OpenObserve's ingest window (record-schema §4.1), one rule for the demo and for
 * `replay`/`backfill --restamp`: the newest time lands at `now`; spacing is kept when the span fits the window
 * minus 30 minutes of slack, otherwise the span is scaled down into it, order kept (keeping it would put most
 * rows where OpenObserve drops them without a word). The original time stays in `aws_bedrock_event_time`.
 */

const HOUR_MS = 3_600_000;
const SLACK_MS = 30 * 60_000;

export interface RestampPlan {
  /** How far the newest time moves forward, ms. */
  readonly shiftMs: number;
  /** True when the span was scaled down to fit the window. */
  readonly compressed: boolean;
  /** An original `_timestamp` (µs) → its place in the window (µs). */
  readonly apply: (timestampUs: number) => number;
  /** One line saying what was done, for stderr. */
  readonly note: string;
}

export function restampPlan(
  oldestMs: number,
  newestMs: number,
  nowMs: number,
  windowHours: number,
): RestampPlan {
  const usable = Math.max(windowHours * HOUR_MS - SLACK_MS, 60_000);
  const span = Math.max(newestMs - oldestMs, 0);
  const scale = span > usable ? usable / span : 1;
  const shiftMs = nowMs - newestMs;
  const days = (shiftMs / 86_400_000).toFixed(1);
  const note =
    scale === 1
      ? `note: moved _timestamp forward by ${days} days so the newest row lands now (spacing kept); original times are in aws_bedrock_event_time`
      : `note: moved _timestamp so the newest row lands now and the ${(span / 86_400_000).toFixed(1)}-day spread fits OpenObserve's ${windowHours} h ingest window (ZO_INGEST_ALLOWED_UPTO), order kept; original times are in aws_bedrock_event_time`;
  return {
    shiftMs,
    compressed: scale !== 1,
    note,
    apply: (timestampUs) => Math.round(nowMs - (newestMs - timestampUs / 1000) * scale) * 1000,
  };
}

/** Restamp one row in place; the handler's window warning no longer holds once the row is inside. */
export function restampRow(row: Record<string, unknown>, plan: RestampPlan): void {
  row['_timestamp'] = plan.apply(Number(row['_timestamp']));
  dropStaleWindowWarning(row);
}

function dropStaleWindowWarning(row: Record<string, unknown>): void {
  const warnings = row['normaliser_warnings'];
  if (typeof warnings !== 'string') return;
  let codes: unknown;
  try {
    codes = JSON.parse(warnings);
  } catch {
    return;
  }
  if (!Array.isArray(codes)) return;
  const kept = codes.filter((code) => code !== 'timestamp_outside_ingest_window');
  if (kept.length === 0) delete row['normaliser_warnings'];
  else row['normaliser_warnings'] = JSON.stringify(kept);
}
