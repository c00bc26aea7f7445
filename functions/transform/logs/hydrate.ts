import type {
  HydrationLocation,
  HydrationSettings,
  TransformConfig,
} from '../../../schemas/transform-config.ts';
import {
  allowedDataObject,
  type BodyReadFailure,
  type ByteBudget,
  type GetObjectBody,
  getObjectWith,
  type OffloadedObject,
  offloadedPath,
  type ReadBody,
  readOffloadedBodies,
  withReadBodies,
} from '../../s3-source/offloaded-body.ts';
import { boundedRequests } from '../bounded-requests.ts';
import { recordBytes } from '../firehose/record-bytes.ts';
import type { InputRecord } from '../firehose/records.ts';
import { asString, type JsonObject } from '../json-access.ts';
import type { LogSource, RowMaker } from '../row/normalise.ts';
import type { CloudWatchEnvelope } from './cloudwatch-envelope.ts';
import { parseLogMessage } from './parse-message.ts';
import { decodeLogsRecord, type LogsRecord } from './record-shapes.ts';

/**
 * Opt-in hydration of offloaded bodies (`hydrateLargeBodies`): before a batch is transformed, the bodies
 * Bedrock wrote to S3 instead of the log (`input.inputBodyS3Path` / `output.outputBodyS3Path`,
 * bedrock-log-schema.md §7) are read back, and the batch's row maker sees each log with its body filled in,
 * so the row is the row of the same log with the body inline (plus `aws_bedrock_{input,output}_hydrated`).
 *
 * Nothing here fails a record or the batch: a body that is not read (not there yet, S3 error, too large, out
 * of time, a path outside the allow-list) leaves its row as it is without hydration, with `body_offloaded`.
 * A log is data: only keys under the configured buckets' Bedrock prefixes, ending in
 * `data/<the log's own requestId>_{input,output}.json.gz`, are ever requested. The reading itself (allow-list
 * check, bounded GetObject, gunzip, parse) is the shared reader's (s3-source/offloaded-body.ts); this file is
 * the Lambda's policy: which records to look in, the time budget, the memory-derived bounds, the retries.
 */

/** Why a body was not read back (one log line per batch counts them). */
export type NotHydratedReason = 'not_allowed' | BodyReadFailure;

export interface HydrationReport {
  readonly requested: number;
  readonly hydrated: number;
  readonly notHydrated: Readonly<Partial<Record<NotHydratedReason, number>>>;
  readonly bytes: number;
  readonly ms: number;
}

