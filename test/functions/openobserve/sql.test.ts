import * as vrl from '@bpinternal/verel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firehoseEvent } from '../../../functions/cli/firehose-event.ts';
import {
  type AlertAsset,
  DEFAULT_ASSET_OPTIONS,
  DEFAULT_THRESHOLDS,
  loadAssets,
} from '../../../functions/openobserve/assets.ts';
import { type LocalSqlEngine, openLocalSql, syntaxError } from '../../../functions/openobserve/local-sql.ts';
import { defaultVariableValues, panelsOf, runPanel } from '../../../functions/openobserve/panels.ts';
import { processMetricsEvent } from '../../../functions/transform/metrics/process-metrics.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { localStreams, transformedRows } from '../../helpers/o2-rows.ts';
import { rowsOfResponse } from '../../helpers/rows.ts';

/**
 * Every dashboard panel and alert query parses with the DataFusion SQL parser and runs in the local engine
 * over rows the real transformations produced from the fixtures, returning the columns it plots; the alert
 * conditions fire on the data they describe and stay quiet otherwise.
 */

let engine: LocalSqlEngine;
let rows: Awaited<ReturnType<typeof transformedRows>>;

beforeAll(async () => {
  rows = await transformedRows();
  engine = await openLocalSql(localStreams(rows));
});
afterAll(() => engine.close());

const assets = loadAssets(DEFAULT_ASSET_OPTIONS);
const alertSql = (alert: AlertAsset) => (alert.body['query_condition'] as { sql: string }).sql;
const alertNamed = (name: string, thresholds = DEFAULT_THRESHOLDS) => {
  const found = loadAssets({ ...DEFAULT_ASSET_OPTIONS, thresholds }).alerts.find((a) => a.name === name);
  if (found === undefined) throw new Error(`no alert ${name}`);
  return found;
};

