import { resolve } from 'node:path';
import {
  type AssetOptions,
  type AssetSet,
  DEFAULT_ASSET_ROOT,
  loadAssets,
  loadThresholds,
} from '../openobserve/assets.ts';
import { type ClientOptions, createManagementClient, OpenObserveApiError } from '../openobserve/client.ts';
import { createManagementApi } from '../openobserve/management-api.ts';
import { applyProvision, type StepResult } from '../openobserve/provision-apply.ts';
import {
  type Plan,
  type PlanStep,
  type ProvisionOptions,
  planProvision,
} from '../openobserve/provision-plan.ts';
import { readServerState } from '../openobserve/provision-state.ts';
import { invocationStreamSpec, metricStreamSpec } from '../openobserve/stream-spec.ts';
import { parseCommandArgs } from './args.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, UsageError } from './io.ts';
import { openObserveSettings } from './openobserve.ts';
import { formatTable } from './table.ts';

export const PROVISION_HELP = `Usage: bedrock-o2 provision [options]

Creates or updates in OpenObserve what bedrock-o2 ships: the streams (typed before the first row, with index
and full-text settings), the dashboards (folder "Bedrock"), the alerts (alert folder "Bedrock", only with
--alert-destination), the VRL functions, and with --pipeline one realtime pipeline per stream that runs them.
Idempotent: a second run changes nothing and says so. Everything it writes carries "managed by bedrock-o2";
anything without that mark (a dashboard of the same title, a pipeline on the stream) is left alone.

Connection: OPENOBSERVE_URL, OPENOBSERVE_ORG (default "default"), OPENOBSERVE_USER + OPENOBSERVE_PASSWORD or
OPENOBSERVE_TOKEN; --url and --org override. The user needs rights to manage streams, dashboards, folders,
alerts, functions and pipelines.

Options:
  --stream NAME               invocation rows stream (default: bedrock_invocations)
  --metrics-stream NAME       metric rows stream (default: bedrock_metrics)
  --alert-destination NAME    alert destination to notify (repeatable); it must exist. Without one,
                              alerts are skipped
  --alerts-config FILE        alert thresholds and budgets (JSON)
  --threshold KEY=VALUE       override one threshold (repeatable)
  --pipeline                  attach the VRL functions through a realtime pipeline per stream (never
                              replaces a pipeline bedrock-o2 did not create)
  --retention-days N          set the streams' data retention
  --dry-run                   print the plan (create / update / unchanged / skipped); write nothing
  --force                     rewrite managed dashboards, alerts and pipelines even when current (reverts
                              edits made in the UI), and overwrite a dashboard changed since it was read
  --assets DIR                asset root holding openobserve/ and vrl/ (default: the bundled assets)
  --json                      print the summary as one JSON object
  --url URL                   OpenObserve base URL (overrides OPENOBSERVE_URL)
  --org ORG                   organisation (overrides OPENOBSERVE_ORG)
  -h, --help                  show this help

Exit codes: 0 done (or nothing to do), 1 some asset could not be written, 2 usage or configuration error
(missing destination, rejected credentials, a role without rights, a server too old).
`;

/** What tests replace: the HTTP client's fetch and sleep, the thresholds loader and the assets. */
export interface ProvisionDeps {
  readonly client?: Pick<ClientOptions, 'fetch' | 'sleep' | 'attempts' | 'timeoutMs'>;
  readonly thresholds?: typeof loadThresholds;
  readonly assets?: (options: AssetOptions) => AssetSet;
}

/** Failures that re-running cannot fix: the configuration or the server must change first (exit 2). */
const CONFIGURATION_KINDS = new Set(['credentials', 'forbidden', 'old-server', 'unexpected']);

