import { describe, expect, it } from 'vitest';
import { firehoseEvent } from '../../../functions/cli/firehose-event.ts';
import { metricRow, statisticColumn } from '../../../functions/transform/metrics/metric-row.ts';
import { processMetricsEvent } from '../../../functions/transform/metrics/process-metrics.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { MetricRowSchema } from '../../../schemas/metric-row.ts';
import { decodeRows } from '../../helpers/rows.ts';

const datapoint = {
  metric_stream_name: 'bedrock-o2-metrics',
  account_id: '123456789012',
  region: 'us-east-1',
  namespace: 'AWS/Bedrock',
  metric_name: 'InvocationLatency',
  dimensions: { ModelId: 'anthropic.claude-3-haiku-20240307-v1:0' },
  timestamp: 1_743_096_120_000,
  value: {
    max: 912,
    min: 301,
    sum: 6120,
    count: 10,
    p50: 540,
    p90: 850.5,
    p99: 905,
    'p99.9': 911,
    'TM(25%:75%)': 560,
  },
  unit: 'Milliseconds',
};
const ndjson = (...lines: object[]) =>
  Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')).toString('base64');

describe('metricRow (record-schema §3)', () => {
  it('one datapoint → one row with every statistic kept', () => {
    const row = metricRow(JSON.stringify(datapoint), 1);
    expect(MetricRowSchema.parse(row)).toEqual({
      _timestamp: 1_743_096_120_000_000,
      record_schema_version: '1',
      source_type: 'cloudwatch_metric_stream',
      cloud_account_id: '123456789012',
      cloud_region: 'us-east-1',
      metric_stream_name: 'bedrock-o2-metrics',
      metric_namespace: 'AWS/Bedrock',
      metric_name: 'InvocationLatency',
      metric_unit: 'Milliseconds',
      metric_dimensions: '{"ModelId":"anthropic.claude-3-haiku-20240307-v1:0"}',
      aws_bedrock_model_id: 'anthropic.claude-3-haiku-20240307-v1:0',
      dimension_modelid: 'anthropic.claude-3-haiku-20240307-v1:0',
      metric_min: 301,
      metric_max: 912,
      metric_sum: 6120,
      metric_count: 10,
      metric_avg: 612,
      metric_p50: 540,
      metric_p90: 850.5,
      metric_p99: 905,
      metric_p99_9: 911,
      metric_tm_25_75: 560,
      forwarder_version: expect.any(String),
    });
  });

  it('leaves metric_avg out when count is 0', () => {
    const row = metricRow(JSON.stringify({ ...datapoint, value: { max: 0, min: 0, sum: 0, count: 0 } }), 1);
    expect(row).not.toHaveProperty('metric_avg');
  });

  it.each([
    ['p99', 'metric_p99'],
    ['p99.9', 'metric_p99_9'],
    ['tm99', 'metric_tm99'],
    ['TM(25%:75%)', 'metric_tm_25_75'],
  ])('%s → %s', (stat, column) => expect(statisticColumn(stat)).toBe(column));
});

describe('metrics handler', () => {
  it('turns each NDJSON line into a row and keeps ids in order', () => {
    const good = ndjson(datapoint, {
      ...datapoint,
      metric_name: 'Invocations',
      value: { max: 1, min: 1, sum: 5, count: 5 },
    });
    const bad = Buffer.from(`${JSON.stringify(datapoint)}\n{not json`).toString('base64');
    const otel = Buffer.from([0x0a, 0x85, 0x01, 0x12, 0x00]).toString('base64');
    const event = firehoseEvent([good, bad, otel, Buffer.from('\n').toString('base64')], {
      streamName: 'bedrock-o2-metrics',
    });
    const { response } = processMetricsEvent(event, {
      telemetry: silentTelemetry,
      maxDecompressedBytes: 1 << 20,
    });
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(response.records.map((r) => r.result)).toEqual([
      'Ok',
      'ProcessingFailed',
      'ProcessingFailed',
      'Dropped',
    ]);
    expect(response.records[1]?.data).toBe(bad);
    const rows = decodeRows(response.records[0]?.data ?? '');
    expect(rows.map((r) => r['metric_name'])).toEqual(['InvocationLatency', 'Invocations']);
    for (const row of rows) MetricRowSchema.parse(row);
  });

  it('rejects a datapoint without a timestamp, naming the line', () => {
    expect(() => metricRow(JSON.stringify({ ...datapoint, timestamp: 'soon' }), 3)).toThrow(
      /line 3: timestamp/,
    );
  });
});
