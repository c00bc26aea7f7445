import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WARNING_CODES } from '../schemas/row-constants.ts';

/**
 * Writes openobserve/dashboards/*.dashboard.json (OpenObserve v8 bodies) from the compact panel list below.
 * The JSON files are what ships and what `provision` uploads; this script only keeps their boilerplate
 * consistent. A test fails when the files and this script disagree: run
 * `node scripts/openobserve-dashboards.ts` after editing.
 */

const INV = '"bedrock_invocations"';
const MET = '"bedrock_metrics"';

/** Filters every invocation panel takes from the dashboard variables (all values → no filter). */
const INV_FILTER =
  'cloud_region IN ($region) AND cloud_account_id IN ($account) AND gen_ai_response_model IN ($model) AND aws_bedrock_caller_name IN ($caller)';
const MET_FILTER = 'cloud_region IN ($region) AND cloud_account_id IN ($account)';
const BEDROCK_METRIC = "metric_namespace = 'AWS/Bedrock'";
/**
 * A Bedrock model reference by its resource id: an ARN becomes the part after its last `/`. The `ModelId`
 * dimension of a call through an application inference profile is the profile's id while its log has the ARN
 * as called; comparing ids joins them whichever form each side holds (the completeness alert does the same).
 */
const modelKey = (column: string) => `regexp_replace(${column}, '^arn:.*/', '')`;

interface Axis {
  readonly alias: string;
  readonly label: string;
  /** The row field the axis shows (checked against the row schemas). */
  readonly column: string;
}

interface PanelSpec {
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly stream: 'bedrock_invocations' | 'bedrock_metrics';
  readonly sql: string;
  readonly x: readonly Axis[];
  readonly y: readonly Axis[];
  readonly breakdown?: readonly Axis[];
  readonly w: number;
  readonly h: number;
  readonly unit?: string;
  readonly decimals?: number;
}

interface VariableSpec {
  readonly name: string;
  readonly label: string;
  readonly body: Record<string, unknown>;
}

interface DashboardSpec {
  readonly file: string;
  readonly title: string;
  readonly description: string;
  readonly range: string;
  readonly variables: readonly VariableSpec[];
  readonly panels: readonly PanelSpec[];
}

const ax = (alias: string, label: string, column: string): Axis => ({ alias, label, column });
const time = ax('x_axis_1', 'Time', '_timestamp');

function queryVariable(name: string, label: string, stream: string, field: string): VariableSpec {
  return {
    name,
    label,
    body: {
      type: 'query_values',
      name,
      label,
      query_data: { stream_type: 'logs', stream, field, max_record_size: 100 },
      value: null,
      options: [],
      multiSelect: true,
      selectAllValueForMultiSelect: 'all',
      escapeSingleQuotes: true,
    },
  };
}

const FILTER_VARIABLES: readonly VariableSpec[] = [
  queryVariable('region', 'Region', 'bedrock_invocations', 'cloud_region'),
  queryVariable('account', 'Account', 'bedrock_invocations', 'cloud_account_id'),
  queryVariable('model', 'Model', 'bedrock_invocations', 'gen_ai_response_model'),
  queryVariable('caller', 'Caller', 'bedrock_invocations', 'aws_bedrock_caller_name'),
];

function constantLike(
  type: 'textbox' | 'custom',
  name: string,
  label: string,
  value: string,
  options: string[] = [],
) {
  return {
    name,
    label,
    body: {
      type,
      name,
      label,
      query_data: null,
      value,
      options: options.map((option) => ({ label: option, value: option, selected: option === value })),
    },
  } satisfies VariableSpec;
}

/** One count per warning code of the contract: the JSON list is matched on the quoted code. */
function warningCodeCounts(): string {
  return WARNING_CODES.map(
    (code) =>
      `SELECT '${code}' AS x_axis_1, COUNT(*) AS y_axis_1 FROM ${INV} WHERE str_match(normaliser_warnings, '"${code}"')`,
  ).join(' UNION ALL ');
}

const count = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;

