import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type MetricStreamDatapoint,
  metricStreamDatapoints,
  metricStreamLines,
  nearestRank,
} from '../../../functions/cli/demo-metric-stream.ts';
import { GENERIC_METRIC_STREAM } from '../../helpers/o2-rows.ts';

const MINUTE = Date.UTC(2026, 10, 30, 3, 0, 0);
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';

/** An invocation row as the logs transform writes it, with only the fields the generator reads varied. */
function row(fields: {
  atMs: number;
  model?: string;
  region?: string;
  account?: string;
  status?: string;
  errorType?: string;
  input?: number;
  output?: number;
  latency?: number;
  logSource?: string;
  sourceType?: string;
}): Record<string, unknown> {
  return {
    _timestamp: fields.atMs * 1000,
    record_schema_version: '1',
    source_type: fields.sourceType ?? 'bedrock_invocation_log',
    cloud_account_id: fields.account ?? '123456789012',
    cloud_region: fields.region ?? 'us-east-1',
    aws_bedrock_log_source: fields.logSource ?? 'cloudwatch_logs',
    gen_ai_request_model: fields.model ?? HAIKU,
    aws_bedrock_status: fields.status ?? 'success',
    ...(fields.errorType !== undefined && { error_type: fields.errorType }),
    ...(fields.input !== undefined && { gen_ai_usage_input_tokens: fields.input }),
    ...(fields.output !== undefined && { gen_ai_usage_output_tokens: fields.output }),
    ...(fields.latency !== undefined && { aws_bedrock_latency_ms: fields.latency }),
  };
}

function find(
  datapoints: readonly MetricStreamDatapoint[],
  metric: string,
  where: { model?: string; minute?: number; region?: string } = {},
): MetricStreamDatapoint[] {
  return datapoints.filter(
    (d) =>
      d.metric_name === metric &&
      (where.model === undefined || d.dimensions['ModelId'] === where.model) &&
      (where.minute === undefined || d.timestamp === where.minute) &&
      (where.region === undefined || d.region === where.region),
  );
}

describe('metricStreamDatapoints: what CloudWatch would publish for the rows', () => {
  const rows = [
    // Haiku, first minute: three calls, one of them in the minute's last millisecond.
    row({ atMs: MINUTE + 1_000, input: 10, output: 5, latency: 900 }),
    row({ atMs: MINUTE + 30_000, input: 20, output: 7, latency: 100 }),
    row({ atMs: MINUTE + 59_999, input: 30, output: 9, latency: 200 }),
    // Haiku, next minute: one call.
    row({ atMs: MINUTE + 60_000, input: 40, output: 11, latency: 300 }),
    // Nova, first minute, in another region: two calls.
    row({ atMs: MINUTE + 5_000, model: NOVA, region: 'eu-west-1', input: 7, output: 3, latency: 50 }),
    row({ atMs: MINUTE + 6_000, model: NOVA, region: 'eu-west-1', input: 8, output: 4, latency: 70 }),
  ];
  const datapoints = metricStreamDatapoints(rows);

  it('counts the invocations of each model and minute', () => {
    expect(
      find(datapoints, 'Invocations').map((d) => [d.dimensions['ModelId'], d.timestamp, d.value]),
    ).toEqual([
      [NOVA, MINUTE, { max: 1, min: 1, sum: 2, count: 2 }],
      [HAIKU, MINUTE, { max: 1, min: 1, sum: 3, count: 3 }],
      [HAIKU, MINUTE + 60_000, { max: 1, min: 1, sum: 1, count: 1 }],
    ]);
    expect(find(datapoints, 'Invocations', { model: NOVA })[0]?.region).toBe('eu-west-1');
  });

  it('sums the tokens, with min and max per call', () => {
    expect(find(datapoints, 'InputTokenCount', { model: HAIKU, minute: MINUTE })[0]?.value).toEqual({
      max: 30,
      min: 10,
      sum: 60,
      count: 3,
    });
    expect(find(datapoints, 'OutputTokenCount', { model: HAIKU, minute: MINUTE })[0]?.value).toEqual({
      max: 9,
      min: 5,
      sum: 21,
      count: 3,
    });
    expect(find(datapoints, 'InputTokenCount', { model: NOVA })[0]?.value.sum).toBe(15);
  });

  it('gives the latency min, max, sum and the percentiles the metric stream asks for', () => {
    expect(find(datapoints, 'InvocationLatency', { model: HAIKU, minute: MINUTE })[0]).toMatchObject({
      unit: 'Milliseconds',
      value: { max: 900, min: 100, sum: 1200, count: 3, p50: 200, p90: 900, p99: 900 },
    });
    expect(find(datapoints, 'InputTokenCount')[0]?.value).not.toHaveProperty('p50');
  });

  it('takes percentiles by nearest rank over many calls', () => {
    const latencies = Array.from({ length: 200 }, (_, i) => ((i * 73) % 200) + 1); // 1..200, shuffled
    const many = latencies.map((latency, i) => row({ atMs: MINUTE + i * 100, latency }));
    const [latency] = find(metricStreamDatapoints(many), 'InvocationLatency');
    expect(latency?.value).toEqual({
      max: 200,
      min: 1,
      sum: 20_100,
      count: 200,
      p50: 100,
      p90: 180,
      p99: 198,
    });
    expect(nearestRank([5], 50)).toBe(5);
    expect(nearestRank([1, 2, 3, 4], 0)).toBe(1);
  });

  it('counts each delivered log once per account, region and minute, without a ModelId', () => {
    expect(
      find(datapoints, 'ModelInvocationLogsCloudWatchDeliverySuccess').map((d) => [
        d.region,
        d.timestamp,
        d.dimensions,
        d.value.sum,
      ]),
    ).toEqual([
      ['eu-west-1', MINUTE, {}, 2],
      ['us-east-1', MINUTE, {}, 3],
      ['us-east-1', MINUTE + 60_000, {}, 1],
    ]);
    const fromS3 = metricStreamDatapoints([row({ atMs: MINUTE, logSource: 's3' })]);
    expect(find(fromS3, 'ModelInvocationLogsS3DeliverySuccess')[0]?.value.sum).toBe(1);
    expect(find(fromS3, 'ModelInvocationLogsCloudWatchDeliverySuccess')).toEqual([]);
    expect(datapoints.some((d) => d.metric_name.endsWith('DeliveryFailure'))).toBe(false);
  });
});

