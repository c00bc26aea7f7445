import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import {
  type AlertThresholds,
  DEFAULT_ASSET_OPTIONS,
  DEFAULT_THRESHOLDS,
  loadAssets,
} from '../../../functions/openobserve/assets.ts';
import { type LocalSqlEngine, openLocalSql } from '../../../functions/openobserve/local-sql.ts';
import { defaultVariableValues, panelsOf, runPanel } from '../../../functions/openobserve/panels.ts';
import { captureIo } from '../../helpers/cli.ts';
import { localStreams } from '../../helpers/o2-rows.ts';

/**
 * The demo's two outputs agree: its metric rows are what CloudWatch would have counted for its invocation
 * rows, so the completeness alert and the Pipeline health comparison find nothing missing.
 */

type Row = Record<string, unknown>;
let invocations: Row[];
let metrics: Row[];

function readNdjson(file: string): Row[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'o2-demo-'));
  const { io, stderr } = captureIo({ cwd: dir });
  const code = await main(['demo', '--out', 'demo'], io);
  if (code !== 0) throw new Error(`demo exited ${code}: ${stderr()}`);
  invocations = readNdjson(join(dir, 'demo', 'bedrock_invocations.ndjson'));
  metrics = readNdjson(join(dir, 'demo', 'bedrock_metrics.ndjson'));
});