const OVERVIEW: DashboardSpec = {
  file: 'overview',
  title: 'Bedrock: Overview',
  description:
    'Invocations, errors, throttles, latency, tokens, cache use, guardrails and the latest calls, per model. Rows from the bedrock-o2 forwarder.',
  range: '6h',
  variables: FILTER_VARIABLES,
  panels: [
    {
      type: 'metric',
      title: 'Invocations (CloudWatch)',
      description: 'Sum of AWS/Bedrock Invocations from the metric stream: what Bedrock counted.',
      stream: 'bedrock_metrics',
      sql: `SELECT SUM(metric_sum) AS y_axis_1 FROM ${MET} WHERE ${BEDROCK_METRIC} AND metric_name = 'Invocations' AND ${MET_FILTER}`,
      x: [],
      y: [ax('y_axis_1', 'Invocations', 'metric_sum')],
      w: 48,
      h: 8,
      decimals: 0,
    },
    {
      type: 'metric',
      title: 'Invocation rows',
      description: 'Invocation log rows received: compare with the CloudWatch count beside it.',
      stream: 'bedrock_invocations',
      sql: `SELECT COUNT(*) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER}`,
      x: [],
      y: [ax('y_axis_1', 'Rows', '_timestamp')],
      w: 48,
      h: 8,
      decimals: 0,
    },
    {
      type: 'metric',
      title: 'Error rate (%)',
      description: 'Share of invocation rows with an errorCode.',
      stream: 'bedrock_invocations',
      sql: `SELECT 100.0 * ${count("aws_bedrock_status = 'error'")} / NULLIF(COUNT(*), 0) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER}`,
      x: [],
      y: [ax('y_axis_1', 'Error rate', 'aws_bedrock_status')],
      w: 48,
      h: 8,
      unit: 'percent',
      decimals: 2,
    },
    {
      type: 'metric',
      title: 'Estimated cost (USD)',
      description: 'Sum of gen_ai_usage_cost_usd over priced rows; unpriced rows are on the Cost dashboard.',
      stream: 'bedrock_invocations',
      sql: `SELECT SUM(gen_ai_usage_cost_usd) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER}`,
      x: [],
      y: [ax('y_axis_1', 'USD', 'gen_ai_usage_cost_usd')],
      w: 48,
      h: 8,
      unit: 'currency-dollar',
      decimals: 4,
    },
    {
      type: 'line',
      title: 'Invocations, errors and throttles (CloudWatch)',
      description:
        'AWS/Bedrock Invocations, InvocationClientErrors, InvocationServerErrors and InvocationThrottles from the metric stream.',
      stream: 'bedrock_metrics',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, metric_name AS x_axis_2, SUM(metric_sum) AS y_axis_1 FROM ${MET} WHERE ${BEDROCK_METRIC} AND metric_name IN ('Invocations', 'InvocationClientErrors', 'InvocationServerErrors', 'InvocationThrottles') AND ${MET_FILTER} GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [time],
      breakdown: [ax('x_axis_2', 'Metric', 'metric_name')],
      y: [ax('y_axis_1', 'Count', 'metric_sum')],
      w: 96,
      h: 16,
    },
    {
      type: 'line',
      title: 'p99 latency by model (ms)',
      description:
        'approx. 99th percentile of aws_bedrock_latency_ms per model (rows that report a latency).',
      stream: 'bedrock_invocations',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, gen_ai_response_model AS x_axis_2, approx_percentile_cont(aws_bedrock_latency_ms, 0.99) AS y_axis_1 FROM ${INV} WHERE aws_bedrock_latency_ms IS NOT NULL AND ${INV_FILTER} GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [time],
      breakdown: [ax('x_axis_2', 'Model', 'gen_ai_response_model')],
      y: [ax('y_axis_1', 'p99 ms', 'aws_bedrock_latency_ms')],
      w: 96,
      h: 16,
      unit: 'ms',
    },
    {
      type: 'bar',
      title: 'Latency p50 / p90 / p99 by model (ms)',
      description: 'Whole-call latency percentiles per model over the selected range.',
      stream: 'bedrock_invocations',
      sql: `SELECT gen_ai_response_model AS x_axis_1, approx_percentile_cont(aws_bedrock_latency_ms, 0.5) AS y_axis_1, approx_percentile_cont(aws_bedrock_latency_ms, 0.9) AS y_axis_2, approx_percentile_cont(aws_bedrock_latency_ms, 0.99) AS y_axis_3 FROM ${INV} WHERE aws_bedrock_latency_ms IS NOT NULL AND ${INV_FILTER} GROUP BY x_axis_1 ORDER BY y_axis_3 DESC`,
      x: [ax('x_axis_1', 'Model', 'gen_ai_response_model')],
      y: [
        ax('y_axis_1', 'p50', 'aws_bedrock_latency_ms'),
        ax('y_axis_2', 'p90', 'aws_bedrock_latency_ms'),
        ax('y_axis_3', 'p99', 'aws_bedrock_latency_ms'),
      ],
      w: 96,
      h: 16,
      unit: 'ms',
    },
    {
      type: 'bar',
      title: 'Time to first token p50 / p90 / p99 by model (ms)',
      description: 'aws_bedrock_first_byte_latency_ms of streaming calls.',
      stream: 'bedrock_invocations',
      sql: `SELECT gen_ai_response_model AS x_axis_1, approx_percentile_cont(aws_bedrock_first_byte_latency_ms, 0.5) AS y_axis_1, approx_percentile_cont(aws_bedrock_first_byte_latency_ms, 0.9) AS y_axis_2, approx_percentile_cont(aws_bedrock_first_byte_latency_ms, 0.99) AS y_axis_3 FROM ${INV} WHERE aws_bedrock_first_byte_latency_ms IS NOT NULL AND ${INV_FILTER} GROUP BY x_axis_1 ORDER BY y_axis_3 DESC`,
      x: [ax('x_axis_1', 'Model', 'gen_ai_response_model')],
      y: [
        ax('y_axis_1', 'p50', 'aws_bedrock_first_byte_latency_ms'),
        ax('y_axis_2', 'p90', 'aws_bedrock_first_byte_latency_ms'),
        ax('y_axis_3', 'p99', 'aws_bedrock_first_byte_latency_ms'),
      ],
      w: 96,
      h: 16,
      unit: 'ms',
    },
    {
      type: 'area-stacked',
      title: 'Tokens in / out',
      description:
        'gen_ai_usage_input_tokens (cache reads and writes included) and gen_ai_usage_output_tokens.',
      stream: 'bedrock_invocations',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, SUM(gen_ai_usage_input_tokens) AS y_axis_1, SUM(gen_ai_usage_output_tokens) AS y_axis_2 FROM ${INV} WHERE ${INV_FILTER} GROUP BY x_axis_1 ORDER BY x_axis_1`,
      x: [time],
      y: [
        ax('y_axis_1', 'Input tokens', 'gen_ai_usage_input_tokens'),
        ax('y_axis_2', 'Output tokens', 'gen_ai_usage_output_tokens'),
      ],
      w: 96,
      h: 16,
    },
    {
      type: 'h-bar',
      title: 'Prompt cache share of input tokens by model (%)',
      description:
        'Cache reads and cache writes as a share of all input tokens, for the models that used the prompt cache.',
      stream: 'bedrock_invocations',
      sql: `SELECT gen_ai_response_model AS x_axis_1, 100.0 * SUM(gen_ai_usage_cache_read_input_tokens) / NULLIF(SUM(gen_ai_usage_input_tokens), 0) AS y_axis_1, 100.0 * SUM(gen_ai_usage_cache_creation_input_tokens) / NULLIF(SUM(gen_ai_usage_input_tokens), 0) AS y_axis_2 FROM ${INV} WHERE ${INV_FILTER} GROUP BY x_axis_1 HAVING SUM(COALESCE(gen_ai_usage_cache_read_input_tokens, 0) + COALESCE(gen_ai_usage_cache_creation_input_tokens, 0)) > 0 ORDER BY y_axis_1 DESC LIMIT 15`,
      x: [ax('x_axis_1', 'Model', 'gen_ai_response_model')],
      y: [
        ax('y_axis_1', 'Cache read %', 'gen_ai_usage_cache_read_input_tokens'),
        ax('y_axis_2', 'Cache write %', 'gen_ai_usage_cache_creation_input_tokens'),
      ],
      w: 96,
      h: 16,
      unit: 'percent',
    },
    {
      type: 'bar',
      title: 'Guardrail interventions',
      description: 'Rows where a guardrail reported INTERVENED.',
      stream: 'bedrock_invocations',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, ${count("aws_bedrock_guardrail_action = 'INTERVENED'")} AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER} GROUP BY x_axis_1 ORDER BY x_axis_1`,
      x: [time],
      y: [ax('y_axis_1', 'Interventions', 'aws_bedrock_guardrail_action')],
      w: 64,
      h: 16,
    },
    {
      type: 'pie',
      title: 'Finish reasons',
      description: 'gen_ai_response_finish_reason; "(none)" where the provider reported none.',
      stream: 'bedrock_invocations',
      sql: `SELECT COALESCE(gen_ai_response_finish_reason, '(none)') AS x_axis_1, COUNT(*) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER} GROUP BY x_axis_1 ORDER BY y_axis_1 DESC`,
      x: [ax('x_axis_1', 'Finish reason', 'gen_ai_response_finish_reason')],
      y: [ax('y_axis_1', 'Invocations', '_timestamp')],
      w: 64,
      h: 16,
    },
    {
      type: 'pie',
      title: 'Status',
      description: 'success, error (errorCode set) or guardrail_intervened.',
      stream: 'bedrock_invocations',
      sql: `SELECT aws_bedrock_status AS x_axis_1, COUNT(*) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER} GROUP BY x_axis_1 ORDER BY y_axis_1 DESC`,
      x: [ax('x_axis_1', 'Status', 'aws_bedrock_status')],
      y: [ax('y_axis_1', 'Invocations', '_timestamp')],
      w: 64,
      h: 16,
    },
    {
      type: 'table',
      title: 'Latest invocations',
      description: 'The newest 100 calls with caller, model, tokens, cost, latency and previews.',
      stream: 'bedrock_invocations',
      sql: `SELECT to_timestamp_micros(_timestamp) AS x_axis_1, aws_bedrock_caller_name AS x_axis_2, gen_ai_response_model AS x_axis_3, aws_bedrock_status AS x_axis_4, gen_ai_usage_input_tokens AS x_axis_5, gen_ai_usage_output_tokens AS x_axis_6, gen_ai_usage_cost_usd AS x_axis_7, aws_bedrock_latency_ms AS x_axis_8, gen_ai_input_preview AS x_axis_9, gen_ai_output_preview AS x_axis_10, aws_request_id AS x_axis_11 FROM ${INV} WHERE ${INV_FILTER} ORDER BY _timestamp DESC LIMIT 100`,
      x: [
        ax('x_axis_1', 'Time', '_timestamp'),
        ax('x_axis_2', 'Caller', 'aws_bedrock_caller_name'),
        ax('x_axis_3', 'Model', 'gen_ai_response_model'),
        ax('x_axis_4', 'Status', 'aws_bedrock_status'),
        ax('x_axis_5', 'In tok', 'gen_ai_usage_input_tokens'),
        ax('x_axis_6', 'Out tok', 'gen_ai_usage_output_tokens'),
        ax('x_axis_7', 'Cost USD', 'gen_ai_usage_cost_usd'),
        ax('x_axis_8', 'Latency ms', 'aws_bedrock_latency_ms'),
        ax('x_axis_9', 'Prompt', 'gen_ai_input_preview'),
        ax('x_axis_10', 'Response', 'gen_ai_output_preview'),
        ax('x_axis_11', 'Request id', 'aws_request_id'),
      ],
      y: [],
      w: 192,
      h: 24,
    },
  ],
};