describe('errors, throttles and odd rows', () => {
  const at = MINUTE + 10_000;
  const datapoints = metricStreamDatapoints([
    row({ atMs: at, latency: 100, input: 1, output: 1 }),
    row({ atMs: at, status: 'guardrail_intervened', input: 3, output: 0 }),
    row({ atMs: at, status: 'error', errorType: 'ThrottlingException', input: 99 }),
    row({ atMs: at, status: 'error', errorType: 'ValidationException', input: 0 }),
    row({ atMs: at, status: 'error', errorType: 'AccessDeniedException' }),
    row({ atMs: at, status: 'error', errorType: 'InternalServerException' }),
    row({ atMs: at, status: 'error', errorType: 'ServiceUnavailableException' }),
    row({ atMs: at, status: 'error', errorType: 'ModelTimeoutException' }),
    row({ atMs: at, status: 'error', errorType: 'constructor' }),
    row({ atMs: at, status: 'error' }),
  ]);
  const sum = (metric: string) => find(datapoints, metric).reduce((n, d) => n + (d.value.sum ?? 0), 0);

  it('counts completed calls (guardrail interventions included) as Invocations, errored ones not', () => {
    expect(sum('Invocations')).toBe(2);
    expect(sum('InputTokenCount')).toBe(4);
  });

  it('files errors by their code where the class is unambiguous, and unknown codes nowhere', () => {
    expect(sum('InvocationThrottles')).toBe(1);
    expect(sum('InvocationClientErrors')).toBe(2);
    expect(sum('InvocationServerErrors')).toBe(2);
  });

  it('still counts every row as a delivered log', () => {
    expect(sum('ModelInvocationLogsCloudWatchDeliverySuccess')).toBe(10);
  });

  it('names an application inference profile by its id and keeps every other model id as called', () => {
    const profile = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';
    const provisioned = 'arn:aws:bedrock:us-west-2:123456789012:provisioned-model/4k8qz1n7v2mb';
    const models = find(
      metricStreamDatapoints([
        row({ atMs: at, model: profile }),
        row({ atMs: at, model: provisioned }),
        row({ atMs: at, model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0' }),
        row({ atMs: at, model: '__proto__' }),
      ]),
      'Invocations',
    ).map((d) => d.dimensions['ModelId']);
    expect(models).toEqual([
      '__proto__',
      'a1b2c3d4e5f6',
      provisioned,
      'us.anthropic.claude-3-7-sonnet-20250219-v1:0',
    ]);
  });

  it('ignores rows that are not invocations or cannot be placed', () => {
    expect(
      metricStreamDatapoints([
        row({ atMs: at, sourceType: 'log' }),
        { ...row({ atMs: at }), cloud_region: undefined },
        { ...row({ atMs: at }), _timestamp: 'soon' },
      ]),
    ).toEqual([]);
    const noModel = metricStreamDatapoints([{ ...row({ atMs: at }), gen_ai_request_model: undefined }]);
    expect(noModel.map((d) => d.metric_name)).toEqual(['ModelInvocationLogsCloudWatchDeliverySuccess']);
  });
});

describe('metricStreamLines', () => {
  it('writes lines of the metric stream JSON format, field for field as the bundled sample', () => {
    const [sampleLine] = readFileSync(GENERIC_METRIC_STREAM, 'utf8').split('\n');
    const sample = JSON.parse(sampleLine ?? '{}') as Record<string, unknown>;
    const lines = metricStreamLines(
      [row({ atMs: MINUTE + 1, latency: 5, input: 1, output: 1 })],
      'my-stream',
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(Object.keys(sample).sort());
      expect(parsed).toMatchObject({
        metric_stream_name: 'my-stream',
        account_id: '123456789012',
        region: 'us-east-1',
        namespace: 'AWS/Bedrock',
        timestamp: MINUTE,
      });
    }
  });
});
