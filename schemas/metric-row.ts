import { z } from 'zod';
import { RECORD_SCHEMA_VERSION } from './invocation-row.ts';

/**
 * One CloudWatch Metric Stream datapoint (JSON output format) as a row (record-schema §3), for stream
 * `bedrock_metrics`. Besides the declared fields a row has `dimension_<name>` strings (one per dimension)
 * and `metric_<statistic>` floats for every extra statistic (`p99` → `metric_p99`, `p99.9` → `metric_p99_9`).
 */
const MetricRowFieldsSchema = z.strictObject({
  _timestamp: z.int().positive().describe('Datapoint time, µs since the epoch'),
  record_schema_version: z.literal(RECORD_SCHEMA_VERSION).describe('Version of this field contract'),
  source_type: z.literal('cloudwatch_metric_stream').describe('`cloudwatch_metric_stream`'),
  cloud_account_id: z.string().optional().describe('AWS account of the metric'),
  cloud_region: z.string().optional().describe('Region of the metric'),
  metric_stream_name: z.string().optional().describe('CloudWatch Metric Stream name'),
  metric_namespace: z.string().describe('e.g. AWS/Bedrock'),
  metric_name: z.string().describe('e.g. InvocationLatency'),
  metric_unit: z.string().optional().describe('CloudWatch unit, e.g. Milliseconds, Count'),
  metric_dimensions: z.string().describe('All dimensions as JSON text'),
  aws_bedrock_model_id: z.string().optional().describe('The ModelId dimension when present'),
  metric_min: z.number().optional().describe('Minimum over the period'),
  metric_max: z.number().optional().describe('Maximum over the period'),
  metric_sum: z.number().optional().describe('Sum over the period'),
  metric_count: z.number().optional().describe('Sample count over the period'),
  metric_avg: z.number().optional().describe('sum / count; absent when count is 0'),
  forwarder_version: z.string().describe('bedrock-o2 package version'),
});

const declaredFields = new Set(Object.keys(MetricRowFieldsSchema.shape));

export const MetricRowSchema = MetricRowFieldsSchema.catchall(z.union([z.string(), z.number()])).superRefine(
  (row, ctx) => {
    for (const [key, value] of Object.entries(row)) {
      if (declaredFields.has(key)) continue;
      if (/^dimension_[a-z0-9_]{1,64}$/.test(key) && typeof value === 'string') continue;
      if (/^metric_[a-z0-9_]{1,64}$/.test(key) && typeof value === 'number') continue;
      ctx.addIssue({ code: 'custom', path: [key], message: 'unknown field' });
    }
  },
);
export type MetricRow = z.infer<typeof MetricRowSchema>;

export function describeMetricFields(): [string, string][] {
  return Object.entries(MetricRowFieldsSchema.shape).map(([k, v]) => [k, v.description ?? '']);
}