const PRICED = "aws_bedrock_cost_status <> 'unpriced'";

const costBy = (title: string, column: string, label: string, type = 'h-bar'): PanelSpec => ({
  type,
  title,
  description: `Estimated cost (priced rows) by ${label.toLowerCase()}.`,
  stream: 'bedrock_invocations',
  sql: `SELECT COALESCE(${column}, '(unknown)') AS x_axis_1, SUM(gen_ai_usage_cost_usd) AS y_axis_1 FROM ${INV} WHERE ${PRICED} AND ${INV_FILTER} GROUP BY x_axis_1 ORDER BY y_axis_1 DESC LIMIT 15`,
  x: [ax('x_axis_1', label, column)],
  y: [ax('y_axis_1', 'USD', 'gen_ai_usage_cost_usd')],
  w: 64,
  h: 16,
  unit: 'currency-dollar',
  decimals: 4,
});

const COST: DashboardSpec = {
  file: 'cost',
  title: 'Bedrock: Cost',
  description:
    'Estimated Bedrock cost by model, caller, region, inference-profile type and request metadata; unpriced usage is counted, never shown as $0.',
  range: '7d',
  variables: [
    ...FILTER_VARIABLES,
    constantLike('custom', 'metadata_key', 'Metadata key', 'team', ['team', 'tenant', 'feature']),
  ],
  panels: [
    {
      type: 'metric',
      title: 'Estimated cost (USD)',
      description: 'Sum of gen_ai_usage_cost_usd over priced rows.',
      stream: 'bedrock_invocations',
      sql: `SELECT SUM(gen_ai_usage_cost_usd) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER}`,
      x: [],
      y: [ax('y_axis_1', 'USD', 'gen_ai_usage_cost_usd')],
      w: 64,
      h: 8,
      unit: 'currency-dollar',
      decimals: 2,
    },
    {
      type: 'metric',
      title: 'Cost per 1K priced invocations (USD)',
      description: 'Estimated cost divided by priced invocations, times 1000.',
      stream: 'bedrock_invocations',
      sql: `SELECT 1000.0 * SUM(gen_ai_usage_cost_usd) / NULLIF(${count(PRICED)}, 0) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER}`,
      x: [],
      y: [ax('y_axis_1', 'USD / 1K', 'gen_ai_usage_cost_usd')],
      w: 64,
      h: 8,
      unit: 'currency-dollar',
      decimals: 4,
    },
    {
      type: 'metric',
      title: 'Unpriced share of invocations (%)',
      description:
        'Rows with aws_bedrock_cost_status unpriced: their cost is unknown, so every total here is a lower bound while this is above 0.',
      stream: 'bedrock_invocations',
      sql: `SELECT 100.0 * ${count("aws_bedrock_cost_status = 'unpriced'")} / NULLIF(COUNT(*), 0) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER}`,
      x: [],
      y: [ax('y_axis_1', 'Unpriced %', 'aws_bedrock_cost_status')],
      w: 64,
      h: 8,
      unit: 'percent',
      decimals: 1,
    },
    {
      type: 'stacked',
      title: 'Daily cost by model (USD)',
      description: 'Estimated cost per day, stacked by model.',
      stream: 'bedrock_invocations',
      sql: `SELECT histogram(_timestamp, '1 day') AS x_axis_1, COALESCE(gen_ai_response_model, '(unresolved)') AS x_axis_2, SUM(gen_ai_usage_cost_usd) AS y_axis_1 FROM ${INV} WHERE ${PRICED} AND ${INV_FILTER} GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [ax('x_axis_1', 'Day', '_timestamp')],
      breakdown: [ax('x_axis_2', 'Model', 'gen_ai_response_model')],
      y: [ax('y_axis_1', 'USD', 'gen_ai_usage_cost_usd')],
      w: 192,
      h: 16,
      unit: 'currency-dollar',
    },
    costBy('Cost by model', 'gen_ai_response_model', 'Model'),
    costBy('Cost by caller', 'aws_bedrock_caller_name', 'Caller'),
    costBy('Cost by region', 'cloud_region', 'Region'),
    costBy('Cost by inference profile type', 'aws_bedrock_inference_profile_type', 'Profile type', 'pie'),
    costBy(
      'Cost by request metadata ($metadata_key)',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an OpenObserve dashboard variable, substituted by its UI
      'aws_bedrock_request_metadata_${metadata_key}',
      'Metadata value',
    ),
    {
      type: 'table',
      title: 'Unpriced usage by model',
      description:
        'Models without a price: add them to the price overrides (bedrock-o2 prices check) so their cost is counted.',
      stream: 'bedrock_invocations',
      sql: `SELECT COALESCE(gen_ai_response_model, gen_ai_request_model) AS x_axis_1, COUNT(*) AS y_axis_1, SUM(gen_ai_usage_input_tokens) AS y_axis_2, SUM(gen_ai_usage_output_tokens) AS y_axis_3 FROM ${INV} WHERE aws_bedrock_cost_status = 'unpriced' AND ${INV_FILTER} GROUP BY x_axis_1 ORDER BY y_axis_1 DESC`,
      x: [ax('x_axis_1', 'Model', 'gen_ai_response_model')],
      y: [
        ax('y_axis_1', 'Invocations', '_timestamp'),
        ax('y_axis_2', 'Input tokens', 'gen_ai_usage_input_tokens'),
        ax('y_axis_3', 'Output tokens', 'gen_ai_usage_output_tokens'),
      ],
      w: 192,
      h: 14,
    },
  ],
};

const CAPACITY: DashboardSpec = {
  file: 'capacity',
  title: 'Bedrock: Capacity',
  description:
    'Tokens and requests per minute by model against the quota you enter, and EstimatedTPMQuotaUsage where the metric stream carries it.',
  range: '3h',
  variables: [
    ...FILTER_VARIABLES,
    constantLike('textbox', 'tpm_quota', 'TPM quota', '200000'),
    constantLike('textbox', 'rpm_quota', 'RPM quota', '200'),
  ],
  panels: [
    {
      type: 'line',
      title: 'Tokens per minute by model',
      description:
        'Input + output tokens per minute for each model (Bedrock TPM quotas are per model and region).',
      stream: 'bedrock_invocations',
      sql: `SELECT histogram(_timestamp, '1 minute') AS x_axis_1, COALESCE(gen_ai_response_model, '(unresolved)') AS x_axis_2, SUM(COALESCE(gen_ai_usage_input_tokens, 0) + COALESCE(gen_ai_usage_output_tokens, 0)) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER} GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [time],
      breakdown: [ax('x_axis_2', 'Model', 'gen_ai_response_model')],
      y: [ax('y_axis_1', 'Tokens / min', 'gen_ai_usage_input_tokens')],
      w: 96,
      h: 18,
    },
    {
      type: 'line',
      title: 'Requests per minute by model',
      description: 'Invocation rows per minute for each model.',
      stream: 'bedrock_invocations',
      sql: `SELECT histogram(_timestamp, '1 minute') AS x_axis_1, COALESCE(gen_ai_response_model, '(unresolved)') AS x_axis_2, COUNT(*) AS y_axis_1 FROM ${INV} WHERE ${INV_FILTER} GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [time],
      breakdown: [ax('x_axis_2', 'Model', 'gen_ai_response_model')],
      y: [ax('y_axis_1', 'Requests / min', '_timestamp')],
      w: 96,
      h: 18,
    },
    {
      type: 'h-bar',
      title: 'Busiest minute as % of quota, by model',
      description:
        'The peak minute of each model against the TPM and RPM quota variables (enter the quotas of your account and region).',
      stream: 'bedrock_invocations',
      sql: `SELECT model AS x_axis_1, 100.0 * MAX(tokens) / $tpm_quota AS y_axis_1, 100.0 * MAX(requests) / $rpm_quota AS y_axis_2 FROM (SELECT histogram(_timestamp, '1 minute') AS minute, COALESCE(gen_ai_response_model, '(unresolved)') AS model, SUM(COALESCE(gen_ai_usage_input_tokens, 0) + COALESCE(gen_ai_usage_output_tokens, 0)) AS tokens, COUNT(*) AS requests FROM ${INV} WHERE ${INV_FILTER} GROUP BY minute, model) AS per_minute GROUP BY x_axis_1 ORDER BY y_axis_1 DESC LIMIT 15`,
      x: [ax('x_axis_1', 'Model', 'gen_ai_response_model')],
      y: [
        ax('y_axis_1', 'Peak % of TPM quota', 'gen_ai_usage_input_tokens'),
        ax('y_axis_2', 'Peak % of RPM quota', '_timestamp'),
      ],
      w: 96,
      h: 16,
      unit: 'percent',
    },
    {
      type: 'line',
      title: 'EstimatedTPMQuotaUsage by model (CloudWatch)',
      description:
        "Bedrock's own estimate of TPM quota consumed (cache writes and output burndown included), from the metric stream; empty where the stream does not carry it.",
      stream: 'bedrock_metrics',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, COALESCE(aws_bedrock_model_id, '(all models)') AS x_axis_2, SUM(metric_sum) AS y_axis_1 FROM ${MET} WHERE ${BEDROCK_METRIC} AND metric_name = 'EstimatedTPMQuotaUsage' AND ${MET_FILTER} GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [time],
      breakdown: [ax('x_axis_2', 'Model', 'aws_bedrock_model_id')],
      y: [ax('y_axis_1', 'Estimated TPM', 'metric_sum')],
      w: 96,
      h: 16,
    },
  ],
};

const PIPELINE: DashboardSpec = {
  file: 'pipeline-health',
  title: 'Bedrock: Pipeline health',
  description:
    'Is every invocation arriving? Rows per minute, normaliser warnings, unpriced models, delivery delay, window drops and Bedrock log-delivery metrics.',
  range: '24h',
  variables: [],
  panels: [
    {
      type: 'line',
      title: 'Invocation rows per minute',
      description: 'Rows arriving in the invocations stream.',
      stream: 'bedrock_invocations',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, COUNT(*) AS y_axis_1 FROM ${INV} GROUP BY x_axis_1 ORDER BY x_axis_1`,
      x: [time],
      y: [ax('y_axis_1', 'Rows', '_timestamp')],
      w: 96,
      h: 14,
    },
    {
      type: 'line',
      title: 'Metric rows per minute',
      description: 'Datapoints arriving in the metrics stream, by metric name.',
      stream: 'bedrock_metrics',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, metric_name AS x_axis_2, COUNT(*) AS y_axis_1 FROM ${MET} GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [time],
      breakdown: [ax('x_axis_2', 'Metric', 'metric_name')],
      y: [ax('y_axis_1', 'Rows', '_timestamp')],
      w: 96,
      h: 14,
    },
    {
      type: 'table',
      title: 'CloudWatch Invocations vs invocation rows, per model',
      description:
        'Bedrock counted (metric stream, per ModelId) against rows received, per model id (an ARN compared by the id after its last /, as the ModelId dimension of an application inference profile holds it). A shortfall means logs lost between Bedrock and OpenObserve; the completeness alert watches it.',
      stream: 'bedrock_metrics',
      sql: `SELECT m.model AS x_axis_1, m.expected AS y_axis_1, COALESCE(r.received, 0) AS y_axis_2, m.expected - COALESCE(r.received, 0) AS y_axis_3 FROM (SELECT ${modelKey('aws_bedrock_model_id')} AS model, SUM(metric_sum) AS expected FROM ${MET} WHERE ${BEDROCK_METRIC} AND metric_name = 'Invocations' AND aws_bedrock_model_id IS NOT NULL GROUP BY ${modelKey('aws_bedrock_model_id')}) AS m LEFT JOIN (SELECT ${modelKey('gen_ai_request_model')} AS model, COUNT(*) AS received FROM ${INV} GROUP BY ${modelKey('gen_ai_request_model')}) AS r ON m.model = r.model ORDER BY y_axis_3 DESC`,
      x: [ax('x_axis_1', 'Model id', 'aws_bedrock_model_id')],
      y: [
        ax('y_axis_1', 'CloudWatch Invocations', 'metric_sum'),
        ax('y_axis_2', 'Rows received', 'gen_ai_request_model'),
        ax('y_axis_3', 'Missing', 'metric_sum'),
      ],
      w: 96,
      h: 16,
    },
    {
      type: 'line',
      title: 'Bedrock log delivery (CloudWatch)',
      description:
        'ModelInvocationLogsCloudWatchDeliverySuccess/Failure and the S3 variants: failures here are logs Bedrock could not write.',
      stream: 'bedrock_metrics',
      sql: `SELECT histogram(_timestamp) AS x_axis_1, metric_name AS x_axis_2, SUM(metric_sum) AS y_axis_1 FROM ${MET} WHERE ${BEDROCK_METRIC} AND metric_name IN ('ModelInvocationLogsCloudWatchDeliverySuccess', 'ModelInvocationLogsCloudWatchDeliveryFailure', 'ModelInvocationLogsS3DeliverySuccess', 'ModelInvocationLogsS3DeliveryFailure') GROUP BY x_axis_1, x_axis_2 ORDER BY x_axis_1`,
      x: [time],
      breakdown: [ax('x_axis_2', 'Metric', 'metric_name')],
      y: [ax('y_axis_1', 'Count', 'metric_sum')],
      w: 96,
      h: 16,
    },
    {
      type: 'h-bar',
      title: 'Normaliser warnings by code',
      description:
        'Rows carrying each warning code of normaliser_warnings (a row can carry several); the codes are listed in the README.',
      stream: 'bedrock_invocations',
      sql: `SELECT x_axis_1, y_axis_1 FROM (${warningCodeCounts()}) AS per_code WHERE y_axis_1 > 0 ORDER BY y_axis_1 DESC`,
      x: [ax('x_axis_1', 'Warning code', 'normaliser_warnings')],
      y: [ax('y_axis_1', 'Rows', '_timestamp')],
      w: 96,
      h: 16,
    },
    {
      type: 'table',
      title: 'Unpriced models',
      description: 'Models whose rows carry no cost: add a price override.',
      stream: 'bedrock_invocations',
      sql: `SELECT gen_ai_request_model AS x_axis_1, gen_ai_response_model AS x_axis_2, COUNT(*) AS y_axis_1 FROM ${INV} WHERE aws_bedrock_cost_status = 'unpriced' GROUP BY x_axis_1, x_axis_2 ORDER BY y_axis_1 DESC`,
      x: [
        ax('x_axis_1', 'Model as called', 'gen_ai_request_model'),
        ax('x_axis_2', 'Resolved model', 'gen_ai_response_model'),
      ],
      y: [ax('y_axis_1', 'Rows', '_timestamp')],
      w: 96,
      h: 16,
    },
    {
      type: 'metric',
      title: 'Log delivery lag behind metrics (minutes)',
      description:
        'How many whole minutes the newest invocation row trails the newest AWS/Bedrock metric minute: logs travel through CloudWatch Logs, Firehose and the forwarder, metrics through the metric stream. Datapoints are stamped at the start of their minute, so rows are compared by their minute too; rows ahead of the metrics read as 0. Minutes are normal; hours mean logs are stuck or lost, and no value while the metrics count calls means no invocation row arrived in the whole range.',
      stream: 'bedrock_metrics',
      sql: `SELECT CASE WHEN m.newest < i.newest - i.newest % 60000000 THEN 0.0 ELSE (m.newest - (i.newest - i.newest % 60000000)) / 60000000.0 END AS y_axis_1 FROM (SELECT MAX(_timestamp) AS newest FROM ${MET} WHERE ${BEDROCK_METRIC} AND metric_name = 'Invocations') AS m, (SELECT MAX(_timestamp) AS newest FROM ${INV}) AS i`,
      x: [],
      y: [ax('y_axis_1', 'Minutes', '_timestamp')],
      w: 96,
      h: 8,
      decimals: 1,
    },
    {
      type: 'metric',
      title: 'Rows marked outside the ingest window',
      description:
        'Rows the forwarder flagged timestamp_outside_ingest_window; OpenObserve drops such rows unless ZO_INGEST_ALLOWED_UPTO covers them.',
      stream: 'bedrock_invocations',
      sql: `SELECT COUNT(*) AS y_axis_1 FROM ${INV} WHERE str_match(normaliser_warnings, 'timestamp_outside_ingest_window')`,
      x: [],
      y: [ax('y_axis_1', 'Rows', 'normaliser_warnings')],
      w: 96,
      h: 8,
      decimals: 0,
    },
  ],
};

