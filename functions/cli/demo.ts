import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { displayUrl } from '../openobserve/client.ts';
import { processLogsEvent } from '../transform/logs/process-logs.ts';
import { processMetricsEvent } from '../transform/metrics/process-metrics.ts';
import { createNormaliser } from '../transform/row/normalise.ts';
import type { Telemetry } from '../transform/telemetry/summary.ts';
import { parseCommandArgs } from './args.ts';
import { metricStreamLines } from './demo-metric-stream.ts';
import { loadCliConfig, writableDirectory } from './files.ts';
import {
  controlMessage,
  dataMessage,
  firehoseEvent,
  type LogEventInput,
  recordData,
} from './firehose-event.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_OK, UsageError } from './io.ts';
import { deliverFirehose, type OpenObserveSettings, openObserveSettings } from './openobserve.ts';
import { restampPlan, restampRow } from './restamp.ts';
import { formatTable } from './table.ts';
import { stderrTelemetry } from './transform.ts';

export const DEMO_HELP = `Usage: bedrock-o2 demo [--input DIR] [--out DIR] [--json] [--config FILE] [--url URL] [--org ORG] [--stream NAME] [--metrics-stream NAME]

Runs the real transformation handler over bundled sample Bedrock invocation logs (no AWS account needed):
builds the Firehose event CloudWatch Logs would send, transforms it, decodes the output records, prints a
summary per model and writes the rows as NDJSON to DIR/bedrock_invocations.ndjson.

It also builds the AWS/Bedrock datapoints CloudWatch would have published for those same invocations (per
account, region, ModelId and minute: Invocations, token counts, InvocationLatency with p50/p90/p99, client
and server errors and throttles where the log's errorCode tells, and the ModelInvocationLogs delivery
counts), runs them through the real metrics transformation as a metric stream would hand them to Firehose,
and writes those rows to DIR/bedrock_metrics.ndjson. So the metric panels and the completeness check agree
with the invocation rows: nothing shows as missing.

The samples are old, and OpenObserve silently drops rows older than its ingest window (ZO_INGEST_ALLOWED_UPTO,
default 5 h). The demo therefore moves _timestamp so the newest sample lands at "now" (the original time stays
in aws_bedrock_event_time, and costs use the original time) and says so on stderr; the metric datapoints are
made from the moved times.

When OPENOBSERVE_URL and credentials are set (OPENOBSERVE_USER + OPENOBSERVE_PASSWORD, or OPENOBSERVE_TOKEN;
OPENOBSERVE_ORG defaults to "default"), the rows are also delivered with the Firehose HTTP endpoint protocol
to {url}/aws/{org}/{stream}/_kinesis_firehose, as the deployed pipeline does. OpenObserve does not
deduplicate: running the demo again delivers the same rows again (same aws_request_id); count distinct
aws_request_id to see each invocation once.

The event includes one CloudWatch Logs control message, as a real subscription sends one; the handler
answers it Dropped, which the summary line reports as "1 dropped".

Options:
  --input DIR     sample ModelInvocationLog JSON files (default: the bundled test/fixtures/bedrock)
  --out DIR       where to write the rows (default: out/demo)
  --save-event F  also write the Firehose event given to the handler to F (input for bedrock-o2 transform)
  --json          print the summary as one JSON object instead of a table
  --config FILE   transform configuration: JSON as BEDROCK_O2_CONFIG, or the deployment file or cdk.json
                  (the region in AWS_REGION)
  --url URL       OpenObserve base URL (overrides OPENOBSERVE_URL)
  --org ORG       organisation (overrides OPENOBSERVE_ORG)
  --stream NAME   stream to deliver invocation rows to (default: bedrock_invocations)
  --metrics-stream NAME
                  stream to deliver metric rows to (default: bedrock_metrics)
  -h, --help      show this help

Exit codes: 0 every record transformed (and delivered, when OpenObserve is set), 1 a record failed or a
delivery did not go through, 2 usage or configuration error (rejected credentials included).
`;

const BUNDLED_SAMPLES = fileURLToPath(new URL('../../test/fixtures/bedrock', import.meta.url));
const DATAPOINTS_PER_METRIC_RECORD = 100;
const EVENTS_PER_RECORD = 4;
const ROWS_PER_DELIVERED_RECORD = 200;

