import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../functions/cli/io.ts';
import { main } from '../../../functions/cli/main.ts';
import { runProvision } from '../../../functions/cli/provision.ts';
import type {
  AlertAsset,
  AssetOptions,
  AssetSet,
  DashboardAsset,
} from '../../../functions/openobserve/assets.ts';
import { alertId, pipelineId } from '../../../functions/openobserve/provision-plan.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';
import { FAKE_URL, FakeOpenObserve } from '../../helpers/openobserve-fake.ts';

const server = useMswServer();
const env = {
  OPENOBSERVE_URL: FAKE_URL,
  OPENOBSERVE_ORG: 'acme',
  OPENOBSERVE_USER: 'ops@example.com',
  OPENOBSERVE_PASSWORD: 'pa55',
};

/** Assets built here, not read from the repo's files: the tests pin provision's behaviour, not the content. */
interface Variant {
  overviewPanelTitle?: string;
  errorRateThreshold?: number;
}

function dashboard(title: string, panelTitle: string, stream: string): DashboardAsset {
  return {
    title,
    file: `${title.toLowerCase()}.dashboard.json`,
    body: {
      version: 8,
      dashboardId: '',
      title,
      description: `${title} of Bedrock usage`,
      tabs: [
        {
          tabId: 'default',
          name: 'Default',
          panels: [
            {
              id: 'p1',
              type: 'line',
              title: panelTitle,
              description: '',
              config: { show_legends: true },
              queries: [
                {
                  query: `SELECT histogram(_timestamp) AS t, count(*) AS n FROM "${stream}" GROUP BY t`,
                  customQuery: true,
                  fields: { stream, stream_type: 'logs', x: [], y: [], filter: {} },
                  config: { promql_legend: '' },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

function alert(name: string, streamName: string, threshold: number): AlertAsset {
  return {
    name,
    file: `${name}.json`,
    streamType: 'logs',
    streamName,
    thresholdKeys: [],
    body: {
      is_real_time: false,
      enabled: true,
      description: `${name}: check the model's error codes`,
      query_condition: { type: 'sql', sql: `SELECT count(*) AS n FROM "${streamName}"` },
      trigger_condition: { period: 15, operator: '>=', threshold, frequency: 5, silence: 60 },
    },
  };
}

function testAssets(variant: Variant = {}) {
  return (options: AssetOptions): AssetSet => ({
    dashboards: [
      dashboard('Overview', variant.overviewPanelTitle ?? 'Invocations', options.invocationsStream),
      dashboard('Cost', 'Cost by model', options.invocationsStream),
    ],
    alerts: [
      alert('bedrock_error_rate', options.invocationsStream, variant.errorRateThreshold ?? 5),
      alert('bedrock_completeness', options.metricsStream, 2),
    ],
    functions: [
      {
        name: 'bedrock_redact',
        file: 'vrl/bedrock_redact.vrl',
        source: '# Redacts e-mail addresses\n# Stream: bedrock_invocations\n.redacted = true\n',
        streamName: options.invocationsStream,
        description: 'Redacts e-mail addresses',
      },
    ],
  });
}

function newFake(): FakeOpenObserve {
  const fake = new FakeOpenObserve({ org: 'acme' });
  fake.destinations.add('oncall');
  server.use(...fake.handlers());
  return fake;
}

async function provision(argv: string[], options: { env?: Record<string, string>; variant?: Variant } = {}) {
  const { io, stdout, stderr } = captureIo({ env: options.env ?? env });
  const code = await runProvision(argv, io, {
    client: { sleep: async () => {}, timeoutMs: 5_000 },
    assets: testAssets(options.variant),
  });
  return { code, stdout: stdout(), stderr: stderr() };
}

function summary(stdout: string) {
  return JSON.parse(stdout) as {
    counts: Record<string, number>;
    changed: boolean;
    steps: { kind: string; name: string; action: string; status: string; note?: string; error?: string }[];
  };
}

function bedrockFolder(fake: FakeOpenObserve, type: 'dashboards' | 'alerts') {
  return fake.folders.get(type)?.find((folder) => folder.name === 'Bedrock');
}

describe('bedrock-o2 provision', () => {
  it('is a registered command with --help, and needs OPENOBSERVE_URL', async () => {
    const help = captureIo();
    expect(await main(['provision', '--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('--alert-destination NAME');

    const noUrl = captureIo();
    expect(await main(['provision'], noUrl.io)).toBe(2);
    expect(noUrl.stderr()).toBe('bedrock-o2 provision: OPENOBSERVE_URL is not set (or pass --url)\n');
  });

  it('creates folders, typed streams, functions, dashboards and alerts on an empty server', async () => {
    const fake = newFake();
    const { code, stdout, stderr } = await provision(['--alert-destination', 'oncall', '--json']);

    expect(stderr).not.toMatch(/^error:/m);
    expect(code).toBe(0);
    const dashboardsFolder = bedrockFolder(fake, 'dashboards');
    const alertsFolder = bedrockFolder(fake, 'alerts');
    expect(dashboardsFolder).toBeDefined();
    expect(alertsFolder).toBeDefined();

    const invocations = fake.streams.get('bedrock_invocations');
    const types = new Map(invocations?.schema.map((field) => [field.name, field.type]));
    for (const field of [
      'gen_ai_usage_cost_usd',
      'gen_ai_usage_input_cost_usd',
      'aws_bedrock_latency_ms',
      'aws_bedrock_first_byte_latency_ms',
      'gen_ai_request_temperature',
      'gen_ai_request_top_p',
    ]) {
      expect(types.get(field), field).toBe('Float64');
    }
    expect(types.get('gen_ai_usage_input_tokens')).toBe('Int64');
    expect(invocations?.settings.index_fields).toEqual(
      expect.arrayContaining([
        'aws_request_id',
        'gen_ai_conversation_id',
        'gen_ai_request_model',
        'aws_bedrock_caller_arn',
      ]),
    );
    expect(invocations?.settings.full_text_search_keys).toEqual([
      'gen_ai_input_preview',
      'gen_ai_output_preview',
    ]);
    const metricTypes = new Map(fake.streams.get('bedrock_metrics')?.schema.map((f) => [f.name, f.type]));
    for (const field of ['metric_sum', 'metric_count', 'metric_avg', 'metric_p99']) {
      expect(metricTypes.get(field), field).toBe('Float64');
    }

    const dashboards = [...fake.dashboards.values()];
    expect(dashboards.map((d) => d.v8['title']).sort()).toEqual(['Cost', 'Overview']);
    for (const d of dashboards) {
      expect(d.folderId).toBe(dashboardsFolder?.folderId);
      expect(d.v8['description']).toMatch(
        /^\w+ of Bedrock usage\nmanaged by bedrock-o2 · fingerprint [0-9a-f]{12}$/,
      );
    }

    const errorRate = fake.alerts.get(alertId(fake.org, 'bedrock_error_rate'));
    expect(errorRate).toMatchObject({
      name: 'bedrock_error_rate',
      folder_id: alertsFolder?.folderId,
      stream_name: 'bedrock_invocations',
      destinations: ['oncall'],
    });
    expect(fake.alerts.get(alertId(fake.org, 'bedrock_completeness'))?.['stream_name']).toBe(
      'bedrock_metrics',
    );
    expect(String(fake.functions.get('bedrock_redact')?.['function'])).toMatch(
      /^# managed by bedrock-o2 · fingerprint [0-9a-f]{12}\n# Redacts e-mail addresses\n.*\.redacted = true\n\.$/s,
    );
    expect(fake.pipelines.size).toBe(0);

    const result = summary(stdout);
    expect(result.counts).toMatchObject({ create: 9, update: 0, unchanged: 0, failed: 0 });
    expect(result.steps.find((s) => s.kind === 'pipeline')).toMatchObject({ action: 'skipped' });
    expect(result.steps.find((s) => s.kind === 'pipeline')?.note).toContain('--pipeline');
  });

  it('changes nothing on a second run and says so', async () => {
    const fake = newFake();
    expect((await provision(['--alert-destination', 'oncall', '--pipeline'])).code).toBe(0);
    const writesAfterFirst = fake.writes().length;

    const second = await provision(['--alert-destination', 'oncall', '--pipeline']);

    expect(second.code).toBe(0);
    expect(fake.writes()).toHaveLength(writesAfterFirst);
    expect(second.stdout).toMatch(/nothing to change: 10 unchanged, 0 skipped/);
    expect(second.stdout).not.toMatch(/\b(created|updated)\b\s/);
    expect(fake.dashboards.size).toBe(2);
    expect(fake.alerts.size).toBe(2);
  });

  it('updates only what changed when a dashboard or an alert changes', async () => {
    const fake = newFake();
    await provision(['--alert-destination', 'oncall']);
    const before = fake.writes().length;

    const run = await provision(['--alert-destination', 'oncall', '--json'], {
      variant: { overviewPanelTitle: 'Invocations per minute', errorRateThreshold: 12 },
    });

    expect(run.code).toBe(0);
    const steps = summary(run.stdout).steps;
    expect(steps.filter((s) => s.action === 'update').map((s) => `${s.kind}:${s.name}`)).toEqual([
      'dashboard:Overview',
      'alert:bedrock_error_rate',
    ]);
    expect(
      fake
        .writes()
        .slice(before)
        .map((w) => w.method),
    ).toEqual(['PUT', 'PUT']);
    const overview = [...fake.dashboards.values()].find((d) => d.v8['title'] === 'Overview');
    expect(JSON.stringify(overview?.v8)).toContain('Invocations per minute');
    const put = fake.writes().find((w) => w.method === 'PUT' && w.path.includes('/dashboards/'));
    expect((put?.body as { dashboardId?: string } | undefined)?.dashboardId).toBe(
      put?.path.split('/').at(-1),
    );
    expect(fake.dashboards.size).toBe(2);
    const errorRate = fake.alerts.get(alertId(fake.org, 'bedrock_error_rate'));
    expect(errorRate?.['trigger_condition']).toMatchObject({ threshold: 12 });
    expect(fake.alerts.size).toBe(2);

    const moved = fake.alerts.get(alertId(fake.org, 'bedrock_error_rate'));
    const userFolder = fake.seedFolder('alerts', 'Team alerts');
    if (moved) moved.folder_id = userFolder;
    const afterMove = await provision(['--alert-destination', 'oncall'], {
      variant: { overviewPanelTitle: 'Invocations per minute', errorRateThreshold: 15 },
    });
    expect(afterMove.code).toBe(0);
    expect(fake.writes().at(-1)?.search).toBe(`?folder=${userFolder}`);
    expect(fake.alerts.get(alertId(fake.org, 'bedrock_error_rate'))).toMatchObject({
      folder_id: userFolder,
      trigger_condition: { threshold: 15 },
    });

    const third = await provision(['--alert-destination', 'oncall'], {
      variant: { overviewPanelTitle: 'Invocations per minute', errorRateThreshold: 15 },
    });
    expect(third.stdout).toContain('nothing to change');
  });

  it('reports a dashboard edited between read and write as a hash conflict, and --force overwrites it', async () => {
    const fake = newFake();
    await provision([]);
    const overviewId =
      [...fake.dashboards.entries()].find(([, d]) => d.v8['title'] === 'Overview')?.[0] ?? '';
    let edits = 0;
    fake.afterDashboardRead = (id) => {
      if (id !== overviewId || edits > 0) return;
      edits++;
      fake.editDashboard(id, (v8) => {
        v8['userNote'] = 'edited in the UI';
      });
    };

    const conflicted = await provision([], { variant: { overviewPanelTitle: 'New title' } });

    expect(conflicted.code).toBe(1);
    const errorLines = conflicted.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errorLines).toEqual([
      'error: dashboard "Overview": changed on the server since provision read it (hash conflict, 409); re-run to plan against the new version, or pass --force to overwrite it',
    ]);
    expect(fake.dashboards.get(overviewId)?.v8['userNote']).toBe('edited in the UI');

    edits = 0;
    const forced = await provision(['--force'], { variant: { overviewPanelTitle: 'New title' } });

    expect(forced.code).toBe(0);
    const v8 = fake.dashboards.get(overviewId)?.v8;
    expect(JSON.stringify(v8)).toContain('New title');
    expect(v8?.['userNote']).toBeUndefined();
  });

  it('stops with exit 2 and one line on rejected credentials, without printing them', async () => {
    const fake = newFake();
    const wrong = { ...env, OPENOBSERVE_PASSWORD: 'wrong-secret' };

    const run = await provision([], { env: wrong });

    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^bedrock-o2 provision: .*OpenObserve rejected the credentials \(401\); check OPENOBSERVE_USER/,
    );
    const secretForms = ['wrong-secret', Buffer.from('ops@example.com:wrong-secret').toString('base64')];
    for (const secret of secretForms) expect(run.stderr + run.stdout).not.toContain(secret);
    expect(fake.writes()).toHaveLength(0);
  });

  it('never prints the query string of OPENOBSERVE_URL, which can carry a token', async () => {
    newFake();
    const run = await provision([], {
      env: { ...env, OPENOBSERVE_URL: `${FAKE_URL}/?token=SeCrEtTok#SeCrEtTok` },
    });
    expect(run.code).toBe(0);
    expect(run.stderr + run.stdout).not.toContain('SeCrEtTok');
    expect(run.stderr).toContain(`reading ${FAKE_URL} (org acme)`);
  });

  it('refuses extra arguments with one line and exit 2', async () => {
    const { io, stderr } = captureIo({ env });
    expect(await main(['provision', 'extra'], io)).toBe(2);
    expect(stderr()).toBe(
      `bedrock-o2 provision: unexpected argument "extra" (see 'bedrock-o2 provision --help')\n`,
    );
  });

  it('names the asset and the missing right on 403', async () => {
    const fake = newFake();
    fake.fail('POST', /\/api\/acme\/dashboards$/, 403, 2);

    const run = await provision(['--json']);

    expect(run.code).toBe(2);
    const failed = summary(run.stdout).steps.filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.name)).toEqual(['Overview', 'Cost']);
    expect(failed[0]?.error).toBe(
      `dashboard "Overview": the user's role may not POST /api/acme/dashboards (403); provision with a user or service account allowed to manage dashboards, folders, alerts, functions, pipelines and streams`,
    );
    expect(fake.streams.size).toBe(2);
  });

  it('refuses a missing alert destination before writing anything (exit 2)', async () => {
    const fake = newFake();

    const run = await provision(['--alert-destination', 'oncall', '--alert-destination', 'pager']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'alert destination "pager" does not exist in org "acme"; create it in OpenObserve (Management → Alert Destinations) or name an existing one with --alert-destination; nothing was written',
    );
    expect(fake.requests.some((r) => r.path === '/api/acme/alerts/destinations/pager')).toBe(true);
    expect(fake.writes()).toHaveLength(0);
  });

  it('provisions everything but alerts without --alert-destination, and says why', async () => {
    const fake = newFake();

    const run = await provision(['--json']);

    expect(run.code).toBe(0);
    const alerts = summary(run.stdout).steps.filter((s) => s.kind === 'alert');
    expect(alerts.map((s) => [s.action, s.note])).toEqual([
      ['skipped', 'no --alert-destination given: alerts are not provisioned'],
      ['skipped', 'no --alert-destination given: alerts are not provisioned'],
    ]);
    expect(fake.alerts.size).toBe(0);
    expect(bedrockFolder(fake, 'alerts')).toBeUndefined();
    expect(fake.dashboards.size).toBe(2);
  });

  it('retries 5xx with backoff and succeeds', async () => {
    const fake = newFake();
    fake.fail('GET', /\/api\/acme\/functions$/, 503, 2);
    fake.fail('PUT', /\/settings$/, 502, 1);

    const run = await provision([]);

    expect(run.code).toBe(0);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/acme/functions')).toHaveLength(
      3,
    );
    expect(fake.streams.get('bedrock_invocations')?.settings.index_fields).toContain('aws_request_id');
  });

  it('gives up after the bounded retries, reports the asset and exits 1', async () => {
    const fake = newFake();
    fake.fail('PUT', /\/api\/acme\/streams\/bedrock_metrics\/settings$/, 500, 100);

    const run = await provision([]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: stream "bedrock_metrics" settings: OpenObserve answered PUT /api/acme/streams/bedrock_metrics/settings with 500: injected failure after 4 attempts; check the server\'s health and re-run (provision is idempotent)',
    );
    expect(fake.requests.filter((r) => r.path.endsWith('bedrock_metrics/settings'))).toHaveLength(4);
    expect(fake.dashboards.size).toBe(2);
  });

  it('does not retry a dashboard create after a 5xx (the server may have created it)', async () => {
    const fake = newFake();
    fake.fail('POST', /\/api\/acme\/dashboards$/, 500, 1);

    const run = await provision([]);

    expect(run.code).toBe(1);
    expect(
      fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/acme/dashboards'),
    ).toHaveLength(2);
    expect(fake.dashboards.size).toBe(1);
  });

  it('explains a 404 on a route as a server too old for this API', async () => {
    const fake = newFake();
    fake.fail('POST', /\/api\/v2\/acme\/folders\/dashboards$/, 404, 1);

    const run = await provision(['--json']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'POST /api/v2/acme/folders/dashboards is not found (404); this OpenObserve predates',
    );
    const dashboards = summary(run.stdout).steps.filter((s) => s.kind === 'dashboard');
    expect(dashboards.every((s) => s.status === 'failed')).toBe(true);
  });

  it('hands --alerts-config and --threshold to the thresholds loader and its result to the assets', async () => {
    newFake();
    const calls: unknown[][] = [];
    const { io } = captureIo({ env, cwd: '/work/site' });
    const deps = {
      client: { sleep: async () => {} },
      thresholds: (file: string | undefined, overrides: readonly string[]) => {
        calls.push([file, overrides]);
        return { marker: 42 } as unknown as AssetOptions['thresholds'];
      },
      assets: (options: AssetOptions) => {
        calls.push([options.thresholds]);
        return testAssets()(options);
      },
    };

    const argv = ['--alerts-config', 'alerts.json', '--threshold', 'a=1', '--threshold', 'b=2', '--dry-run'];
    expect(await runProvision(argv, io, deps)).toBe(0);

    expect(calls).toEqual([['/work/site/alerts.json', ['a=1', 'b=2']], [{ marker: 42 }]]);
  });

  it('reports a thresholds error as a usage error (one line, exit 2)', async () => {
    const { io } = captureIo({ env });
    const failing = () => {
      throw new Error('--threshold nonsense: expected key=number\n  at stack');
    };

    const error = await runProvision(['--threshold', 'nonsense'], io, { thresholds: failing }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('--threshold nonsense: expected key=number');
  });

  it('refuses two assets with the same key before writing anything', async () => {
    const fake = newFake();
    const { io, stderr } = captureIo({ env });
    const twice = (options: AssetOptions): AssetSet => {
      const assets = testAssets()(options);
      const copy = {
        ...dashboard('Cost', 'Other', options.invocationsStream),
        file: 'cost-copy.dashboard.json',
      };
      return { ...assets, dashboards: [...assets.dashboards, copy] };
    };

    expect(await runProvision([], io, { client: { sleep: async () => {} }, assets: twice })).toBe(2);

    expect(stderr()).toContain(
      'cost.dashboard.json and cost-copy.dashboard.json have the same dashboard title "Cost"; nothing was written',
    );
    expect(fake.writes()).toHaveLength(0);
  });

  it('rejects stream names OpenObserve would store under another name', async () => {
    newFake();
    await expect(provision(['--stream', 'Bedrock-Invocations'])).rejects.toThrow(
      '--stream "Bedrock-Invocations": OpenObserve stores stream names as lowercase letters, digits, _ and : (it would be "bedrock_invocations")',
    );
    await expect(provision(['--metrics-stream', 'bedrock_invocations'])).rejects.toThrow(
      '--stream and --metrics-stream must name different streams',
    );
  });

  it("follows the deployment's stream names", async () => {
    const fake = newFake();

    const run = await provision([
      '--stream',
      'prod_invocations',
      '--metrics-stream',
      'prod_metrics',
      '--pipeline',
    ]);

    expect(run.code).toBe(0);
    expect([...fake.streams.keys()].sort()).toEqual(['prod_invocations', 'prod_metrics']);
    expect(JSON.stringify([...fake.dashboards.values()].map((d) => d.v8))).toContain(
      'FROM \\"prod_invocations\\"',
    );
    expect([...fake.pipelines.values()][0]?.['source']).toMatchObject({ stream_name: 'prod_invocations' });
  });

  it('rewrites one progress line on a terminal', async () => {
    newFake();
    const { io, stderr } = captureIo({ env });
    const tty = { ...io, stderrIsTty: true };

    expect(await runProvision([], tty, { client: { sleep: async () => {} }, assets: testAssets() })).toBe(0);

    const progress = stderr().split('\n')[1] ?? '';
    expect(progress.startsWith('\r\x1b[2K[1/9] folder "Bedrock (dashboards)": created')).toBe(true);
    expect(progress.endsWith('[9/9] alert "bedrock_completeness": skipped')).toBe(true);
  });

  it('prints the plan on a dry run and writes nothing', async () => {
    const fake = newFake();

    const empty = await provision(['--dry-run', '--alert-destination', 'oncall', '--pipeline']);

    expect(empty.code).toBe(0);
    expect(fake.writes()).toHaveLength(0);
    expect(empty.stdout).toMatch(/dashboard\s+Overview\s+create/);
    expect(empty.stdout).toMatch(
      /dry run: 10 to create, 0 to update, 0 unchanged, 0 skipped; nothing was written/,
    );

    await provision(['--alert-destination', 'oncall']);
    const writes = fake.writes().length;
    const changed = await provision(['--dry-run', '--alert-destination', 'oncall'], {
      variant: { overviewPanelTitle: 'Changed' },
    });

    expect(fake.writes()).toHaveLength(writes);
    expect(changed.stdout).toMatch(/dashboard\s+Overview\s+update/);
    expect(changed.stdout).toMatch(/dashboard\s+Cost\s+unchanged/);
  });

  it('never touches a dashboard of the same title it did not create', async () => {
    const fake = newFake();
    const folderId = fake.seedFolder('dashboards', 'Bedrock');
    const userDashboard = fake.seedDashboard(folderId, {
      title: 'Overview',
      description: 'my own',
      tabs: [],
    });
    const before = structuredClone(fake.dashboards.get(userDashboard));

    const run = await provision(['--json']);

    expect(run.code).toBe(0);
    const overview = summary(run.stdout).steps.find((s) => s.name === 'Overview');
    expect(overview).toMatchObject({ action: 'skipped' });
    expect(overview?.note).toContain('was not created by bedrock-o2; left alone');
    expect(fake.dashboards.get(userDashboard)).toEqual(before);
    expect(fake.requests.some((r) => r.method === 'PUT' && r.path.includes(userDashboard))).toBe(false);
    expect([...fake.dashboards.values()].filter((d) => d.v8['title'] === 'Cost')).toHaveLength(1);
  });

  it('attaches functions through its own pipeline with --pipeline and keeps it current', async () => {
    const fake = newFake();

    await provision(['--pipeline']);

    const pipelines = [...fake.pipelines.values()];
    expect(pipelines).toHaveLength(1);
    expect(pipelines[0]).toMatchObject({
      pipeline_id: pipelineId(fake.org, 'bedrock_invocations'),
      name: 'bedrock_o2_bedrock_invocations',
      source: { source_type: 'realtime', stream_name: 'bedrock_invocations' },
      version: 0,
    });
    const nodes = pipelines[0]?.['nodes'] as { data: { node_type: string; name?: string } }[];
    expect(nodes.map((n) => n.data.node_type)).toEqual(['stream', 'function', 'stream']);
    expect(nodes[1]?.data.name).toBe('bedrock_redact');
    const without = await provision(['--json']);
    expect(summary(without.stdout).steps.find((s) => s.kind === 'pipeline')?.note).toMatch(
      /^attached by an earlier --pipeline run and left as it is/,
    );
    const again = await provision(['--pipeline', '--force', '--json']);
    expect(summary(again.stdout).steps.find((s) => s.kind === 'pipeline')).toMatchObject({
      action: 'update',
    });
    expect(fake.pipelines.get(pipelineId(fake.org, 'bedrock_invocations'))?.version).toBe(1);
  });

  it("never replaces a user's pipeline on the stream or a user's function of the same name", async () => {
    const fake = newFake();
    fake.createStream('bedrock_invocations', [{ name: 'gen_ai_usage_cost_usd', type: 'Int64' }]);
    const userPipeline = {
      pipeline_id: 'userpipe',
      name: 'mine',
      description: 'my enrichment',
      version: 3,
      source: { source_type: 'realtime', stream_name: 'bedrock_invocations', stream_type: 'logs' },
      nodes: [],
      edges: [],
    };
    fake.pipelines.set('userpipe', structuredClone(userPipeline));

    const run = await provision(['--pipeline', '--json']);

    expect(run.code).toBe(0);
    const steps = summary(run.stdout).steps;
    const pipeline = steps.find((s) => s.kind === 'pipeline');
    expect(pipeline?.action).toBe('skipped');
    expect(pipeline?.note).toContain(
      'already has the realtime pipeline "mine", which bedrock-o2 did not create',
    );
    expect(fake.pipelines.get('userpipe')).toEqual(userPipeline);
    expect(fake.pipelines.size).toBe(1);
    const stream = steps.find((s) => s.name === 'bedrock_invocations');
    expect(stream?.note).toContain('gen_ai_usage_cost_usd stored as integers');
    expect(stream?.note).toContain('aws_bedrock_latency_ms:Float64');
    const types = new Map(fake.streams.get('bedrock_invocations')?.schema.map((f) => [f.name, f.type]));
    expect(types.get('aws_bedrock_latency_ms')).toBe('Float64');
    expect(types.get('gen_ai_usage_cost_usd')).toBe('Int64');

    const otherFake = newFake();
    otherFake.functions.set('bedrock_redact', {
      name: 'bedrock_redact',
      function: '.mine = 1\n.',
      params: '',
    });
    const second = await provision(['--pipeline', '--json']);
    const secondSteps = summary(second.stdout).steps;
    expect(secondSteps.find((s) => s.kind === 'function')).toMatchObject({ action: 'skipped' });
    expect(secondSteps.find((s) => s.kind === 'pipeline')?.note).toContain(
      "bedrock_redact on the server is not bedrock-o2's",
    );
    expect(otherFake.functions.get('bedrock_redact')?.['function']).toBe('.mine = 1\n.');
    expect(otherFake.pipelines.size).toBe(0);
  });

  it('sets retention as a diff and leaves settings a user added', async () => {
    const fake = newFake();
    fake.createStream('bedrock_metrics', []);
    const metrics = fake.streams.get('bedrock_metrics');
    if (metrics) metrics.settings.index_fields = ['dimension_team'];

    const run = await provision(['--retention-days', '30', '--json']);

    expect(run.code).toBe(0);
    expect(fake.streams.get('bedrock_metrics')?.settings).toMatchObject({
      index_fields: ['dimension_team', 'metric_name', 'aws_bedrock_model_id'],
      data_retention: 30,
    });
    expect(fake.streams.get('bedrock_invocations')?.settings.data_retention).toBe(30);
    const again = await provision(['--retention-days', '30']);
    expect(again.stdout).toContain('nothing to change');
    await expect(provision(['--retention-days', '0'])).rejects.toThrow(
      '--retention-days 0: expected a whole number of days, at least 1',
    );
  });
});