function busiestConversation(): string {
  const counts = new Map<string, number>();
  for (const row of rows.invocations) {
    const id = row['gen_ai_conversation_id'];
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  if (best === undefined) throw new Error('the fixtures have no conversation id');
  return best[0];
}

describe('dashboard panels run over transformed fixture rows', () => {
  for (const dashboard of assets.dashboards) {
    for (const panel of panelsOf(dashboard.body)) {
      it(`${dashboard.title} / ${panel.title}`, async () => {
        const variables = defaultVariableValues(
          dashboard.body,
          new Map([['conversation', busiestConversation()]]),
        );
        const outcome = await runPanel(engine, panel, variables);
        if (!outcome.ok) throw new Error(`${outcome.error}\n${outcome.sql}`);
        expect(outcome.result.rows.length).toBeGreaterThan(0);
        for (const axis of [...panel.x, ...panel.y, ...panel.breakdown]) {
          expect(outcome.result.columns).toContain(axis.alias);
        }
      });
    }
  }
});

describe('alert queries run over transformed fixture rows', () => {
  for (const alert of assets.alerts) {
    it(`${alert.name} parses and executes`, async () => {
      const result = await engine.run(alertSql(alert));
      expect(result.columns.length).toBeGreaterThan(0);
    });
  }
});

describe('the local engine refuses what OpenObserve would refuse', () => {
  it('a text the DataFusion parser rejects fails at parse, before DuckDB sees it', async () => {
    expect(await syntaxError('SELECT COUNT(*) FROM "bedrock_invocations" WHERE')).toBeDefined();
    await expect(engine.run('SELECT COUNT(*) FROM "bedrock_invocations" WHERE')).rejects.toThrow(/^parse: /);
  });

  it('a field no row schema declares fails at execution', async () => {
    await expect(
      engine.run('SELECT SUM(gen_ai_usage_cost_dollars) FROM "bedrock_invocations"'),
    ).rejects.toThrow(/^execute: .*gen_ai_usage_cost_dollars/);
  });

  it('a declared field no row carries reads as empty, as on a provisioned stream', async () => {
    const result = await engine.run(
      'SELECT COUNT(gen_ai_usage_reasoning_output_tokens) AS n FROM "bedrock_invocations"',
    );
    expect(result.rows).toEqual([{ n: expect.any(Number) }]);
  });
});

describe('alert conditions', () => {
  const fires = async (alert: AlertAsset, on: LocalSqlEngine = engine) =>
    (await on.run(alertSql(alert))).rows;

  it('cost per hour fires only above the budget', async () => {
    const total = rows.invocations.reduce((sum, row) => sum + Number(row['gen_ai_usage_cost_usd'] ?? 0), 0);
    expect(total).toBeGreaterThan(0);
    expect(await fires(alertNamed('Bedrock cost per hour over budget'))).toEqual([]);
    const low = { ...DEFAULT_THRESHOLDS, costPerHourUsd: total / 2 };
    const fired = await fires(alertNamed('Bedrock cost per hour over budget', low));
    expect(fired).toHaveLength(1);
    expect(fired[0]?.['cost_usd']).toBeCloseTo(total, 9);
  });

  it('error rate fires for the model that has errors once enough invocations count', async () => {
    const errored = rows.invocations.filter((row) => row['aws_bedrock_status'] === 'error');
    expect(errored.length).toBeGreaterThan(0);
    expect(await fires(alertNamed('Bedrock error rate'))).toEqual([]);
    const strict = { ...DEFAULT_THRESHOLDS, errorRateMinInvocations: 1, errorRatePercent: 1 };
    const fired = await fires(alertNamed('Bedrock error rate', strict));
    expect(fired.map((row) => row['gen_ai_response_model'])).toEqual(
      expect.arrayContaining([...new Set(errored.map((row) => row['gen_ai_response_model']))]),
    );
  });

  it('throttling fires on the model the metric stream reports throttles for', async () => {
    const fired = await fires(alertNamed('Bedrock throttling'));
    expect(fired.map((row) => row['aws_bedrock_model_id'])).toEqual([
      'anthropic.claude-3-haiku-20240307-v1:0',
    ]);
    expect(
      await fires(alertNamed('Bedrock throttling', { ...DEFAULT_THRESHOLDS, throttlesPerWindow: 1000 })),
    ).toEqual([]);
  });

  it('unpriced model lists every unpriced model once', async () => {
    const unpriced = new Set(
      rows.invocations
        .filter((row) => row['aws_bedrock_cost_status'] === 'unpriced')
        .map((row) => `${row['gen_ai_request_model']}|${row['gen_ai_response_model'] ?? null}`),
    );
    const fired = await fires(alertNamed('Bedrock unpriced model'));
    expect(
      new Set(fired.map((row) => `${row['gen_ai_request_model']}|${row['gen_ai_response_model'] ?? null}`)),
    ).toEqual(unpriced);
  });

  it('cost this hour vs a week ago: the VRL fires on growth beyond the ratio only', async () => {
    const alert = alertNamed('Bedrock cost this hour vs a week ago');
    const condition = alert.body['query_condition'] as {
      vrl_function: string;
      multi_time_range: { offSet: string }[];
    };
    expect(condition.multi_time_range).toEqual([{ offSet: '7d' }]);
    const program = Buffer.from(condition.vrl_function, 'base64url').toString('utf8');
    expect(program.startsWith('#ResultArray#')).toBe(true);
    const current = (await engine.run(alertSql(alert))).rows.map((row) => ({ ...row }));
    const cost = Number(current[0]?.['cost_usd']);
    const lowered = alertNamed(alert.name, { ...DEFAULT_THRESHOLDS, costWeekOverWeekMinUsd: cost / 10 });
    const loweredProgram = Buffer.from(
      (lowered.body['query_condition'] as { vrl_function: string }).vrl_function,
      'base64url',
    ).toString('utf8');
    expect(vrl.check(loweredProgram).errors).toEqual([]);
    const grew = vrl.execute(loweredProgram, [current, [{ cost_usd: cost / 4 }]]).event as unknown[][];
    expect(grew).toEqual([[{ cost_usd: cost, cost_usd_week_ago: cost / 4, growth: 4 }]]);
    expect(vrl.execute(loweredProgram, [current, [{ cost_usd: cost / 1.5 }]]).event).toEqual([]);
    expect(vrl.execute(program, [current, [{ cost_usd: cost / 4 }]]).event).toEqual([]); // below the $5 minimum
  });
});

describe('completeness: CloudWatch Invocations vs invocation rows', () => {
  const MODEL = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
  const START_MS = Date.UTC(2026, 10, 1, 10, 0, 0);
  const MINUTES = 80;
  const PER_MINUTE = 10;

  /** The metric stream's Invocations for one `ModelId`: PER_MINUTE calls every minute, through the real transform. */
  function metricRows(modelId = MODEL): Record<string, unknown>[] {
    const lines = Array.from({ length: MINUTES }, (_, minute) =>
      JSON.stringify({
        metric_stream_name: 's',
        account_id: '123456789012',
        region: 'us-east-1',
        namespace: 'AWS/Bedrock',
        metric_name: 'Invocations',
        dimensions: { ModelId: modelId },
        timestamp: START_MS + minute * 60_000,
        value: { max: 1, min: 1, sum: PER_MINUTE, count: PER_MINUTE },
        unit: 'Count',
      }),
    );
    const { response } = processMetricsEvent(
      firehoseEvent([Buffer.from(lines.join('\n')).toString('base64')]),
      {
        telemetry: silentTelemetry,
        maxDecompressedBytes: 1 << 24,
      },
    );
    return rowsOfResponse(response);
  }

  /** Invocation rows of that model, one real transformed row re-timed, `keep(minute, i)` deciding which arrived. */
  function invocationRows(
    keep: (minute: number, index: number) => boolean,
    calledAs = MODEL,
  ): Record<string, unknown>[] {
    const template = rows.invocations.find((row) => row['source_type'] === 'bedrock_invocation_log');
    const out: Record<string, unknown>[] = [];
    for (let minute = 0; minute < MINUTES; minute++) {
      for (let i = 0; i < PER_MINUTE; i++) {
        if (!keep(minute, i)) continue;
        out.push({
          ...template,
          _timestamp: (START_MS + minute * 60_000 + i * 5_000) * 1000,
          gen_ai_request_model: calledAs,
          cloud_account_id: '123456789012',
          cloud_region: 'us-east-1',
        });
      }
    }
    return out;
  }

  async function completenessRows(
    keep: (minute: number, index: number) => boolean,
    { dimension = MODEL, calledAs = MODEL }: { dimension?: string; calledAs?: string } = {},
  ) {
    const local = await openLocalSql(
      localStreams({ invocations: invocationRows(keep, calledAs), metrics: metricRows(dimension) }),
    );
    try {
      return (await local.run(alertSql(alertNamed('Bedrock invocation logs incomplete')))).rows;
    } finally {
      local.close();
    }
  }

  it('stays quiet when every invocation arrived', async () => {
    expect(await completenessRows(() => true)).toEqual([]);
  });

  it('stays quiet while the newest logs are still on their way (inside the lag)', async () => {
    expect(await completenessRows((minute) => minute < MINUTES - 15)).toEqual([]);
  });

  it('fires with the gap when logs older than the lag are missing', async () => {
    const fired = await completenessRows((minute, i) => !(minute >= 10 && minute < 20 && i % 2 === 0));
    // Datapoints (and the calls of their minute) before the newest datapoint minus 20 minutes: minutes 0..58.
    expect(fired).toEqual([
      {
        cloud_account_id: '123456789012',
        cloud_region: 'us-east-1',
        model_id: MODEL,
        expected_invocations: 590,
        received_rows: 540,
        missing_rows: 50,
      },
    ]);
  });

  it('tolerates a gap below the ratio', async () => {
    expect(await completenessRows((minute, i) => !(minute === 10 && i < 5))).toEqual([]);
  });

  // The invocation log's modelId is exactly what the caller passed (an id or an ARN). Public code that reads
  // AWS/Bedrock metrics for application inference profiles queries ModelId with the profile's id, the last part
  // of the ARN the caller passed; for the other ARN kinds it is not documented whether the dimension keeps the
  // ARN or its id. The join compares both sides by the resource id, so it holds either way.
  const ACCOUNT_ARN = 'arn:aws:bedrock:us-east-1:123456789012';
  const callerKinds: [string, { dimension: string; calledAs: string }][] = [
    [
      'application inference profile ARN, ModelId the profile id',
      { dimension: 'a1b2c3d4e5f6', calledAs: `${ACCOUNT_ARN}:application-inference-profile/a1b2c3d4e5f6` },
    ],
    [
      'system inference profile ARN, ModelId the profile id',
      { dimension: MODEL, calledAs: `${ACCOUNT_ARN}:inference-profile/${MODEL}` },
    ],
    [
      'system inference profile ARN, ModelId the ARN',
      {
        dimension: `${ACCOUNT_ARN}:inference-profile/${MODEL}`,
        calledAs: `${ACCOUNT_ARN}:inference-profile/${MODEL}`,
      },
    ],
    [
      'foundation-model ARN, ModelId the ARN',
      {
        dimension: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
        calledAs: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
      },
    ],
    [
      'provisioned-throughput ARN, ModelId its id',
      { dimension: 'x7y8z9w0v1u2', calledAs: `${ACCOUNT_ARN}:provisioned-model/x7y8z9w0v1u2` },
    ],
  ];

  it.each(callerKinds)('stays quiet when every call arrived: %s', async (_, forms) => {
    expect(await completenessRows(() => true, forms)).toEqual([]);
  });

  it.each(callerKinds)('fires with the gap when logs are missing: %s', async (_, forms) => {
    const fired = await completenessRows((minute, i) => !(minute >= 10 && minute < 20 && i % 2 === 0), forms);
    expect(fired).toEqual([
      expect.objectContaining({ expected_invocations: 590, received_rows: 540, missing_rows: 50 }),
    ]);
  });

  it.each(callerKinds)(
    'the dashboard table shows nothing missing when every call arrived: %s',
    async (_, forms) => {
      const dashboard = assets.dashboards.find((d) =>
        panelsOf(d.body).some((p) => p.title === 'CloudWatch Invocations vs invocation rows, per model'),
      );
      const panel =
        dashboard && panelsOf(dashboard.body).find((p) => p.title.startsWith('CloudWatch Invocations vs'));
      if (dashboard === undefined || panel === undefined) throw new Error('no completeness panel');
      const local = await openLocalSql(
        localStreams({
          invocations: invocationRows(() => true, forms.calledAs),
          metrics: metricRows(forms.dimension),
        }),
      );
      try {
        const outcome = await runPanel(local, panel, defaultVariableValues(dashboard.body));
        if (!outcome.ok) throw new Error(outcome.error);
        expect(outcome.result.rows).toEqual([
          expect.objectContaining({
            y_axis_1: MINUTES * PER_MINUTE,
            y_axis_2: MINUTES * PER_MINUTE,
            y_axis_3: 0,
          }),
        ]);
      } finally {
        local.close();
      }
    },
  );

  it.each([
    ['rows up to the last second of the newest metric minute', () => true, 0],
    [
      'rows only in the first seconds of that minute',
      (m: number, i: number) => m < MINUTES - 1 || i === 0,
      0,
    ],
    ['rows that stop four minutes before it', (m: number) => m < MINUTES - 4, 4],
    // Logs stuck or lost for the whole range: no number, rather than the 0 that reads as healthy.
    ['no invocation row at all while metrics count calls', () => false, null],
  ])('the Pipeline health lag panel reads whole minutes: %s', async (_name, keep, minutes) => {
    const dashboard = assets.dashboards.find((d) => d.title.includes('Pipeline health'));
    const panel = panelsOf(dashboard?.body ?? {}).find((p) => p.title.startsWith('Log delivery lag'));
    if (dashboard === undefined || panel === undefined) throw new Error('no lag panel');
    const local = await openLocalSql(
      localStreams({ invocations: invocationRows(keep), metrics: metricRows() }),
    );
    try {
      const outcome = await runPanel(local, panel, defaultVariableValues(dashboard.body, new Map()));
      if (!outcome.ok) throw new Error(outcome.error);
      expect(outcome.result.rows).toEqual([{ y_axis_1: minutes }]);
    } finally {
      local.close();
    }
  });

  it('sets the look-back to window + lag', () => {
    const alert = alertNamed('Bedrock invocation logs incomplete', {
      ...DEFAULT_THRESHOLDS,
      completenessWindowMinutes: 120,
      completenessLagMinutes: 30,
    });
    expect((alert.body['trigger_condition'] as { period: number }).period).toBe(150);
    expect(alertSql(alert)).toContain('MAX(_timestamp) - 30 /*threshold:completenessLagMinutes*/ * 60000000');
  });
});
