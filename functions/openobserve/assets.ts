import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The OpenObserve assets that ship in the repo (openobserve/dashboards, openobserve/alerts, vrl/), loaded for
 * one deployment: its stream names substituted where a stream is named (stream fields and quoted SQL
 * identifiers, never free text) and its alert thresholds written into the alert queries. The files carry
 * the default streams and thresholds, so each can also be imported by hand in the OpenObserve UI.
 */

export const DEFAULT_INVOCATIONS_STREAM = 'bedrock_invocations';
export const DEFAULT_METRICS_STREAM = 'bedrock_metrics';

const positive = (description: string) => z.number().positive().describe(description);

export const AlertThresholdsSchema = z.strictObject({
  errorRatePercent: positive(
    'Error rate (%) of one model in one region over 15 minutes above which "Bedrock error rate" fires',
  ),
  errorRateMinInvocations: positive(
    'Invocations a model needs in those 15 minutes before its error rate is judged',
  ),
  throttlesPerWindow: positive(
    'InvocationThrottles of one model in one region over 15 minutes above which "Bedrock throttling" fires',
  ),
  p99LatencyMs: positive(
    'p99 of aws_bedrock_latency_ms (ms) of one model over 15 minutes above which "Bedrock p99 latency" fires',
  ),
  latencyMinInvocations: positive(
    'Invocations with a latency a model needs in those 15 minutes before its p99 is judged',
  ),
  costPerHourUsd: positive(
    'Estimated cost (USD) of the last hour above which "Bedrock cost per hour over budget" fires',
  ),
  costPerDayUsd: positive(
    'Estimated cost (USD) of the last 24 hours above which "Bedrock cost per day over budget" fires',
  ),
  costWeekOverWeekRatio: z
    .number()
    .gt(1)
    .describe(
      'Cost of the last hour divided by the same hour a week earlier above which "Bedrock cost this hour vs a week ago" fires',
    ),
  costWeekOverWeekMinUsd: positive(
    'Cost (USD) the last hour must reach before the week-over-week comparison can fire',
  ),
  normaliserWarningRows: positive(
    'Rows with a data-loss warning (per normaliser and warning list) in an hour at which "Bedrock normaliser warnings" fires',
  ),
  completenessMaxMissingRatio: z
    .number()
    .gt(0)
    .lt(1)
    .describe(
      'Share of CloudWatch-counted invocations of a model that may be missing as rows before "Bedrock invocation logs incomplete" fires',
    ),
  completenessMinInvocations: positive(
    'CloudWatch Invocations a model needs in the window before its completeness is judged',
  ),
  completenessLagMinutes: positive(
    'Minutes before the newest metric datapoint that the completeness window ends, so slow log delivery is not taken for loss',
  ),
  completenessWindowMinutes: positive('Length (minutes) of the completeness window'),
});
export type AlertThresholds = z.infer<typeof AlertThresholdsSchema>;

export const DEFAULT_THRESHOLDS: AlertThresholds = Object.freeze({
  errorRatePercent: 5,
  errorRateMinInvocations: 20,
  throttlesPerWindow: 10,
  p99LatencyMs: 30_000,
  latencyMinInvocations: 20,
  costPerHourUsd: 50,
  costPerDayUsd: 500,
  costWeekOverWeekRatio: 2,
  costWeekOverWeekMinUsd: 5,
  normaliserWarningRows: 1,
  completenessMaxMissingRatio: 0.05,
  completenessMinInvocations: 20,
  completenessLagMinutes: 20,
  completenessWindowMinutes: 60,
});

const THRESHOLD_KEYS = new Set(Object.keys(AlertThresholdsSchema.shape));

/** The keys a user may set, so a misspelt one is corrected without opening the docs. */
function knownThresholds(): string {
  return `(known: ${[...THRESHOLD_KEYS].join(', ')})`;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys')
    return `unknown threshold ${issue.keys.join(', ')} ${knownThresholds()}`;
  return `${path === '' ? 'thresholds' : path}: ${issue.message}`;
}