const CONVERSATIONS: DashboardSpec = {
  file: 'conversations',
  title: 'Bedrock: Conversations',
  description:
    'The turns of one conversation (gen_ai_conversation_id, from requestMetadata) in order, and the busiest conversations.',
  range: '24h',
  variables: [constantLike('textbox', 'conversation', 'Conversation id', '')],
  panels: [
    {
      type: 'table',
      title: 'Busiest conversations',
      description: 'Conversations with the most turns; copy an id into the Conversation id variable.',
      stream: 'bedrock_invocations',
      sql: `SELECT gen_ai_conversation_id AS x_axis_1, COUNT(*) AS y_axis_1, SUM(gen_ai_usage_input_tokens) AS y_axis_2, SUM(gen_ai_usage_output_tokens) AS y_axis_3, SUM(gen_ai_usage_cost_usd) AS y_axis_4, to_timestamp_micros(MAX(_timestamp)) AS x_axis_2 FROM ${INV} WHERE gen_ai_conversation_id IS NOT NULL GROUP BY x_axis_1 ORDER BY y_axis_1 DESC LIMIT 50`,
      x: [
        ax('x_axis_1', 'Conversation', 'gen_ai_conversation_id'),
        ax('x_axis_2', 'Last turn', '_timestamp'),
      ],
      y: [
        ax('y_axis_1', 'Turns', '_timestamp'),
        ax('y_axis_2', 'Input tokens', 'gen_ai_usage_input_tokens'),
        ax('y_axis_3', 'Output tokens', 'gen_ai_usage_output_tokens'),
        ax('y_axis_4', 'Cost USD', 'gen_ai_usage_cost_usd'),
      ],
      w: 192,
      h: 14,
    },
    {
      type: 'table',
      title: 'Turns of the selected conversation',
      description: 'Every call of gen_ai_conversation_id = $conversation, oldest first.',
      stream: 'bedrock_invocations',
      sql: `SELECT to_timestamp_micros(_timestamp) AS x_axis_1, aws_bedrock_caller_name AS x_axis_2, gen_ai_response_model AS x_axis_3, gen_ai_input_preview AS x_axis_4, gen_ai_output_preview AS x_axis_5, gen_ai_response_finish_reason AS x_axis_6, gen_ai_usage_input_tokens AS y_axis_1, gen_ai_usage_output_tokens AS y_axis_2, gen_ai_usage_cost_usd AS y_axis_3, aws_bedrock_latency_ms AS y_axis_4 FROM ${INV} WHERE gen_ai_conversation_id = '$conversation' ORDER BY _timestamp ASC LIMIT 500`,
      x: [
        ax('x_axis_1', 'Time', '_timestamp'),
        ax('x_axis_2', 'Caller', 'aws_bedrock_caller_name'),
        ax('x_axis_3', 'Model', 'gen_ai_response_model'),
        ax('x_axis_4', 'Prompt', 'gen_ai_input_preview'),
        ax('x_axis_5', 'Response', 'gen_ai_output_preview'),
        ax('x_axis_6', 'Finish', 'gen_ai_response_finish_reason'),
      ],
      y: [
        ax('y_axis_1', 'In tok', 'gen_ai_usage_input_tokens'),
        ax('y_axis_2', 'Out tok', 'gen_ai_usage_output_tokens'),
        ax('y_axis_3', 'Cost USD', 'gen_ai_usage_cost_usd'),
        ax('y_axis_4', 'Latency ms', 'aws_bedrock_latency_ms'),
      ],
      w: 192,
      h: 20,
    },
    {
      type: 'bar',
      title: 'Tokens per turn of the selected conversation',
      description: 'Input and output tokens of each turn: a growing input shows the context filling up.',
      stream: 'bedrock_invocations',
      sql: `SELECT to_timestamp_micros(_timestamp) AS x_axis_1, gen_ai_usage_input_tokens AS y_axis_1, gen_ai_usage_output_tokens AS y_axis_2 FROM ${INV} WHERE gen_ai_conversation_id = '$conversation' ORDER BY _timestamp ASC LIMIT 500`,
      x: [ax('x_axis_1', 'Turn', '_timestamp')],
      y: [
        ax('y_axis_1', 'Input tokens', 'gen_ai_usage_input_tokens'),
        ax('y_axis_2', 'Output tokens', 'gen_ai_usage_output_tokens'),
      ],
      w: 192,
      h: 14,
    },
  ],
};

