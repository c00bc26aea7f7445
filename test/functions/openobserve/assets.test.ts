import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AlertAsset,
  AlertThresholdsSchema,
  type AssetSet,
  base64Url,
  DEFAULT_ASSET_OPTIONS,
  DEFAULT_THRESHOLDS,
  loadAssets,
  loadThresholds,
} from '../../../functions/openobserve/assets.ts';
import { panelsOf } from '../../../functions/openobserve/panels.ts';
import {
  DASHBOARD_DIR,
  DASHBOARD_SPECS,
  dashboardFileText,
} from '../../../scripts/openobserve-dashboards.ts';

function alertIn(assets: AssetSet, name: string): AlertAsset {
  const found = assets.alerts.find((a) => a.name === name);
  if (found === undefined) throw new Error(`no alert ${name}`);
  return found;
}
const condition = (alert: AlertAsset) =>
  alert.body['query_condition'] as { sql: string; vrl_function: string };

const renamed = { ...DEFAULT_ASSET_OPTIONS, invocationsStream: 'team_a_calls', metricsStream: 'team_a_cw' };

describe('loadAssets', () => {
  const defaults = loadAssets(DEFAULT_ASSET_OPTIONS);

  it('finds the five dashboards, nine alerts and two functions, with unique keys', () => {
    expect(defaults.dashboards.map((d) => d.title).sort()).toEqual([
      'Bedrock: Capacity',
      'Bedrock: Conversations',
      'Bedrock: Cost',
      'Bedrock: Overview',
      'Bedrock: Pipeline health',
    ]);
    expect(defaults.alerts).toHaveLength(9);
    expect(defaults.functions.map((f) => f.name).sort()).toEqual([
      'bedrock_enrich_team',
      'bedrock_redact_content',
    ]);
  });

  it('the dashboard files are what scripts/openobserve-dashboards.ts writes', () => {
    for (const spec of DASHBOARD_SPECS) {
      expect(readFileSync(join(DASHBOARD_DIR, `${spec.file}.dashboard.json`), 'utf8')).toBe(
        dashboardFileText(spec),
      );
    }
  });

  it('v8 dashboards: every panel has a SQL query, axes, a layout on the 192-column grid and a default range', () => {
    for (const { body } of defaults.dashboards) {
      expect(body['version']).toBe(8);
      expect(body['defaultDatetimeDuration']).toMatchObject({ type: 'relative' });
      for (const panel of panelsOf(body)) {
        expect(panel.sql).toMatch(/^(SELECT|WITH) /);
        expect(panel.x.length + panel.y.length).toBeGreaterThan(0);
        expect(panel.layout.x + panel.layout.w).toBeLessThanOrEqual(192);
      }
    }
  });

  it('substitutes the deployment stream names in stream fields and quoted identifiers only', () => {
    const assets = loadAssets(renamed);
    const text = JSON.stringify(assets);
    expect(text).not.toContain('"bedrock_invocations"');
    expect(text).not.toMatch(/\\"bedrock_(invocations|metrics)\\"/);
    for (const dashboard of assets.dashboards) {
      for (const panel of panelsOf(dashboard.body)) {
        expect(['team_a_calls', 'team_a_cw']).toContain(panel.stream);
        expect(panel.sql).toMatch(/"team_a_(calls|cw)"/);
      }
    }
    const completeness = alertIn(assets, 'Bedrock invocation logs incomplete');
    expect(completeness.streamName).toBe('team_a_calls');
    const sql = condition(completeness).sql;
    expect(sql).toContain('FROM "team_a_cw"');
    expect(sql).toContain('FROM "team_a_calls"');
    // Free text that merely mentions the default names stays as written.
    expect(assets.functions.every((f) => f.source.includes('bedrock_invocations'))).toBe(true);
    expect(assets.functions.every((f) => f.streamName === 'team_a_calls')).toBe(true);
  });

  it('alert bodies carry no id, folder or destinations, and every threshold marker is a known threshold', () => {
    const used = new Set<string>();
    for (const alert of defaults.alerts) {
      for (const field of ['id', 'folder_id', 'destinations']) expect(alert.body).not.toHaveProperty(field);
      expect(alert.streamType).toBe('logs');
      expect(String(alert.body['description']).length).toBeGreaterThan(80);
      for (const key of alert.thresholdKeys) used.add(key);
    }
    expect([...used].sort()).toEqual(Object.keys(AlertThresholdsSchema.shape).sort());
  });

  it('writes the configured thresholds into the alert queries, the VRL and the descriptions', () => {
    const thresholds = { ...DEFAULT_THRESHOLDS, costPerHourUsd: 12.5, costWeekOverWeekRatio: 3 };
    const assets = loadAssets({ ...DEFAULT_ASSET_OPTIONS, thresholds });
    const hourly = alertIn(assets, 'Bedrock cost per hour over budget');
    expect(condition(hourly).sql).toContain('> 12.5 /*threshold:costPerHourUsd*/');
    expect(hourly.body['description']).toMatch(/Thresholds: costPerHourUsd=12\.5\.$/);
    const weekly = alertIn(assets, 'Bedrock cost this hour vs a week ago');
    const vrl = Buffer.from(condition(weekly).vrl_function, 'base64url');
    expect(vrl.toString()).toContain('ratio_limit = 3.0 # threshold:costWeekOverWeekRatio');
  });

  it('the files themselves carry the default thresholds, so a hand import behaves as documented', () => {
    const file = readFileSync(join(DASHBOARD_DIR, '../alerts/cost-per-hour.json'), 'utf8');
    expect(file).toContain(`> ${DEFAULT_THRESHOLDS.costPerHourUsd} /*threshold:costPerHourUsd*/`);
    const weekly = JSON.parse(
      readFileSync(join(DASHBOARD_DIR, '../alerts/cost-week-over-week.json'), 'utf8'),
    );
    const vrlFile = readFileSync(join(DASHBOARD_DIR, '../alerts/cost-week-over-week.vrl'), 'utf8');
    expect(weekly.query_condition.vrl_function).toBe(base64Url(vrlFile));
    expect(Buffer.from(weekly.query_condition.vrl_function, 'base64url').toString()).toBe(vrlFile);
  });

  it('functions start with the two comment lines and end with "\\n."', () => {
    for (const fn of defaults.functions) {
      const [what, which] = fn.source.split('\n');
      expect(what).toMatch(/^# \S/);
      expect(which).toMatch(/^# Stream: bedrock_invocations/);
      expect(fn.source.endsWith('\n.')).toBe(true);
    }
  });

  it('names the file when an alert carries a field provision owns', () => {
    const root = mkdtempSync(join(tmpdir(), 'o2-assets-'));
    for (const dir of ['openobserve/dashboards', 'openobserve/alerts', 'vrl'])
      mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'openobserve/alerts/bad.json'), JSON.stringify({ name: 'x', destinations: [] }));
    expect(() => loadAssets(DEFAULT_ASSET_OPTIONS, root)).toThrow(/bad\.json: must not carry destinations/);
  });
});