export async function runProvision(
  argv: readonly string[],
  io: CliIo,
  deps: ProvisionDeps = {},
): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      stream: { type: 'string', default: 'bedrock_invocations' },
      'metrics-stream': { type: 'string', default: 'bedrock_metrics' },
      'alert-destination': { type: 'string', multiple: true, default: [] },
      'alerts-config': { type: 'string' },
      threshold: { type: 'string', multiple: true, default: [] },
      pipeline: { type: 'boolean', default: false },
      'retention-days': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      assets: { type: 'string' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      org: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    'provision',
  );
  if (values.help) {
    io.stdout(PROVISION_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}" (see 'bedrock-o2 provision --help')`);
  }
  const settings = openObserveSettings(io.env, { url: values.url, org: values.org });
  if (settings === undefined) throw new UsageError('OPENOBSERVE_URL is not set (or pass --url)');
  const streams = streamNames(values.stream, values['metrics-stream']);
  const retentionDays = parseRetention(values['retention-days']);
  const destinations = [...new Set(values['alert-destination'])];
  const assets = readAssets(values, io, deps);
  const dryRun = values['dry-run'];

  const options: ProvisionOptions = {
    org: settings.org,
    streams: [
      invocationStreamSpec(streams.invocations, retentionDays),
      metricStreamSpec(streams.metrics, retentionDays),
    ],
    destinations,
    pipelines: values.pipeline,
    force: values.force,
  };
  const client = createManagementClient(settings, { ...deps.client, readOnly: dryRun });
  const api = createManagementApi(client);

  io.stderr(`reading ${client.url} (org ${settings.org})${dryRun ? ' for a dry run' : ''}\n`);
  let plan: Plan;
  try {
    plan = planProvision(assets, await readServerState(api, assets, options), options);
  } catch (error) {
    if (!(error instanceof OpenObserveApiError)) throw error;
    io.stderr(`bedrock-o2 provision: ${error.message}; nothing was written\n`);
    return CONFIGURATION_KINDS.has(error.kind) ? EXIT_USAGE : EXIT_INCOMPLETE;
  }
  if (plan.blocking !== undefined) {
    io.stderr(`bedrock-o2 provision: ${plan.blocking}\n`);
    return EXIT_USAGE;
  }

  const results: StepResult[] = dryRun
    ? plan.steps.map((step) => ({ step, status: 'not-run' }))
    : await applyProvision(plan, api, { force: values.force, onStep: progress(io) });
  for (const result of results) {
    if (result.status === 'failed') io.stderr(`error: ${oneLine(result)}\n`);
  }
  if (values.json) io.stdout(`${JSON.stringify(jsonSummary(results, dryRun, client.url, settings.org))}\n`);
  else io.stdout(renderSummary(results, dryRun));

  const failures = results.filter((result) => result.status === 'failed');
  if (failures.length === 0) return EXIT_OK;
  const configuration = failures.some(
    (result) => result.error instanceof OpenObserveApiError && CONFIGURATION_KINDS.has(result.error.kind),
  );
  return configuration ? EXIT_USAGE : EXIT_INCOMPLETE;
}

/** OpenObserve rewrites other names (lowercase, runs of other characters to `_`), so a later lookup would miss. */
function streamNames(invocations: string, metrics: string): { invocations: string; metrics: string } {
  for (const [flag, name] of [
    ['--stream', invocations],
    ['--metrics-stream', metrics],
  ] as const) {
    if (!/^[a-z0-9_:]+$/.test(name)) {
      const stored = name.toLowerCase().replace(/[^a-z0-9_:]+/g, '_');
      throw new UsageError(
        `${flag} "${name}": OpenObserve stores stream names as lowercase letters, digits, _ and :${stored === '' || stored === '_' ? '' : ` (it would be "${stored}")`}`,
      );
    }
  }
  if (invocations === metrics)
    throw new UsageError('--stream and --metrics-stream must name different streams');
  return { invocations, metrics };
}

function parseRetention(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) {
    throw new UsageError(`--retention-days ${value}: expected a whole number of days, at least 1`);
  }
  return days;
}

