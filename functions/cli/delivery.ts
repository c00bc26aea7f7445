import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import type { TransformConfig } from '../../schemas/config.ts';
import { Checkpoint, defaultCheckpointPath } from '../replay/checkpoint.ts';
import { isPlainIdentifier, OpenObserveApi } from '../replay/openobserve-api.ts';
import { createProgress } from '../replay/progress.ts';
import { RateLimiter } from '../replay/rate-limit.ts';
import { defaultRejectsPath, RejectsFile } from '../replay/rejects.ts';
import { isComplete, type PresentIds, type RunSummary, runUnits, type Sink } from '../replay/run.ts';
import {
  directSink,
  FIREHOSE_CLIENT_CONFIG,
  firehoseSink,
  openObservePresentIds,
  type StreamNames,
} from '../replay/sinks.ts';
import { parseTimeRange, type TimeRange } from '../replay/time-range.ts';
import type { UnitSource } from '../replay/unit.ts';
import { ensureWritableFile } from '../replay/writable-path.ts';
import { renderSummary, summaryJson, windowRemedies } from './delivery-summary.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_OK, UsageError } from './io.ts';
import { type OpenObserveSettings, openObserveSettings } from './openobserve.ts';
import { type RestampPlan, restampPlan } from './restamp.ts';

/**
 * What `replay` and `backfill` share: the delivery flags, the run's set-up (destination, dedupe, checkpoint,
 * rejects, ingest window), the summary table and the exit code.
 */

export const DELIVERY_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  via: { type: 'string', default: 'direct' },
  stream: { type: 'string' },
  'openobserve-stream': { type: 'string' },
  'metrics-stream': { type: 'string', default: 'bedrock_metrics' },
  url: { type: 'string' },
  org: { type: 'string' },
  config: { type: 'string' },
  checkpoint: { type: 'string' },
  rejects: { type: 'string' },
  'no-dedupe': { type: 'boolean', default: false },
  'ingest-window-hours': { type: 'string' },
  restamp: { type: 'boolean', default: false },
  concurrency: { type: 'string', default: '4' },
  rate: { type: 'string', default: '10' },
  'firehose-mib-per-second': { type: 'string', default: '1' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const DELIVERY_HELP = `Time range:
  --from T, --to T         ISO-8601 (2026-11-29T10:00:00Z), a duration back from now (30m, 6h, 7d) or now

Where rows go:
  --via direct             (default) OpenObserve POST /api/{org}/_bulk, per-row acknowledgement; needs
                           OPENOBSERVE_URL and OPENOBSERVE_USER + OPENOBSERVE_PASSWORD or OPENOBSERVE_TOKEN
  --via firehose --stream NAME
                           PutRecordBatch into the deployed logs delivery stream (rows as gzip NDJSON, which
                           the transform passes through); reports what Firehose accepted
  --stream NAME            with --via direct: the OpenObserve stream (default bedrock_invocations)
  --openobserve-stream N   the OpenObserve invocations stream to dedupe against (default bedrock_invocations)
  --metrics-stream NAME    OpenObserve stream for metric rows (default bedrock_metrics)
  --url URL, --org ORG     override OPENOBSERVE_URL, OPENOBSERVE_ORG
  --dry-run                read, transform and check; send nothing, write no checkpoint

Nothing doubled, nothing lost:
  --checkpoint FILE        what was acknowledged (default .bedrock-o2/<command>-<hash>.checkpoint.ndjson);
                           an interrupted run resumes from it
  --no-dedupe              do not ask OpenObserve which aws_request_ids are already there
  --rejects FILE           rows not accepted, with the reason (default .bedrock-o2/<command>-rejects-<time>.ndjson)
  --ingest-window-hours N  OpenObserve's ZO_INGEST_ALLOWED_UPTO (default: the config's, 5); older rows are
                           not sent (OpenObserve would drop them and still answer success)
  --restamp                move _timestamp into the window as the demo does (needs --from); the original
                           time stays in aws_bedrock_event_time

Pace and output:
  --concurrency N          units read in parallel (default 4)
  --rate N                 OpenObserve requests per second (default 10)
  --firehose-mib-per-second N
                           PutRecordBatch bytes per second (default 1, the smallest regional quota)
  --json                   the summary as one JSON object on stdout
  -h, --help               show this help

Exit codes: 0 every row delivered or deliberately skipped, 1 some were not (see the rejects file; run again to
resume), 2 usage or configuration error.`;

export interface DeliveryValues {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly 'dry-run': boolean;
  readonly via: string;
  readonly stream?: string | undefined;
  readonly 'openobserve-stream'?: string | undefined;
  readonly 'metrics-stream': string;
  readonly url?: string | undefined;
  readonly org?: string | undefined;
  readonly checkpoint?: string | undefined;
  readonly rejects?: string | undefined;
  readonly 'no-dedupe': boolean;
  readonly 'ingest-window-hours'?: string | undefined;
  readonly restamp: boolean;
  readonly concurrency: string;
  readonly rate: string;
  readonly 'firehose-mib-per-second': string;
  readonly json: boolean;
}

/** Seams for tests: time and the wait between retries. AWS clients are faked with aws-sdk-client-mock. */
export interface DeliveryDeps {
  readonly nowMs?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly progressIntervalMs?: number;
}

export interface DeliveryPlan {
  readonly command: string;
  /** What identifies the run for the default checkpoint: the source and the destination. */
  readonly identity: readonly string[];
  readonly range: TimeRange;
  /** Noun for units in the summary: "objects", "hours". */
  readonly unitNoun: string;
}

export function numberFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < min || number > max)
    throw new UsageError(`${flag} must be a number from ${min} to ${max}, not "${value}"`);
  return number;
}