export const DASHBOARD_SPECS: readonly DashboardSpec[] = [OVERVIEW, COST, CAPACITY, PIPELINE, CONVERSATIONS];

function axisItem(axis: Axis, color: string | null): Record<string, unknown> {
  return { label: axis.label, alias: axis.alias, column: axis.column, color, isDerived: false };
}

const PALETTE = ['#5960b2', '#c23531', '#2f4554', '#61a0a8', '#d48265'];

function panelBody(spec: PanelSpec, index: number, x: number, y: number): Record<string, unknown> {
  return {
    id: `Panel_bedrock_${index + 1}`,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    config: {
      show_legends: true,
      legends_position: null,
      ...(spec.unit === undefined ? {} : { unit: spec.unit }),
      ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
      connect_nulls: false,
      wrap_table_cells: true,
    },
    queryType: 'sql',
    queries: [
      {
        query: spec.sql,
        vrlFunctionQuery: '',
        customQuery: true,
        fields: {
          stream: spec.stream,
          stream_type: 'logs',
          x: spec.x.map((axis) => axisItem(axis, null)),
          y: spec.y.map((axis, i) => axisItem(axis, PALETTE[i % PALETTE.length] ?? null)),
          z: [],
          breakdown: (spec.breakdown ?? []).map((axis) => axisItem(axis, null)),
          filter: { filterType: 'group', logicalOperator: 'AND', conditions: [] },
        },
        config: { promql_legend: '', limit: 0, time_shift: [] },
      },
    ],
    layout: { x, y, w: spec.w, h: spec.h, i: index + 1 },
  };
}

