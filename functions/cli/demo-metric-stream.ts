import { METRIC_STREAM_STATISTICS } from '../../infra/defaults.ts';

/**
 * The `AWS/Bedrock` datapoints CloudWatch would have published for a set of invocation rows, as a metric
 * stream in JSON output format writes them (one object per line): per account, region, `ModelId` and minute.
 * The demo feeds these through the real metrics transformation, so its metric rows describe its own
 * invocations and the dashboards and the completeness alert agree with the invocation rows.
 *
 * What maps to what (conservative: where a row does not tell, nothing is counted):
 * - `Invocations`: rows of calls that completed (`aws_bedrock_status` success or guardrail_intervened). AWS
 *   describes the metric as "successful requests" on one page and as "accepted for processing, including
 *   requests that later failed, excluding throttled ones and ones rejected at input validation" on another;
 *   a log row does not say whether an error came before or after acceptance, so errored rows are left out.
 *   Either way CloudWatch never counts more calls than there are rows, which is what the completeness check
 *   relies on.
 * - `InvocationClientErrors` / `InvocationServerErrors` / `InvocationThrottles`: errored rows whose
 *   `error_type` (the log's errorCode) has an unambiguous HTTP class in the bedrock-runtime API reference
 *   (ERROR_METRICS). Other codes (ModelTimeoutException, ModelErrorException, ModelNotReadyException,
 *   ServiceQuotaExceededException, …) count in none: how Bedrock files them is not documented.
 * - `InputTokenCount` / `OutputTokenCount` / `InvocationLatency`: one sample per completed row that carries
 *   the value (`gen_ai_usage_input_tokens`, `gen_ai_usage_output_tokens`, `aws_bedrock_latency_ms`);
 *   latency also gets the percentiles the stack's metric stream asks for (METRIC_STREAM_STATISTICS).
 * - `ModelInvocationLogsCloudWatchDeliverySuccess` / `ModelInvocationLogsS3DeliverySuccess` (no dimension,
 *   "across all model IDs"): one per row read from that destination (`aws_bedrock_log_source`). A row is a
 *   log that was delivered, so nothing here can say a delivery failed; no Failure datapoints are made.
 * - Only what happened is published: a minute without a client error has no `InvocationClientErrors`
 *   datapoint (whether Bedrock publishes zeros is not documented).
 * - `ModelId` is the log's `modelId` as called (`gen_ai_request_model`), except that an application
 *   inference profile ARN becomes the profile's id, the form public code queries the metric with (see
 *   docs/openobserve.md). `TimeToFirstToken` and `EstimatedTPMQuotaUsage` are not made: the rows do not
 *   carry what AWS computes them from.
 */

export const DEMO_METRIC_STREAM_NAME = 'bedrock-o2-metrics';

/** One datapoint of a CloudWatch metric stream in JSON output format. */
export interface MetricStreamDatapoint {
  readonly metric_stream_name: string;
  readonly account_id: string;
  readonly region: string;
  readonly namespace: 'AWS/Bedrock';
  readonly metric_name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Start of the minute, epoch ms. */
  readonly timestamp: number;
  readonly value: MetricStreamValue;
  readonly unit: 'Count' | 'Milliseconds';
}

/** The statistics always streamed, plus additional ones keyed by name (`p99`). */
export interface MetricStreamValue {
  readonly max: number;
  readonly min: number;
  readonly sum: number;
  readonly count: number;
  readonly [statistic: string]: number;
}

type ErrorMetric = 'InvocationClientErrors' | 'InvocationServerErrors' | 'InvocationThrottles';

/** bedrock-runtime error codes with an unambiguous class: 4xx client, 5xx server, 429 throttling. */
const ERROR_METRICS: ReadonlyMap<string, ErrorMetric> = new Map([
  ['ValidationException', 'InvocationClientErrors'],
  ['AccessDeniedException', 'InvocationClientErrors'],
  ['ResourceNotFoundException', 'InvocationClientErrors'],
  ['InternalServerException', 'InvocationServerErrors'],
  ['ServiceUnavailableException', 'InvocationServerErrors'],
  ['ThrottlingException', 'InvocationThrottles'],
]);

const DELIVERY_METRICS: ReadonlyMap<string, string> = new Map([
  ['cloudwatch_logs', 'ModelInvocationLogsCloudWatchDeliverySuccess'],
  ['s3', 'ModelInvocationLogsS3DeliverySuccess'],
]);

const MINUTE_MS = 60_000;
const APPLICATION_PROFILE_ARN = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:application-inference-profile\/(.+)$/;

/** Samples of one metric in one minute of one series. */
interface Series {
  readonly accountId: string;
  readonly region: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly minute: number;
  readonly metricName: string;
  readonly unit: 'Count' | 'Milliseconds';
  readonly samples: number[];
}