/**
 * User JSON file (optional) merged over the defaults, then `key=value` overrides (from repeatable CLI flags);
 * errors name the key/path; throws an Error whose message is one line.
 */
export function loadThresholds(file: string | undefined, overrides: readonly string[]): AlertThresholds {
  const merged: Record<string, unknown> = { ...DEFAULT_THRESHOLDS };
  if (file !== undefined) Object.assign(merged, readThresholdFile(file));
  for (const override of overrides) {
    const [key, value] = parseOverride(override);
    merged[key] = value;
  }
  const checked = AlertThresholdsSchema.safeParse(merged);
  if (!checked.success) throw new Error(firstIssue(checked.error));
  return checked.data;
}

function readThresholdFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new Error(`thresholds file ${file}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`thresholds file ${file}: expected a JSON object`);
  }
  const checked = AlertThresholdsSchema.partial().safeParse(parsed);
  if (!checked.success) throw new Error(`thresholds file ${file}: ${firstIssue(checked.error)}`);
  return checked.data;
}

function parseOverride(override: string): [string, number] {
  const at = override.indexOf('=');
  if (at < 0) throw new Error(`threshold ${JSON.stringify(override)}: expected key=value`);
  const key = override.slice(0, at).trim();
  if (!THRESHOLD_KEYS.has(key)) throw new Error(`unknown threshold ${key} ${knownThresholds()}`);
  const text = override.slice(at + 1).trim();
  const value = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new Error(`threshold ${key}: ${JSON.stringify(text)} is not a number`);
  return [key, value];
}

export interface AssetOptions {
  readonly invocationsStream: string; // default 'bedrock_invocations'
  readonly metricsStream: string; // default 'bedrock_metrics'
  readonly thresholds: AlertThresholds;
}

export interface DashboardAsset {
  readonly title: string;
  readonly file: string;
  /** v8 body, stream names substituted. */
  readonly body: Record<string, unknown>;
}

export interface AlertAsset {
  readonly name: string;
  readonly file: string;
  readonly streamType: 'logs' | 'metrics';
  readonly streamName: string;
  /** v2 body without id, folder_id and destinations (provision adds them). */
  readonly body: Record<string, unknown>;
  /** The thresholds this alert's query uses. */
  readonly thresholdKeys: readonly (keyof AlertThresholds)[];
}

export interface FunctionAsset {
  readonly name: string;
  readonly file: string;
  /** VRL source, ending in `\n.` (OpenObserve appends one otherwise, which breaks its equality check). */
  readonly source: string;
  readonly streamName: string;
  /** The first comment line: what the function does. */
  readonly description: string;
}

export interface AssetSet {
  readonly dashboards: readonly DashboardAsset[];
  readonly alerts: readonly AlertAsset[];
  readonly functions: readonly FunctionAsset[];
}

/** The repo's top folder, holding openobserve/ and vrl/. */
export const DEFAULT_ASSET_ROOT: string = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Request-metadata columns the Cost dashboard's "metadata key" variable can name. A stream only has a column
 * once a row carried it, so provisioning should declare these as Utf8 fields on the invocations stream.
 */
export const DASHBOARD_METADATA_FIELDS: readonly string[] = [
  'aws_bedrock_request_metadata_team',
  'aws_bedrock_request_metadata_tenant',
  'aws_bedrock_request_metadata_feature',
];

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Rename the two default streams where SQL names them (always as quoted identifiers in our files). */
export function renameStreamsInSql(
  sql: string,
  options: Pick<AssetOptions, 'invocationsStream' | 'metricsStream'>,
) {
  return sql
    .replaceAll(quoteIdentifier(DEFAULT_INVOCATIONS_STREAM), quoteIdentifier(options.invocationsStream))
    .replaceAll(quoteIdentifier(DEFAULT_METRICS_STREAM), quoteIdentifier(options.metricsStream));
}

function streamFor(name: unknown, options: AssetOptions, where: string): string {
  if (name === DEFAULT_INVOCATIONS_STREAM) return options.invocationsStream;
  if (name === DEFAULT_METRICS_STREAM) return options.metricsStream;
  throw new Error(`${where}: names stream ${JSON.stringify(name)}, not one of the two bedrock-o2 streams`);
}

const SQL_MARKER = /(-?\d+(?:\.\d+)?)\s*\/\*threshold:(\w+)\*\//g;
const VRL_MARKER = /(-?\d+(?:\.\d+)?)(\s*)# threshold:(\w+)/g;

function thresholdValue(key: string, thresholds: AlertThresholds, where: string): number {
  if (!THRESHOLD_KEYS.has(key)) throw new Error(`${where}: unknown threshold marker ${key}`);
  return thresholds[key as keyof AlertThresholds];
}

/** Write each marked literal (`50 /*threshold:costPerHourUsd*\/`) from the thresholds; returns the keys used. */
export function applySqlThresholds(sql: string, thresholds: AlertThresholds, where: string) {
  const keys: string[] = [];
  const text = sql.replace(SQL_MARKER, (_whole, _old: string, key: string) => {
    keys.push(key);
    return `${thresholdValue(key, thresholds, where)} /*threshold:${key}*/`;
  });
  return { text, keys };
}

/** VRL arithmetic keeps int and float apart, so thresholds always go in as floats. */
const vrlFloat = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));