describe('loadThresholds', () => {
  const file = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'o2-thr-')), 'thresholds.json');
    writeFileSync(path, content);
    return path;
  };

  it('is the defaults without a file or overrides', () => {
    expect(loadThresholds(undefined, [])).toEqual(DEFAULT_THRESHOLDS);
  });

  it('merges the file over the defaults, then key=value overrides over the file', () => {
    const path = file(JSON.stringify({ costPerHourUsd: 20, costPerDayUsd: 200 }));
    expect(loadThresholds(path, ['costPerDayUsd=300', 'p99LatencyMs = 9000'])).toEqual({
      ...DEFAULT_THRESHOLDS,
      costPerHourUsd: 20,
      costPerDayUsd: 300,
      p99LatencyMs: 9000,
    });
  });

  it.each([
    [{ costPerHourUsd: 'ten' }, /thresholds file .*: costPerHourUsd: /],
    [{ costPerHour: 10 }, /thresholds file .*: unknown threshold costPerHour \(known: .*costPerHourUsd/],
    [{ completenessMaxMissingRatio: 1.5 }, /completenessMaxMissingRatio: /],
    [[1, 2], /expected a JSON object/],
  ])('rejects the file %j with one line naming the key', (content, message) => {
    const error = (() => {
      try {
        loadThresholds(file(JSON.stringify(content)), []);
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it.each([
    ['costPerHour=5', /unknown threshold costPerHour \(known: .*costPerHourUsd, .*costPerDayUsd/],
    ['costPerHourUsd', /expected key=value/],
    ['costPerHourUsd=', /costPerHourUsd: "" is not a number/],
    ['costPerHourUsd=-3', /costPerHourUsd: /],
    ['costWeekOverWeekRatio=1', /costWeekOverWeekRatio: /],
  ])('rejects the override %s', (override, message) => {
    expect(() => loadThresholds(undefined, [override])).toThrow(message);
  });

  it('names a file that cannot be read or parsed', () => {
    expect(() => loadThresholds('/nonexistent/thresholds.json', [])).toThrow(/thresholds file .*: ENOENT/);
    expect(() => loadThresholds(file('{oops'), [])).toThrow(/not valid JSON/);
  });
});

describe('docs/openobserve.md', () => {
  it('documents every threshold with its default', () => {
    const doc = readFileSync(new URL('../../../docs/openobserve.md', import.meta.url), 'utf8');
    for (const [key, value] of Object.entries(DEFAULT_THRESHOLDS)) {
      expect(doc).toMatch(new RegExp(`\\| \`${key}\` +\\| ${String(value).replace('.', '\\.')} +\\|`));
    }
  });
});