/** The metric-stream lines (JSON, no trailing newline) CloudWatch would publish for these rows. */
export function metricStreamLines(
  rows: readonly Record<string, unknown>[],
  metricStreamName: string = DEMO_METRIC_STREAM_NAME,
): string[] {
  return metricStreamDatapoints(rows, metricStreamName).map((datapoint) => JSON.stringify(datapoint));
}

export function metricStreamDatapoints(
  rows: readonly Record<string, unknown>[],
  metricStreamName: string = DEMO_METRIC_STREAM_NAME,
): MetricStreamDatapoint[] {
  const series = new Map<string, Series>();
  const add = (
    row: Placed,
    dimensions: Readonly<Record<string, string>>,
    metricName: string,
    unit: Series['unit'],
    sample: number,
  ) => {
    const key = JSON.stringify([row.minute, row.accountId, row.region, dimensions, metricName]);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { ...row, dimensions, metricName, unit, samples: [] };
      series.set(key, entry);
    }
    entry.samples.push(sample);
  };

  for (const row of rows) {
    const placed = place(row);
    if (placed === undefined) continue;
    const delivery = DELIVERY_METRICS.get(String(row['aws_bedrock_log_source']));
    if (delivery !== undefined) add(placed, {}, delivery, 'Count', 1);

    const model = row['gen_ai_request_model'];
    if (typeof model !== 'string' || model === '') continue;
    const byModel = { ModelId: modelIdDimension(model) };
    if (row['aws_bedrock_status'] === 'error') {
      const metric = ERROR_METRICS.get(String(row['error_type']));
      if (metric !== undefined) add(placed, byModel, metric, 'Count', 1);
      continue;
    }
    add(placed, byModel, 'Invocations', 'Count', 1);
    const input = row['gen_ai_usage_input_tokens'];
    if (typeof input === 'number') add(placed, byModel, 'InputTokenCount', 'Count', input);
    const output = row['gen_ai_usage_output_tokens'];
    if (typeof output === 'number') add(placed, byModel, 'OutputTokenCount', 'Count', output);
    const latency = row['aws_bedrock_latency_ms'];
    if (typeof latency === 'number') add(placed, byModel, 'InvocationLatency', 'Milliseconds', latency);
  }

  return [...series.values()]
    .sort(
      (a, b) =>
        a.minute - b.minute ||
        a.accountId.localeCompare(b.accountId) ||
        a.region.localeCompare(b.region) ||
        (a.dimensions['ModelId'] ?? '').localeCompare(b.dimensions['ModelId'] ?? '') ||
        a.metricName.localeCompare(b.metricName),
    )
    .map((s) => ({
      metric_stream_name: metricStreamName,
      account_id: s.accountId,
      region: s.region,
      namespace: 'AWS/Bedrock',
      metric_name: s.metricName,
      dimensions: s.dimensions,
      timestamp: s.minute,
      value: statistics(s.metricName, s.samples),
      unit: s.unit,
    }));
}

interface Placed {
  readonly accountId: string;
  readonly region: string;
  readonly minute: number;
}

/** Where a row's datapoints go; undefined for rows that are not invocations or cannot be placed. */
function place(row: Record<string, unknown>): Placed | undefined {
  if (row['source_type'] !== 'bedrock_invocation_log') return undefined;
  const accountId = row['cloud_account_id'];
  const region = row['cloud_region'];
  const timestampUs = row['_timestamp'];
  if (typeof accountId !== 'string' || typeof region !== 'string' || typeof timestampUs !== 'number')
    return undefined;
  return { accountId, region, minute: Math.floor(timestampUs / 1000 / MINUTE_MS) * MINUTE_MS };
}

/** The `ModelId` dimension for a call made with `modelId`. */
export function modelIdDimension(modelId: string): string {
  return APPLICATION_PROFILE_ARN.exec(modelId)?.[1] ?? modelId;
}

/** max, min, sum, count, and the configured percentiles for the metrics the stream asks them for. */
function statistics(metricName: string, samples: readonly number[]): MetricStreamValue {
  const sorted = [...samples].sort((a, b) => a - b);
  const value: { -readonly [K in keyof MetricStreamValue]: number } = {
    max: sorted[sorted.length - 1] ?? 0,
    min: sorted[0] ?? 0,
    sum: sorted.reduce((total, sample) => total + sample, 0),
    count: sorted.length,
  };
  const withPercentiles: readonly string[] = METRIC_STREAM_STATISTICS.metricNames;
  if (!withPercentiles.includes(metricName)) return value;
  for (const statistic of METRIC_STREAM_STATISTICS.additionalStatistics) {
    const percent = /^p(\d+(?:\.\d+)?)$/.exec(statistic)?.[1];
    if (percent !== undefined) value[statistic] = nearestRank(sorted, Number(percent));
  }
  return value;
}

/** The smallest sample with at least `percent` % of the samples at or below it. */
export function nearestRank(sorted: readonly number[], percent: number): number {
  const rank = Math.max(Math.ceil((percent / 100) * sorted.length), 1);
  return sorted[Math.min(rank, sorted.length) - 1] ?? 0;
}