export function applyVrlThresholds(source: string, thresholds: AlertThresholds, where: string) {
  const keys: string[] = [];
  const text = source.replace(VRL_MARKER, (_whole, _old: string, space: string, key: string) => {
    keys.push(key);
    return `${vrlFloat(thresholdValue(key, thresholds, where))}${space}# threshold:${key}`;
  });
  return { text, keys };
}

/** URL-safe base64 with padding, as the OpenObserve UI sends `vrl_function` (its decoder wants the padding). */
export const base64Url = (text: string) => {
  const unpadded = Buffer.from(text, 'utf8').toString('base64url');
  return unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, '=');
};

function listFiles(dir: string, suffix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new Error(`cannot read assets in ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return names.filter((name) => name.endsWith(suffix)).sort();
}

function readJsonObject(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`${path}: not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function dashboardForDeployment(body: Record<string, unknown>, options: AssetOptions, file: string) {
  const copy = structuredClone(body);
  for (const tab of (copy['tabs'] as unknown[] | undefined) ?? []) {
    for (const panel of (asRecord(tab)?.['panels'] as unknown[] | undefined) ?? []) {
      for (const query of (asRecord(panel)?.['queries'] as unknown[] | undefined) ?? []) {
        const q = asRecord(query);
        const fields = asRecord(q?.['fields']);
        if (q === undefined || fields === undefined) throw new Error(`${file}: a panel query has no fields`);
        fields['stream'] = streamFor(fields['stream'], options, file);
        if (typeof q['query'] === 'string') q['query'] = renameStreamsInSql(q['query'], options);
      }
    }
  }
  for (const variable of (asRecord(copy['variables'])?.['list'] as unknown[] | undefined) ?? []) {
    const data = asRecord(asRecord(variable)?.['query_data']);
    if (data !== undefined) data['stream'] = streamFor(data['stream'], options, file);
  }
  return copy;
}

const FORBIDDEN_ALERT_FIELDS = ['id', 'folder_id', 'destinations'];

function alertForDeployment(dir: string, fileName: string, options: AssetOptions): AlertAsset {
  const file = join(dir, fileName);
  const body = structuredClone(readJsonObject(file));
  for (const field of FORBIDDEN_ALERT_FIELDS) {
    if (Object.hasOwn(body, field)) throw new Error(`${file}: must not carry ${field} (provision sets it)`);
  }
  const name = body['name'];
  if (typeof name !== 'string' || name === '') throw new Error(`${file}: name missing`);
  const streamType = body['stream_type'];
  if (streamType !== 'logs' && streamType !== 'metrics')
    throw new Error(`${file}: stream_type must be logs or metrics`);
  const streamName = streamFor(body['stream_name'], options, file);
  body['stream_name'] = streamName;

  const condition = asRecord(body['query_condition']);
  const sql = condition?.['sql'];
  if (condition === undefined || typeof sql !== 'string')
    throw new Error(`${file}: query_condition.sql missing`);
  const applied = applySqlThresholds(renameStreamsInSql(sql, options), options.thresholds, file);
  condition['sql'] = applied.text;
  const keys = new Set(applied.keys);

  const vrlFile = join(dir, `${basename(fileName, '.json')}.vrl`);
  if (typeof condition['vrl_function'] === 'string' && condition['vrl_function'] !== '') {
    const vrl = applyVrlThresholds(readFileSync(vrlFile, 'utf8'), options.thresholds, vrlFile);
    condition['vrl_function'] = base64Url(vrl.text);
    for (const key of vrl.keys) keys.add(key);
  }

  const trigger = asRecord(body['trigger_condition']);
  if (trigger === undefined) throw new Error(`${file}: trigger_condition missing`);
  if (keys.has('completenessLagMinutes')) {
    // The window checked ends `lag` before the newest datapoint, so the query must look back window + lag.
    trigger['period'] =
      options.thresholds.completenessWindowMinutes + options.thresholds.completenessLagMinutes;
    keys.add('completenessWindowMinutes');
  }
  const thresholdKeys = [...keys] as (keyof AlertThresholds)[];
  if (thresholdKeys.length > 0 && typeof body['description'] === 'string') {
    const values = thresholdKeys.map((key) => `${key}=${options.thresholds[key]}`).join(', ');
    body['description'] = `${body['description']} Thresholds: ${values}.`;
  }
  return { name, file, streamType, streamName, body, thresholdKeys };
}

const STREAM_LINE = /^#\s*Stream:\s*([a-z0-9_]+)/;

function functionForDeployment(dir: string, fileName: string, options: AssetOptions): FunctionAsset {
  const file = join(dir, fileName);
  const text = readFileSync(file, 'utf8');
  const [what, which] = text.split('\n');
  if (what === undefined || !what.startsWith('# ') || which === undefined) {
    throw new Error(`${file}: must start with two comment lines (what it does, which stream)`);
  }
  const stream = STREAM_LINE.exec(which)?.[1];
  if (stream === undefined) throw new Error(`${file}: the second line must be "# Stream: <stream> …"`);
  const source = text.trimEnd();
  if (!source.endsWith('\n.')) throw new Error(`${file}: must end with a line holding only "."`);
  return {
    name: `bedrock_${basename(fileName, '.vrl').replaceAll('-', '_')}`,
    file,
    source,
    streamName: streamFor(stream, options, file),
    description: what.slice(2).trim(),
  };
}

export function loadAssets(options: AssetOptions, root: string = DEFAULT_ASSET_ROOT): AssetSet {
  const dashboardDir = join(root, 'openobserve', 'dashboards');
  const alertDir = join(root, 'openobserve', 'alerts');
  const vrlDir = join(root, 'vrl');
  const dashboards = listFiles(dashboardDir, '.dashboard.json').map((name) => {
    const file = join(dashboardDir, name);
    const body = readJsonObject(file);
    const title = body['title'];
    if (typeof title !== 'string' || title === '') throw new Error(`${file}: title missing`);
    return { title, file, body: dashboardForDeployment(body, options, file) };
  });
  const alerts = listFiles(alertDir, '.json').map((name) => alertForDeployment(alertDir, name, options));
  const functions = listFiles(vrlDir, '.vrl').map((name) => functionForDeployment(vrlDir, name, options));
  for (const [kind, names] of [
    ['dashboard title', dashboards.map((d) => d.title)],
    ['alert name', alerts.map((a) => a.name)],
    ['function name', functions.map((f) => f.name)],
  ] as const) {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw new Error(`duplicate ${kind} ${JSON.stringify(name)} in ${root}`);
      seen.add(name);
    }
  }
  return { dashboards, alerts, functions };
}

export const DEFAULT_ASSET_OPTIONS: AssetOptions = Object.freeze({
  invocationsStream: DEFAULT_INVOCATIONS_STREAM,
  metricsStream: DEFAULT_METRICS_STREAM,
  thresholds: DEFAULT_THRESHOLDS,
});