/** Panels flow left to right on the 192-column grid, wrapping when a row is full. */
function layoutPanels(panels: readonly PanelSpec[]): Record<string, unknown>[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((panel, index) => {
    if (x + panel.w > 192) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const body = panelBody(panel, index, x, y);
    x += panel.w;
    rowHeight = Math.max(rowHeight, panel.h);
    return body;
  });
}

export function dashboardBody(spec: DashboardSpec): Record<string, unknown> {
  return {
    version: 8,
    dashboardId: '',
    title: spec.title,
    description: spec.description,
    role: '',
    owner: '',
    created: '2026-11-30T00:00:00Z',
    tabs: [{ tabId: 'default', name: 'Default', panels: layoutPanels(spec.panels) }],
    variables: { list: spec.variables.map((variable) => variable.body), showDynamicFilters: false },
    defaultDatetimeDuration: { type: 'relative', relativeTimePeriod: spec.range },
  };
}

export const DASHBOARD_DIR = fileURLToPath(new URL('../openobserve/dashboards/', import.meta.url));

export function dashboardFileText(spec: DashboardSpec): string {
  return `${JSON.stringify(dashboardBody(spec), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const spec of DASHBOARD_SPECS) {
    writeFileSync(`${DASHBOARD_DIR}${spec.file}.dashboard.json`, dashboardFileText(spec));
  }
}
