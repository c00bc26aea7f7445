import { describe, expect, it } from 'vitest';
import { DASHBOARD_METADATA_FIELDS } from '../../../functions/openobserve/assets.ts';
import { invocationStreamSpec, metricStreamSpec } from '../../../functions/openobserve/stream-spec.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';

function typeOf(spec: ReturnType<typeof invocationStreamSpec>, name: string) {
  return spec.fields.find((field) => field.name === name)?.type;
}

describe('stream specs from the row schemas', () => {
  it('types every fractional invocation field Float64 and counts Int64', () => {
    const spec = invocationStreamSpec('bedrock_invocations');

    const floats = spec.fields.filter((f) => f.type === 'Float64').map((f) => f.name);
    expect(floats.sort()).toEqual(
      [
        'aws_bedrock_first_byte_latency_ms',
        'aws_bedrock_latency_ms',
        'gen_ai_request_temperature',
        'gen_ai_request_top_p',
        'gen_ai_usage_cost_usd',
        'gen_ai_usage_input_cost_usd',
        'gen_ai_usage_output_cost_usd',
      ].sort(),
    );
    expect(typeOf(spec, 'gen_ai_usage_output_tokens')).toBe('Int64');
    expect(typeOf(spec, 'aws_bedrock_streaming')).toBe('Boolean');
    expect(typeOf(spec, 'aws_request_id')).toBe('Utf8');
    expect(typeOf(spec, '_timestamp')).toBeUndefined();
  });

  it('covers every declared row field, so a new schema field is typed without a change here', () => {
    const spec = invocationStreamSpec('s');
    const shape = Object.keys((InvocationRowSchema as unknown as { shape: Record<string, unknown> }).shape);

    const declared = spec.fields.filter((f) => !f.name.startsWith('aws_bedrock_request_metadata_'));
    expect(declared.map((f) => f.name).sort()).toEqual(
      shape.filter((k) => k !== '_timestamp' && !k.startsWith('aws_bedrock_request_metadata_')).sort(),
    );
  });

  it('declares the promoted metadata columns the Cost dashboard groups by, as Utf8', () => {
    const spec = invocationStreamSpec('s');
    for (const column of DASHBOARD_METADATA_FIELDS) expect(typeOf(spec, column)).toBe('Utf8');
  });

  it('types metric statistics, including the percentiles the metric stream adds, Float64', () => {
    const spec = metricStreamSpec('bedrock_metrics', 14);

    for (const name of [
      'metric_min',
      'metric_max',
      'metric_sum',
      'metric_count',
      'metric_avg',
      'metric_p99',
    ]) {
      expect(typeOf(spec, name), name).toBe('Float64');
    }
    expect(spec.retentionDays).toBe(14);
    expect(spec.indexFields).toEqual(['metric_name', 'aws_bedrock_model_id']);
  });
});