/** The model as both sides are compared: an ARN by its last path segment, as the alert SQL does. */
const modelKey = (model: unknown) => String(model).replace(/^arn:.*\//, '');
const minuteOf = (timestampUs: unknown) => Math.floor(Number(timestampUs) / 60_000_000) * 60_000_000;

function tally(rows: readonly Row[], key: (row: Row) => string, amount: (row: Row) => number) {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(key(row), (totals.get(key(row)) ?? 0) + amount(row));
  return totals;
}

const metricSums = (name: string) =>
  tally(
    metrics.filter((m) => m['metric_name'] === name),
    (m) =>
      `${m['cloud_account_id']}|${m['cloud_region']}|${modelKey(m['aws_bedrock_model_id'])}|${m['_timestamp']}`,
    (m) => Number(m['metric_sum']),
  );
const completed = () => invocations.filter((row) => row['aws_bedrock_status'] !== 'error');
const rowKey = (row: Row) =>
  `${row['cloud_account_id']}|${row['cloud_region']}|${modelKey(row['gen_ai_request_model'])}|${minuteOf(row['_timestamp'])}`;

describe("the demo's metric rows describe its invocation rows", () => {
  it('CloudWatch Invocations equal the completed calls per account, region, model and minute', () => {
    expect(completed().length).toBeGreaterThan(40);
    expect(metricSums('Invocations')).toEqual(tally(completed(), rowKey, () => 1));
  });

  it('token counts equal the rows’ tokens per account, region, model and minute', () => {
    expect(metricSums('InputTokenCount')).toEqual(
      tally(
        completed().filter((row) => typeof row['gen_ai_usage_input_tokens'] === 'number'),
        rowKey,
        (row) => Number(row['gen_ai_usage_input_tokens']),
      ),
    );
    expect(metricSums('OutputTokenCount')).toEqual(
      tally(
        completed().filter((row) => typeof row['gen_ai_usage_output_tokens'] === 'number'),
        rowKey,
        (row) => Number(row['gen_ai_usage_output_tokens']),
      ),
    );
  });

  it('latency rows carry the percentiles, within min and max, from the rows’ latencies', () => {
    const latencies = metrics.filter((m) => m['metric_name'] === 'InvocationLatency');
    expect(latencies.length).toBeGreaterThan(0);
    const fromRows = completed().filter((row) => typeof row['aws_bedrock_latency_ms'] === 'number');
    expect(latencies.reduce((n, m) => n + Number(m['metric_count']), 0)).toBe(fromRows.length);
    expect(Math.max(...latencies.map((m) => Number(m['metric_max'])))).toBe(
      Math.max(...fromRows.map((row) => Number(row['aws_bedrock_latency_ms']))),
    );
    for (const m of latencies) {
      for (const p of ['metric_p50', 'metric_p90', 'metric_p99']) {
        expect(Number(m[p])).toBeGreaterThanOrEqual(Number(m['metric_min']));
        expect(Number(m[p])).toBeLessThanOrEqual(Number(m['metric_max']));
      }
    }
  });

  it('errored calls show in their error metric, and every row as a delivered log', () => {
    const clientErrors = invocations.filter((row) => row['error_type'] === 'ValidationException').length;
    expect(clientErrors).toBeGreaterThan(0);
    const sum = (name: string) =>
      metrics.filter((m) => m['metric_name'] === name).reduce((n, m) => n + Number(m['metric_sum']), 0);
    expect(sum('InvocationClientErrors')).toBe(clientErrors);
    expect(sum('ModelInvocationLogsCloudWatchDeliverySuccess')).toBe(invocations.length);
  });
});

describe('completeness over the demo output', () => {
  let engine: LocalSqlEngine;
  beforeAll(async () => {
    engine = await openLocalSql(localStreams({ invocations, metrics }));
  });
  afterAll(() => engine.close());

  // Every model judged, from one call on, with no tolerance and a lag of one minute.
  const STRICT: AlertThresholds = {
    ...DEFAULT_THRESHOLDS,
    completenessMinInvocations: 1,
    completenessMaxMissingRatio: 0.0001,
    completenessLagMinutes: 1,
  };
  const alertSql = (thresholds: AlertThresholds) => {
    const alert = loadAssets({ ...DEFAULT_ASSET_OPTIONS, thresholds }).alerts.find(
      (a) => a.name === 'Bedrock invocation logs incomplete',
    );
    if (alert === undefined) throw new Error('no completeness alert');
    return (alert.body['query_condition'] as { sql: string }).sql;
  };

  it('the alert finds nothing missing, at the default thresholds and at the strictest', async () => {
    expect((await engine.run(alertSql(DEFAULT_THRESHOLDS))).rows).toEqual([]);
    expect((await engine.run(alertSql(STRICT))).rows).toEqual([]);
  });

  it('the strict alert does see a model whose rows are lost (the check above can fail)', async () => {
    const lost = 'mistral.mistral-large-2407-v1:0';
    const lossy = await openLocalSql(
      localStreams({
        invocations: invocations.filter((row) => row['gen_ai_request_model'] !== lost),
        metrics,
      }),
    );
    try {
      const fired = (await lossy.run(alertSql(STRICT))).rows;
      expect(fired).toEqual([expect.objectContaining({ model_id: lost, received_rows: 0 })]);
    } finally {
      lossy.close();
    }
  });

  it('the Pipeline health table shows no model with rows missing', async () => {
    const dashboard = loadAssets(DEFAULT_ASSET_OPTIONS).dashboards.find(
      (d) => d.title === 'Bedrock: Pipeline health',
    );
    const panel =
      dashboard &&
      panelsOf(dashboard.body).find(
        (p) => p.title === 'CloudWatch Invocations vs invocation rows, per model',
      );
    if (dashboard === undefined || panel === undefined) throw new Error('no completeness panel');
    const outcome = await runPanel(engine, panel, defaultVariableValues(dashboard.body));
    if (!outcome.ok) throw new Error(outcome.error);
    const table = outcome.result.rows;
    expect(table.length).toBe(new Set(completed().map((row) => modelKey(row['gen_ai_request_model']))).size);
    for (const row of table) expect(Number(row['y_axis_3'])).toBeLessThanOrEqual(0);
    // Only a model with an errored call has more rows than CloudWatch Invocations.
    const errored = new Set(
      invocations
        .filter((row) => row['aws_bedrock_status'] === 'error')
        .map((row) => modelKey(row['gen_ai_request_model'])),
    );
    for (const row of table) {
      if (!errored.has(String(row['x_axis_1']))) expect(row['y_axis_1']).toBe(row['y_axis_2']);
    }
  });
});