/** A count: a whole number in range, so `--concurrency 1.5` is refused rather than run as something else. */
export function integerFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || number < min || number > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`);
  return number;
}

/**
 * The transform configuration with `--ingest-window-hours` applied, so the normaliser's
 * `timestamp_outside_ingest_window` warning follows the server's window the user named.
 */
export function withIngestWindow(config: TransformConfig, values: DeliveryValues): TransformConfig {
  const hours = numberFlag(values['ingest-window-hours'], '--ingest-window-hours', 0.01, 1_000_000);
  return hours === undefined ? config : { ...config, ingestWindowHours: hours };
}

export function deliveryRange(values: DeliveryValues, nowMs: number): TimeRange {
  return parseTimeRange(values.from, values.to, nowMs);
}

/** Runs the units to the chosen destination and prints the summary; returns the exit code. */
export async function deliver(
  values: DeliveryValues,
  config: TransformConfig,
  plan: DeliveryPlan,
  source: UnitSource,
  io: CliIo,
  deps: DeliveryDeps,
): Promise<number> {
  const now = deps.nowMs ?? Date.now;
  const setup = prepare(values, config, plan, io, deps, now());
  await setup.sink?.ready?.();
  if (setup.restamp !== undefined) io.stderr(`${setup.restamp.note}\n`);
  if (setup.presentIds === undefined && !values['no-dedupe'])
    io.stderr('OPENOBSERVE_URL is not set: not checking which rows OpenObserve already holds\n');
  io.stderr(
    `${plan.command}: ${setup.sink === undefined ? 'dry run, sending nothing' : `to ${setup.sink.label}`}; checkpoint ${setup.checkpoint.path}\n`,
  );

  // Ctrl-C once: stop reading, send and record what is batched, print the summary. Twice: the default exit.
  const interrupt = new AbortController();
  const onInterrupt = () => {
    io.stderr('\ninterrupted: finishing the batches in flight (Ctrl-C again to quit at once)\n');
    interrupt.abort();
  };
  process.once('SIGINT', onInterrupt);
  let summary: RunSummary;
  try {
    summary = await runUnits(source, {
      signal: interrupt.signal,
      range: plan.range,
      windowHours: setup.windowHours,
      restamp: setup.restamp,
      sink: setup.sink,
      presentIds: setup.presentIds,
      checkpoint: setup.checkpoint,
      rejects: setup.rejects,
      concurrency: setup.concurrency,
      nowMs: now,
      progress: createProgress({
        write: io.stderr,
        tty: io.stderrIsTty,
        listed: source.listed,
        nowMs: now,
        ...(deps.progressIntervalMs === undefined ? {} : { intervalMs: deps.progressIntervalMs }),
      }),
      onFirstOutsideWindow: () =>
        io.stderr(
          `rows older than OpenObserve's ${setup.windowHours} h ingest window found: not sending them (see the summary for the remedies)\n`,
        ),
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  report(summary, setup, io);
  if (values.json)
    io.stdout(
      `${JSON.stringify(
        summaryJson(summary, plan, {
          dryRun: values['dry-run'],
          via: values.via,
          retries: setup.api?.retries ?? 0,
          rejects: setup.rejects,
          checkpointPath: setup.checkpoint.path,
        }),
      )}\n`,
    );
  else io.stdout(renderSummary(summary, plan.unitNoun, values['dry-run']));
  return isComplete(summary) ? EXIT_OK : EXIT_INCOMPLETE;
}

