import { describe, expect, it } from 'vitest';
import {
  ALL_VALUES,
  histogramIntervalFor,
  openLocalSql,
  substituteVariables,
  type VariableValue,
} from '../../../functions/openobserve/local-sql.ts';

describe('substituteVariables (as the OpenObserve UI and server do)', () => {
  it('quotes list values, doubling quotes inside them', () => {
    const sql = substituteVariables(
      'SELECT 1 WHERE caller IN ($caller)',
      new Map([['caller', ["O'Reilly", 'b']]]),
    );
    expect(sql).toBe("SELECT 1 WHERE caller IN ('O''Reilly','b')");
  });

  it('inserts single values as typed, in the bare and braced forms, leaving unknown names alone', () => {
    const values = new Map([
      ['key', 'team'],
      ['quota', '200'],
    ]);
    expect(substituteVariables(`SELECT x_$${'{key}'}, $quota / 2, $other`, values)).toBe(
      'SELECT x_team, 200 / 2, $other',
    );
  });

  it('turns a filter on the all-values placeholder into TRUE, as the server does', () => {
    const values = new Map<string, VariableValue>([
      ['region', [ALL_VALUES]],
      ['conversation', ALL_VALUES],
    ]);
    expect(
      substituteVariables(
        "WHERE cloud_region IN ($region) AND gen_ai_conversation_id = '$conversation'",
        values,
      ),
    ).toBe('WHERE TRUE AND TRUE');
  });
});

describe('histogramIntervalFor', () => {
  const minute = 60_000_000;
  it.each([
    [[0], '1 minute'],
    [[0, 30 * minute], '1 minute'],
    [[0, 5 * 60 * minute], '5 minute'],
    [[0, 24 * 60 * minute], '30 minute'],
    [[0, 30 * 24 * 60 * minute], '12 hour'],
    [[0, 90 * 24 * 60 * minute], '24 hour'],
  ])('%j µs → %s', (times, interval) => {
    expect(histogramIntervalFor(times)).toBe(interval);
  });
});

describe('OpenObserve functions in the local engine', () => {
  it('histogram buckets µs timestamps, approx_percentile_cont and str_match behave as on the server', async () => {
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0) * 1000;
    const engine = await openLocalSql([
      {
        name: 'bedrock_invocations',
        kind: 'invocation',
        rows: [10, 20, 30, 40].map((latency, i) => ({
          _timestamp: t0 + i * 90_000_000,
          aws_bedrock_latency_ms: latency,
          normaliser_warnings: i === 0 ? '["price_missing"]' : undefined,
        })),
      },
    ]);
    try {
      const buckets = await engine.run(
        `SELECT histogram(_timestamp, '5 minutes') AS b, COUNT(*) AS n, approx_percentile_cont(aws_bedrock_latency_ms, 0.5) AS p50, SUM(CASE WHEN str_match(normaliser_warnings, 'price_missing') THEN 1 ELSE 0 END) AS warned FROM "bedrock_invocations" GROUP BY b ORDER BY b`,
      );
      expect(buckets.rows).toEqual([{ b: '2026-01-01T10:00:00.000Z', n: 4, p50: 25, warned: 1 }]);
      const time = await engine.run(
        'SELECT to_timestamp_micros(MIN(_timestamp)) AS t FROM "bedrock_invocations"',
      );
      expect(time.rows).toEqual([{ t: '2026-01-01T10:00:00.000Z' }]);
    } finally {
      engine.close();
    }
  });
});
