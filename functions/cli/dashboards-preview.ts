import { writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import {
  DASHBOARD_METADATA_FIELDS,
  DEFAULT_ASSET_OPTIONS,
  DEFAULT_INVOCATIONS_STREAM,
  DEFAULT_METRICS_STREAM,
  loadAssets,
} from '../openobserve/assets.ts';
import { openLocalSql } from '../openobserve/local-sql.ts';
import { defaultVariableValues, panelsOf, runPanel } from '../openobserve/panels.ts';
import { type PreviewDashboard, renderPreviewPage } from '../openobserve/preview-page.ts';
import { parseCommandArgs } from './args.ts';
import { readUserFile, writableDirectory } from './files.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_OK, UsageError } from './io.ts';

export const DASHBOARDS_HELP = `Usage: bedrock-o2 dashboards preview [--rows FILE]... [--out DIR] [--var NAME=VALUE]... [--dashboard NAME]... [--json]

Runs every panel of the bundled OpenObserve dashboards (openobserve/dashboards) over local rows and writes one
static HTML page with the charts (ECharts, drawn to SVG), so you can see what the dashboards show before
provisioning them. The SQL is parsed with the DataFusion parser and executed in an embedded DuckDB with
OpenObserve's functions (histogram, approx_percentile_cont, str_match) defined: the same engine the tests use.
A panel whose query fails is shown as an error, never as an empty chart.

Options:
  --rows FILE        NDJSON rows (repeatable; .gz read too). Metric rows (source_type
                     cloudwatch_metric_stream) go to the metrics stream, the others to the invocations
                     stream. Default: out/demo/bedrock_invocations.ndjson and out/demo/bedrock_metrics.ndjson
                     (run 'npm run demo' first)
  --out DIR          where to write index.html (default: out/preview)
  --var NAME=VALUE   a dashboard variable (repeatable), e.g. --var tpm_quota=400000 --var conversation=abc;
                     filters default to all values, the conversation to the busiest one in the rows
  --dashboard NAME   only the dashboards whose title contains NAME (repeatable; default: all five)
  --json             print the per-panel result as JSON instead of a summary line
  -h, --help         show this help

Exit codes: 0 every panel ran, 1 a panel query failed, 2 usage error.
`;

type Row = Record<string, unknown>;

function parseNdjson(text: string, file: string): Row[] {
  const rows: Row[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new UsageError(`${file}:${line}: not JSON (expected NDJSON rows)`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`${file}:${line}: expected one JSON object per line`);
    }
    rows.push(parsed as Row);
  }
  return rows;
}

async function readRows(
  files: readonly string[],
  io: CliIo,
): Promise<{ invocations: Row[]; metrics: Row[] }> {
  const invocations: Row[] = [];
  const metrics: Row[] = [];
  for (const file of files) {
    const path = resolve(io.cwd, file);
    for (const row of parseNdjson((await readUserFile(path)).toString('utf8'), file)) {
      (row['source_type'] === 'cloudwatch_metric_stream' ? metrics : invocations).push(row);
    }
  }
  return { invocations, metrics };
}