interface Setup {
  readonly api: OpenObserveApi | undefined;
  readonly windowHours: number;
  readonly concurrency: number;
  readonly restamp: RestampPlan | undefined;
  readonly sink: Sink | undefined;
  readonly presentIds: PresentIds | undefined;
  readonly checkpoint: Checkpoint;
  readonly rejects: RejectsFile;
}

/** Flags and environment → the run's parts; every usage or configuration problem is found here, before any work. */
function prepare(
  values: DeliveryValues,
  config: TransformConfig,
  plan: DeliveryPlan,
  io: CliIo,
  deps: DeliveryDeps,
  startedMs: number,
): Setup {
  const via = values.via;
  if (via !== 'direct' && via !== 'firehose')
    throw new UsageError(`--via must be direct or firehose, not "${via}"`);
  const dryRun = values['dry-run'];
  const windowHours = withIngestWindow(config, values).ingestWindowHours;
  const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64) ?? 4;
  const rate = numberFlag(values.rate, '--rate', 0.1, 10_000) ?? 10;
  const firehoseMib =
    numberFlag(values['firehose-mib-per-second'], '--firehose-mib-per-second', 0.01, 1000) ?? 1;
  const streams = streamNames(values);
  if (via === 'firehose' && (values.stream === undefined || values.stream === ''))
    throw new UsageError(
      '--via firehose needs --stream NAME (the logs delivery stream, e.g. bedrock-o2-logs)',
    );
  const restamp = restampFor(values, plan.range, startedMs, windowHours);

  const { settings, api, sink } = connect(values, io, streams, rate, firehoseMib, deps);
  const destination =
    via === 'direct'
      ? [via, settings?.url ?? '', settings?.org ?? '', streams.logs]
      : [via, values.stream ?? ''];
  const checkpointPath =
    values.checkpoint === undefined
      ? defaultCheckpointPath(io.cwd, plan.command, [...plan.identity, ...destination])
      : resolve(io.cwd, values.checkpoint);
  const rejectsPath =
    values.rejects === undefined
      ? defaultRejectsPath(io.cwd, plan.command, startedMs)
      : resolve(io.cwd, values.rejects);
  ensureWritableFile(rejectsPath, '--rejects');
  if (!dryRun) ensureWritableFile(checkpointPath, '--checkpoint');
  const checkpoint = Checkpoint.open(checkpointPath, !dryRun);
  return {
    windowHours,
    concurrency,
    restamp,
    sink,
    api,
    presentIds: values['no-dedupe'] || api === undefined ? undefined : openObservePresentIds(api, streams),
    checkpoint,
    rejects: new RejectsFile(rejectsPath),
  };
}