export interface HydratorDeps {
  readonly getObject: GetObjectBody;
  /** AWS_LAMBDA_FUNCTION_MEMORY_SIZE: bounds per object and per batch are lowered to fit it. */
  readonly memoryMiB?: number | undefined;
  readonly report?: ((report: HydrationReport) => void) | undefined;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The batch's row maker, with the offloaded bodies it could read. Never rejects. */
export type Hydrate = (
  records: readonly InputRecord[],
  normaliser: RowMaker,
  remainingTimeMs: () => number,
) => Promise<RowMaker>;

const MIB = 1024 * 1024;
/** The object can land up to ~60 s after the log: look again twice, shortly, while the budget allows. */
export const NOT_FOUND_RETRY_DELAYS_MS: readonly number[] = [1_000, 3_000];
/** Hydration never leaves less than this for transforming the batch and answering Firehose. */
export const MIN_TIME_LEFT_MS = 15_000;
const MARKER = Buffer.from('BodyS3Path');

/** Per-object and per-batch gunzip bounds: configured, lowered to 1/16 and 1/6 of the function's memory. */
export function hydrationLimits(
  settings: HydrationSettings,
  memoryMiB: number | undefined,
): { maxObjectBytes: number; maxBatchBytes: number } {
  const memoryBytes = memoryMiB !== undefined && memoryMiB > 0 ? memoryMiB * MIB : undefined;
  if (memoryBytes === undefined)
    return { maxObjectBytes: settings.maxObjectBytes, maxBatchBytes: settings.maxObjectBytes * 4 };
  const maxObjectBytes = Math.max(64 * 1024, Math.min(settings.maxObjectBytes, Math.floor(memoryBytes / 16)));
  return { maxObjectBytes, maxBatchBytes: Math.max(maxObjectBytes, Math.floor(memoryBytes / 6)) };
}

/** How long hydration may take: half the time left, and never into the last MIN_TIME_LEFT_MS. */
export function hydrationBudgetMs(remainingMs: number): number {
  return Math.max(0, Math.min(remainingMs / 2, remainingMs - MIN_TIME_LEFT_MS));
}

/** The invocation logs of a decoded record that name an offloaded body, with the source they came by. */
function* logsWithPaths(record: LogsRecord): Generator<{ log: JsonObject; source: LogSource }> {
  if (record.shape === 'cloudwatch') {
    yield* envelopeLogs(record.envelope);
    return;
  }
  for (const line of record.lines) {
    if (line.kind === 'invocation') yield { log: line.log, source: 's3' };
    else if (line.kind === 'envelope') yield* envelopeLogs(line.envelope);
  }
}

function* envelopeLogs(envelope: CloudWatchEnvelope): Generator<{ log: JsonObject; source: LogSource }> {
  if (envelope.messageType === 'CONTROL_MESSAGE') return;
  for (const event of envelope.logEvents) {
    if (!event.message.includes('BodyS3Path')) continue;
    const parsed = parseLogMessage(event.message);
    if (parsed.kind === 'invocation') yield { log: parsed.log, source: 'cloudwatch_logs' };
  }
}

/** Every offloaded body the batch's logs name, by path; paths outside the allow-list are only counted. */
function plan(
  records: readonly InputRecord[],
  config: TransformConfig,
  locations: readonly HydrationLocation[],
): { wanted: Map<string, OffloadedObject>; notAllowed: number } {
  const wanted = new Map<string, OffloadedObject>();
  let notAllowed = 0;
  for (const record of records) {
    let decoded: LogsRecord;
    try {
      // Only records that mention a body path are parsed here; the transform reads every record itself.
      if (recordBytes(record.data, config.maxDecompressedBytes).indexOf(MARKER) < 0) continue;
      decoded = decodeLogsRecord(record.data, config.maxDecompressedBytes);
    } catch {
      continue; // the transform fails this record on its own
    }
    for (const { log, source } of logsWithPaths(decoded)) {
      for (const side of ['input', 'output'] as const) {
        const path = offloadedPath(log, side);
        if (path === undefined) continue;
        // Checked for every log that names it: a path already wanted for another log or side is not this one's.
        const object = allowedDataObject(path, side, asString(log['requestId']), source, locations);
        if (object === undefined) notAllowed++;
        else if (!wanted.has(path)) wanted.set(path, object);
      }
    }
  }
  return { wanted, notAllowed };
}

export function createHydrator(settings: HydrationSettings, deps: HydratorDeps): Hydrate {
  const limits = hydrationLimits(settings, deps.memoryMiB);
  const now = deps.now ?? Date.now;

  /** The batch's bodies within the time budget; every path not read is counted by its reason. */
  async function readWithin(
    wanted: Map<string, OffloadedObject>,
    budgetMs: number,
    counts: Map<NotHydratedReason, number>,
    batch: ByteBudget,
  ): Promise<Map<string, ReadBody>> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), budgetMs);
    try {
      const { bodies, failures } = await readOffloadedBodies(wanted, {
        getObject: deps.getObject,
        concurrency: settings.concurrency,
        maxObjectBytes: limits.maxObjectBytes,
        budget: batch,
        signal: controller.signal,
        retryDelaysMs: NOT_FOUND_RETRY_DELAYS_MS,
        sleep: deps.sleep,
      });
      for (const reason of failures.values()) counts.set(reason, (counts.get(reason) ?? 0) + 1);
      return bodies;
    } finally {
      clearTimeout(timer);
    }
  }

  return async (records, normaliser, remainingTimeMs) => {
    const started = now();
    const counts = new Map<NotHydratedReason, number>();
    const batch: ByteBudget = { used: 0, max: limits.maxBatchBytes };
    let bodies = new Map<string, ReadBody>();
    let requested = 0;
    try {
      const { wanted, notAllowed } = plan(records, normaliser.config, settings.locations);
      if (notAllowed > 0) counts.set('not_allowed', notAllowed);
      requested = wanted.size + notAllowed;
      if (wanted.size > 0) {
        const budgetMs = hydrationBudgetMs(remainingTimeMs());
        if (budgetMs <= 0) counts.set('time_budget', wanted.size);
        else bodies = await readWithin(wanted, budgetMs, counts, batch);
      }
    } catch {
      // A defect here must not cost the batch: transform without hydration.
      counts.set('s3_error', (counts.get('s3_error') ?? 0) + 1);
    }
    if (requested > 0 || counts.size > 0) {
      deps.report?.({
        requested,
        hydrated: bodies.size,
        notHydrated: Object.fromEntries(counts),
        bytes: batch.used,
        ms: now() - started,
      });
    }
    return bodies.size === 0 ? normaliser : withBodies(normaliser, bodies);
  };
}

/** A row maker that hands the inner one each log with its read bodies in place. */
function withBodies(inner: RowMaker, bodies: ReadonlyMap<string, ReadBody>): RowMaker {
  return {
    config: inner.config,
    invocationRow(log, meta) {
      const filled = withReadBodies(log, bodies);
      return filled === undefined
        ? inner.invocationRow(log, meta)
        : inner.invocationRow(filled.log, { ...meta, hydrated: filled.hydrated });
    },
  };
}

/**
 * The S3 client is imported and created on the first body to read, so a function without hydration (or a
 * batch without offloaded bodies) never loads it. Bounded attempts and timeouts: one stalled connection
 * cannot eat the invocation; the abort signal bounds the whole call.
 */
export const HYDRATE_S3_CLIENT_CONFIG = {
  maxAttempts: 3,
  retryMode: 'standard',
  requestHandler: boundedRequests(2_000, 10_000),
} as const;

export function lazyGetObject(): GetObjectBody {
  let get: Promise<GetObjectBody> | undefined;
  return async (bucket, key, signal) => {
    get ??= import('@aws-sdk/client-s3').then(({ S3Client }) =>
      getObjectWith(new S3Client(HYDRATE_S3_CLIENT_CONFIG)),
    );
    return (await get)(bucket, key, signal);
  };
}