function readAssets(
  values: {
    stream: string;
    'metrics-stream': string;
    'alerts-config'?: string;
    threshold: string[];
    assets?: string;
  },
  io: CliIo,
  deps: ProvisionDeps,
): AssetSet {
  try {
    const configFile = values['alerts-config'];
    const thresholds = (deps.thresholds ?? loadThresholds)(
      configFile === undefined ? undefined : resolve(io.cwd, configFile),
      values.threshold,
    );
    const options: AssetOptions = {
      invocationsStream: values.stream,
      metricsStream: values['metrics-stream'],
      thresholds,
    };
    if (deps.assets !== undefined) return deps.assets(options);
    return loadAssets(
      options,
      values.assets === undefined ? DEFAULT_ASSET_ROOT : resolve(io.cwd, values.assets),
    );
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'cannot load the assets');
  }
}

const PAST: Readonly<Record<PlanStep['action'], string>> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  skipped: 'skipped',
};

function label(step: PlanStep): string {
  return `${step.kind} "${step.name}"`;
}

function oneLine(result: StepResult): string {
  const message = result.error?.message ?? 'failed';
  return message.startsWith(result.step.kind) ? message : `${label(result.step)}: ${message}`;
}

/** A rewritten status line on a TTY; one line per write otherwise. */
function progress(io: CliIo) {
  return (result: StepResult, index: number, total: number) => {
    const { step } = result;
    const outcome =
      result.status === 'failed' ? 'FAILED' : result.status === 'not-run' ? 'not run' : PAST[step.action];
    if (io.stderrIsTty) {
      io.stderr(
        `\r\x1b[2K[${index + 1}/${total}] ${label(step)}: ${outcome}${index + 1 === total ? '\n' : ''}`,
      );
    } else if (step.write !== undefined) {
      io.stderr(`[${index + 1}/${total}] ${label(step)}: ${outcome}\n`);
    }
  };
}

function outcomeOf(result: StepResult, dryRun: boolean): string {
  if (result.status === 'failed') return 'failed';
  if (result.status === 'not-run' && !dryRun) return 'not run';
  return dryRun ? result.step.action : PAST[result.step.action];
}

function renderSummary(results: readonly StepResult[], dryRun: boolean): string {
  const rows: string[][] = [['kind', 'name', dryRun ? 'plan' : 'result', 'note']];
  for (const result of results) {
    const note = result.status === 'failed' ? (result.error?.message ?? '') : (result.step.note ?? '');
    rows.push([result.step.kind, result.step.name, outcomeOf(result, dryRun), note]);
  }
  return `${formatTable(rows)}\n${closingLine(results, dryRun)}\n`;
}

function counts(results: readonly StepResult[], dryRun: boolean): Record<string, number> {
  const tally: Record<string, number> = { create: 0, update: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const result of results) {
    const key = result.status === 'failed' ? 'failed' : result.step.action;
    if (!dryRun && result.status === 'not-run') continue;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}

function closingLine(results: readonly StepResult[], dryRun: boolean): string {
  const c = counts(results, dryRun);
  const changes = (c['create'] ?? 0) + (c['update'] ?? 0);
  const tail = `${c['unchanged']} unchanged, ${c['skipped']} skipped`;
  if (dryRun)
    return `dry run: ${c['create']} to create, ${c['update']} to update, ${tail}; nothing was written`;
  if (changes === 0 && c['failed'] === 0) return `nothing to change: ${tail}`;
  return `${c['create']} created, ${c['update']} updated, ${tail}, ${c['failed']} failed`;
}

function jsonSummary(results: readonly StepResult[], dryRun: boolean, url: string, org: string) {
  return {
    dryRun,
    url,
    org,
    changed: !dryRun && results.some((r) => r.status === 'done' && r.step.write !== undefined),
    counts: counts(results, dryRun),
    steps: results.map((result) => ({
      kind: result.step.kind,
      name: result.step.name,
      action: result.step.action,
      status: dryRun ? 'planned' : result.status,
      ...(result.step.note === undefined ? {} : { note: result.step.note }),
      ...(result.error === undefined ? {} : { error: result.error.message }),
    })),
  };
}