/** OpenObserve (for `_bulk` and dedupe) and the sink, or a usage error saying what to set. */
function connect(
  values: DeliveryValues,
  io: CliIo,
  streams: StreamNames,
  rate: number,
  firehoseMib: number,
  deps: DeliveryDeps,
): { settings: OpenObserveSettings | undefined; api: OpenObserveApi | undefined; sink: Sink | undefined } {
  const dryRun = values['dry-run'];
  const settings = openObserveSettings(io.env, { url: values.url, org: values.org });
  if (settings === undefined && values.via === 'direct' && !dryRun)
    throw new UsageError(
      'OPENOBSERVE_URL is not set: set it (and OPENOBSERVE_USER + OPENOBSERVE_PASSWORD or OPENOBSERVE_TOKEN), or pass --via firehose',
    );
  if (settings === undefined && !values['no-dedupe'] && !dryRun)
    throw new UsageError(
      'dedupe asks OpenObserve which aws_request_ids are already there: set OPENOBSERVE_URL and credentials, or pass --no-dedupe',
    );
  const sleep = deps.sleep === undefined ? {} : { sleep: deps.sleep };
  const api = settings === undefined ? undefined : new OpenObserveApi(settings, sleep);
  if (dryRun) return { settings, api, sink: undefined };
  const sink =
    values.via === 'direct'
      ? directSink(
          api as OpenObserveApi,
          streams,
          new RateLimiter(rate, sleep),
          values['no-dedupe'] ? undefined : openObservePresentIds(api as OpenObserveApi, streams),
        )
      : firehoseSink(
          new FirehoseClient(FIREHOSE_CLIENT_CONFIG),
          values.stream as string,
          new RateLimiter(firehoseMib * 1024 * 1024, sleep),
          sleep,
        );
  return { settings, api, sink };
}

function streamNames(values: DeliveryValues): StreamNames {
  const streams: StreamNames = {
    logs:
      (values.via === 'direct' ? values.stream : undefined) ??
      values['openobserve-stream'] ??
      'bedrock_invocations',
    metrics: values['metrics-stream'],
  };
  for (const name of Object.values(streams))
    if (!isPlainIdentifier(name))
      throw new UsageError(`OpenObserve stream "${name}" must be lower-case letters, digits and _`);
  return streams;
}

function restampFor(
  values: DeliveryValues,
  range: TimeRange,
  startedMs: number,
  windowHours: number,
): RestampPlan | undefined {
  if (!values.restamp) return undefined;
  if (range.fromMs === undefined)
    throw new UsageError('--restamp needs --from: the oldest time to fit into the ingest window');
  return restampPlan(range.fromMs, range.toMs ?? startedMs, startedMs, windowHours);
}

/** What needs a person's attention, on stderr: skipped objects, the window remedies, the rejects, a stop. */
function report(summary: RunSummary, setup: Setup, io: CliIo): void {
  for (const failed of summary.unitsFailed) io.stderr(`skipped ${failed.unit}: ${failed.reason}\n`);
  if (summary.outsideWindow > 0) io.stderr(windowRemedies(summary.outsideWindow, setup.windowHours));
  if (setup.rejects.count > 0)
    io.stderr(
      `rejects (rows and unreadable inputs) written to ${setup.rejects.path}: ${setup.rejects.count}\n`,
    );
  if ((setup.api?.retries ?? 0) > 0)
    io.stderr(
      `OpenObserve requests retried (429, 5xx, network errors or partial search answers): ${setup.api?.retries}\n`,
    );
  if (summary.aborted !== undefined) {
    io.stderr(`stopped: ${summary.aborted}\n`);
    // Only a checkpoint that was written can be resumed from; a dry run or a failed listing writes none.
    if (existsSync(setup.checkpoint.path))
      io.stderr(`run the same command again to resume from ${setup.checkpoint.path}\n`);
    else if (setup.sink !== undefined)
      io.stderr('nothing was acknowledged yet (no checkpoint written): run the same command again\n');
  }
}