function busiestConversation(rows: readonly Row[]): string | undefined {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const id = row['gen_ai_conversation_id'];
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

function parseVariables(pairs: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--var ${JSON.stringify(pair)}: expected NAME=VALUE`);
    values.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return values;
}

async function loadPreviewRows(
  files: readonly string[],
  defaulted: boolean,
  io: CliIo,
): Promise<{ invocations: Row[]; metrics: Row[] }> {
  try {
    return await readRows(files, io);
  } catch (error) {
    if (defaulted && error instanceof UsageError && error.message.includes('ENOENT')) {
      throw new UsageError(`no rows in out/demo: run 'npm run demo' first, or pass --rows FILE`);
    }
    throw error;
  }
}

async function openEngine(rows: { invocations: Row[]; metrics: Row[] }) {
  try {
    return await openLocalSql([
      {
        name: DEFAULT_INVOCATIONS_STREAM,
        kind: 'invocation',
        rows: rows.invocations,
        extraColumns: DASHBOARD_METADATA_FIELDS,
      },
      { name: DEFAULT_METRICS_STREAM, kind: 'metric', rows: rows.metrics },
    ]);
  } catch (error) {
    // A value of the wrong type for a declared field (e.g. a text latency) cannot be loaded.
    throw new UsageError(`cannot load the rows: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Overview first, then by how often people look: the files themselves are in name order. */
const DASHBOARD_ORDER = ['overview', 'cost', 'capacity', 'pipeline', 'conversations'];
const rank = (title: string) => {
  const index = DASHBOARD_ORDER.findIndex((word) => title.toLowerCase().includes(word));
  return index < 0 ? DASHBOARD_ORDER.length : index;
};

function selectDashboards(wanted: readonly string[]) {
  const all = [...loadAssets(DEFAULT_ASSET_OPTIONS).dashboards].sort((a, b) => rank(a.title) - rank(b.title));
  if (wanted.length === 0) return all;
  const chosen = all.filter((d) => wanted.some((w) => d.title.toLowerCase().includes(w.toLowerCase())));
  if (chosen.length === 0) {
    throw new UsageError(
      `--dashboard ${wanted.join(', ')} matches none of: ${all.map((d) => d.title).join(', ')}`,
    );
  }
  return chosen;
}

async function runDashboardPanels(
  rows: { invocations: Row[]; metrics: Row[] },
  choices: ReadonlyMap<string, string>,
  wanted: readonly string[],
): Promise<PreviewDashboard[]> {
  const selected = selectDashboards(wanted);
  const engine = await openEngine(rows);
  const dashboards: PreviewDashboard[] = [];
  try {
    for (const dashboard of selected) {
      const variables = defaultVariableValues(dashboard.body, choices);
      const outcomes = [];
      for (const panel of panelsOf(dashboard.body)) outcomes.push(await runPanel(engine, panel, variables));
      dashboards.push({
        title: dashboard.title,
        description: String(dashboard.body['description'] ?? ''),
        outcomes,
      });
    }
  } finally {
    engine.close();
  }
  return dashboards;
}

export async function runDashboards(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    throw new UsageError(`missing subcommand; see 'bedrock-o2 dashboards --help'`);
  }
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(DASHBOARDS_HELP);
    return EXIT_OK;
  }
  if (sub !== 'preview')
    throw new UsageError(`unknown subcommand "${sub}" (try 'bedrock-o2 dashboards --help')`);
  const { values, positionals } = parseCommandArgs(
    rest,
    {
      rows: { type: 'string', multiple: true },
      out: { type: 'string', default: 'out/preview' },
      var: { type: 'string', multiple: true },
      dashboard: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    'dashboards preview',
  );
  if (values.help) {
    io.stdout(DASHBOARDS_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0]}" (see 'bedrock-o2 dashboards preview --help')`,
    );
  }
  // Checked before the work, so a bad --out costs one line, not a preview thrown away.
  const outDir = await writableDirectory(resolve(io.cwd, values.out), '--out');
  const files = values.rows ?? [
    join('out', 'demo', `${DEFAULT_INVOCATIONS_STREAM}.ndjson`),
    join('out', 'demo', `${DEFAULT_METRICS_STREAM}.ndjson`),
  ];
  const rows = await loadPreviewRows(files, values.rows === undefined, io);
  const choices = parseVariables(values.var ?? []);
  const conversation = busiestConversation(rows.invocations);
  if (!choices.has('conversation') && conversation !== undefined) choices.set('conversation', conversation);
  const dashboards = await runDashboardPanels(rows, choices, values.dashboard ?? []);

  const page = join(outDir, 'index.html');
  await writeFile(
    page,
    renderPreviewPage({
      generatedAt: new Date().toISOString(),
      source: `${rows.invocations.length} invocation rows, ${rows.metrics.length} metric rows from ${files.map((f) => basename(f)).join(', ')}`,
      dashboards,
    }),
  );
  const outcomes = dashboards.flatMap((d) => d.outcomes.map((o) => ({ dashboard: d.title, outcome: o })));
  const failed = outcomes.filter(({ outcome }) => !outcome.ok);
  if (values.json) {
    const panels = outcomes.map(({ dashboard, outcome }) => ({
      dashboard,
      panel: outcome.panel.title,
      ok: outcome.ok,
      rows: outcome.ok ? outcome.result.rows.length : 0,
      error: outcome.ok ? null : outcome.error,
    }));
    io.stdout(`${JSON.stringify({ page, panels })}\n`);
  } else {
    for (const { dashboard, outcome } of failed) {
      if (!outcome.ok) io.stderr(`${dashboard} / ${outcome.panel.title}: ${outcome.error}\n`);
    }
    io.stdout(
      `${relative(io.cwd, page) || page}: ${dashboards.length} dashboard${dashboards.length === 1 ? '' : 's'}, ${outcomes.length - failed.length} of ${outcomes.length} panels ran\n`,
    );
  }
  return failed.length === 0 ? EXIT_OK : EXIT_INCOMPLETE;
}