interface Sample {
  readonly file: string;
  readonly log: Record<string, unknown>;
  readonly timestamp: number;
}

export async function runDemo(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      input: { type: 'string' },
      out: { type: 'string', default: 'out/demo' },
      'save-event': { type: 'string' },
      json: { type: 'boolean', default: false },
      config: { type: 'string' },
      url: { type: 'string' },
      org: { type: 'string' },
      stream: { type: 'string', default: 'bedrock_invocations' },
      'metrics-stream': { type: 'string', default: 'bedrock_metrics' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    'demo',
  );
  if (values.help) {
    io.stdout(DEMO_HELP);
    return EXIT_OK;
  }
  for (const flag of ['stream', 'metrics-stream'] as const) {
    if (values[flag].trim() === '')
      throw new UsageError(`--${flag} needs a stream name, not an empty string`);
  }
  const openobserve = openObserveSettings(io.env, { url: values.url, org: values.org });
  const config = await loadCliConfig(values.config, io);
  // Where the output goes is checked before the work, so a bad path costs no run.
  const outDir = await writableDirectory(resolve(io.cwd, values.out), '--out');
  const eventFile = values['save-event'] === undefined ? undefined : resolve(io.cwd, values['save-event']);
  if (eventFile !== undefined) await writableDirectory(dirname(eventFile), '--save-event');
  const inputDir = values.input === undefined ? BUNDLED_SAMPLES : resolve(io.cwd, values.input);
  const samples = await loadSamples(inputDir);
  if (samples.length === 0) throw new UsageError(`no sample logs (*.json) found under ${inputDir}`);

  // The real handler, on what CloudWatch Logs would hand Firehose; no re-ingest (no AWS here).
  const telemetry = stderrTelemetry(io);
  const event = demoEvent(samples);
  if (eventFile !== undefined) {
    try {
      await writeFile(eventFile, `${JSON.stringify(event)}\n`);
    } catch (error) {
      throw new UsageError(
        `--save-event: cannot write ${eventFile} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
    io.stderr(`wrote the Firehose event to ${relative(io.cwd, eventFile) || eventFile}\n`);
  }
  const { response, summary, outcomes } = await processLogsEvent(event, {
    normaliser: createNormaliser(config, { onFailure: (error) => telemetry.normaliseFailed(error) }),
    telemetry,
  });
  const controlMessages = outcomes.filter((o) => o.kind === 'dropped' && o.reason === 'control_message');
  if (controlMessages.length > 0) {
    io.stderr(
      `(${controlMessages.length} dropped: the CloudWatch Logs control message the demo includes, as a real subscription sends one)\n`,
    );
  }
  const rows = rowsOfResponse(response);
  const shift = shiftIntoWindow(rows, Date.now(), config.ingestWindowHours);
  io.stderr(`${shift.note}\n`);

  // Made from the moved rows, so each datapoint falls in the minute of its invocations.
  const metrics = metricRowsOfLines(metricStreamLines(rows), telemetry);

  const outFile = join(outDir, 'bedrock_invocations.ndjson');
  const metricsFile = join(outDir, 'bedrock_metrics.ndjson');
  await writeFile(outFile, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
  await writeFile(metricsFile, metrics.rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
  io.stderr(`wrote ${rows.length} rows to ${relative(io.cwd, outFile) || outFile}\n`);
  io.stderr(
    `wrote ${metrics.rows.length} metric rows to ${relative(io.cwd, metricsFile) || metricsFile} (what CloudWatch would have published for these invocations)\n`,
  );

  let delivered: { ok: boolean; message: string } | undefined;
  if (openobserve !== undefined) {
    const invocations = await deliverRows(openobserve, values.stream, rows, io, 'aws_request_id');
    const metricDelivery = await deliverRows(
      openobserve,
      values['metrics-stream'],
      metrics.rows,
      io,
      'metric, dimensions and minute',
    );
    delivered = invocations.ok ? metricDelivery : invocations;
  }
  if (openobserve === undefined) io.stderr('OPENOBSERVE_URL not set: rows written locally only\n');

  const models = summariseByModel(rows);
  if (values.json) {
    const records = {
      in: summary.recordsIn,
      ok: summary.recordsOk,
      dropped: summary.recordsDropped,
      failed: summary.recordsFailed,
    };
    io.stdout(
      `${JSON.stringify({
        records,
        rows: rows.length,
        timestampShiftMs: shift.shiftMs,
        timestampsCompressed: shift.compressed,
        output: outFile,
        delivered: delivered ?? null,
        models,
      })}\n`,
    );
  } else {
    io.stdout(renderSummary(models));
  }
  const complete =
    summary.recordsFailed === 0 && metrics.failed === 0 && (delivered === undefined || delivered.ok);
  return complete ? EXIT_OK : EXIT_INCOMPLETE;
}

/** Envelopes of a few log events each, as CloudWatch Logs batches them, plus a control message. */
function demoEvent(samples: readonly Sample[]): FirehoseTransformationEvent {
  const datas = [recordData(controlMessage())];
  for (let i = 0; i < samples.length; i += EVENTS_PER_RECORD) {
    const events: LogEventInput[] = samples
      .slice(i, i + EVENTS_PER_RECORD)
      .map((sample) => ({ message: JSON.stringify(sample.log), timestamp: sample.timestamp }));
    datas.push(recordData(dataMessage(events)));
  }
  return firehoseEvent(datas);
}

/**
 * Metric-stream lines (JSON output format) through the real metrics transformation, as Firehose would hand
 * them over: NDJSON datapoints, a hundred per record. Returns the decoded rows and how many records failed.
 */
export function metricRowsOfLines(
  lines: readonly string[],
  telemetry: Telemetry,
): { rows: Record<string, unknown>[]; failed: number } {
  const datas: string[] = [];
  for (let i = 0; i < lines.length; i += DATAPOINTS_PER_METRIC_RECORD) {
    const chunk = lines.slice(i, i + DATAPOINTS_PER_METRIC_RECORD).join('\n');
    datas.push(Buffer.from(`${chunk}\n`).toString('base64'));
  }
  const { response, summary } = processMetricsEvent(
    firehoseEvent(datas, { streamName: 'bedrock-o2-metrics' }),
    {
      telemetry,
      maxDecompressedBytes: 64 * 1024 * 1024,
    },
  );
  return { rows: rowsOfResponse(response), failed: summary.recordsFailed };
}

/** Rows as OpenObserve would receive them: decoded from the response's Ok records. */
function rowsOfResponse(response: FirehoseTransformationResult): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const record of response.records) {
    if (record.result !== 'Ok' || record.data === undefined) continue;
    for (const line of gunzipSync(Buffer.from(record.data, 'base64')).toString('utf8').split('\n')) {
      if (line !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return rows;
}

async function deliverRows(
  settings: OpenObserveSettings,
  stream: string,
  rows: readonly Record<string, unknown>[],
  io: CliIo,
  /** What a repeated row shares with its first copy, for the duplicates note. */
  sameKey: string,
): Promise<{ ok: boolean; message: string }> {
  const datas: string[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_DELIVERED_RECORD) {
    const ndjson = rows
      .slice(i, i + ROWS_PER_DELIVERED_RECORD)
      .map((row) => `${JSON.stringify(row)}\n`)
      .join('');
    datas.push(gzipSync(ndjson, { level: 1 }).toString('base64'));
  }
  const result = await deliverFirehose(settings, stream, datas);
  if (result.status === 401 || result.status === 403) {
    // Rejected credentials are configuration, like in provision and replay: exit 2 saying what to set.
    throw new UsageError(
      `OpenObserve at ${displayUrl(settings.url)} rejected the credentials (${result.status}); check OPENOBSERVE_USER and OPENOBSERVE_PASSWORD, or OPENOBSERVE_TOKEN, and OPENOBSERVE_ORG`,
    );
  }
  io.stderr(
    result.ok
      ? `delivered ${rows.length} rows to ${displayUrl(settings.url)} org ${settings.org} stream ${stream}; ` +
          `OpenObserve keeps duplicates, so running the demo again adds these rows again (same ${sameKey})\n`
      : `delivery to ${displayUrl(settings.url)} failed: ${result.message}\n`,
  );
  return { ok: result.ok, message: result.message };
}

async function loadSamples(dir: string): Promise<Sample[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new UsageError(
      `cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const samples: Sample[] = [];
  for (const name of entries) {
    const file = join(dir, name);
    let log: unknown;
    try {
      log = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new UsageError(`${file} is not JSON`);
    }
    if (typeof log !== 'object' || log === null || Array.isArray(log))
      throw new UsageError(`${file}: expected one JSON object`);
    const record = log as Record<string, unknown>;
    const timestamp = typeof record['timestamp'] === 'string' ? Date.parse(record['timestamp']) : Number.NaN;
    samples.push({ file, log: record, timestamp: Number.isNaN(timestamp) ? Date.now() : timestamp });
  }
  return samples.sort((a, b) => a.timestamp - b.timestamp);
}

/** The demo's rows into OpenObserve's ingest window: the newest sample lands at `now` (restamp.ts). */
export function shiftIntoWindow(
  rows: Record<string, unknown>[],
  nowMs: number,
  windowHours: number,
): { shiftMs: number; compressed: boolean; note: string } {
  if (rows.length === 0) return { shiftMs: 0, compressed: false, note: 'no rows to shift' };
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    const ms = Number(row['_timestamp']) / 1000;
    if (ms < oldest) oldest = ms;
    if (ms > newest) newest = ms;
  }
  const plan = restampPlan(oldest, newest, nowMs, windowHours);
  for (const row of rows) restampRow(row, plan);
  return { shiftMs: plan.shiftMs, compressed: plan.compressed, note: plan.note };
}

interface ModelSummary {
  model: string;
  invocations: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  priced: number;
  unpriced: number;
  warnings: Record<string, number>;
}

export function summariseByModel(rows: readonly Record<string, unknown>[]): ModelSummary[] {
  const byModel = new Map<string, ModelSummary>();
  for (const row of rows) {
    if (row['source_type'] !== 'bedrock_invocation_log') continue;
    const model = String(row['gen_ai_response_model'] ?? row['gen_ai_request_model'] ?? 'unknown');
    let entry = byModel.get(model);
    if (entry === undefined) {
      entry = {
        model,
        invocations: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        priced: 0,
        unpriced: 0,
        // No prototype: the codes come from rows, and `__proto__` must count like any other key.
        warnings: Object.create(null) as Record<string, number>,
      };
      byModel.set(model, entry);
    }
    entry.invocations++;
    entry.inputTokens += Number(row['gen_ai_usage_input_tokens'] ?? 0);
    entry.outputTokens += Number(row['gen_ai_usage_output_tokens'] ?? 0);
    if (row['aws_bedrock_cost_status'] === 'unpriced') entry.unpriced++;
    else {
      entry.priced++;
      entry.costUsd += Number(row['gen_ai_usage_cost_usd'] ?? 0);
    }
    const warnings =
      typeof row['normaliser_warnings'] === 'string'
        ? (JSON.parse(row['normaliser_warnings']) as string[])
        : [];
    for (const code of warnings) entry.warnings[code] = (entry.warnings[code] ?? 0) + 1;
  }
  return [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model));
}

function renderSummary(models: readonly ModelSummary[]): string {
  const rows: (string | number)[][] = [
    ['model', 'invocations', 'input tok', 'output tok', 'cost USD', 'cost status', 'warnings'],
  ];
  for (const m of models) {
    rows.push([
      m.model,
      m.invocations,
      m.inputTokens,
      m.outputTokens,
      m.priced > 0 ? m.costUsd.toFixed(6) : '-',
      m.unpriced === 0 ? 'priced' : m.priced === 0 ? 'UNPRICED' : `${m.unpriced} unpriced`,
      Object.entries(m.warnings)
        .map(([code, count]) => (count > 1 ? `${code}×${count}` : code))
        .join(', '),
    ]);
  }
  const total = models.reduce((sum, m) => sum + m.costUsd, 0);
  return `${formatTable(rows)}\nestimated total: $${total.toFixed(6)} over ${models.reduce((n, m) => n + m.invocations, 0)} invocations\n`;
}
