import { gunzipSync } from 'node:zlib';
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type {
  HydrationLocation,
  HydrationSettings,
  TransformConfig,
} from '../../../schemas/transform-config.ts';
import { bedrockLogRegionPrefix } from '../../s3-source/log-object.ts';
import { recordBytes } from '../firehose/record-bytes.ts';
import type { InputRecord } from '../firehose/records.ts';
import { asObject, asString, type JsonObject } from '../json-access.ts';
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
 * `data/<the log's own requestId>_{input,output}.json.gz`, are ever requested.
 */

export type BodySide = 'input' | 'output';

/** Why a body was not read back (one log line per batch counts them). */
export type NotHydratedReason =
  | 'not_allowed'
  | 'not_found'
  | 'access_denied'
  | 's3_error'
  | 'too_large'
  | 'batch_budget'
  | 'time_budget'
  | 'corrupt';

export interface HydrationReport {
  readonly requested: number;
  readonly hydrated: number;
  readonly notHydrated: Readonly<Partial<Record<NotHydratedReason, number>>>;
  readonly bytes: number;
  readonly ms: number;
}

/** One GetObject: the body's bytes as a stream. Throws the SDK's errors. */
export type GetObjectBody = (
  bucket: string,
  key: string,
  signal: AbortSignal,
) => Promise<AsyncIterable<Uint8Array>>;

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

interface Wanted {
  readonly bucket: string;
  readonly key: string;
  readonly requestId: string;
}

interface Hydrated {
  readonly requestId: string;
  readonly body: unknown;
}

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;
const DATA_KEY_REST = /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/data\/([A-Za-z0-9-]{1,128})_(input|output)\.json\.gz$/;

/**
 * A body path from a log → the bucket and key to read, or undefined when it is not exactly an offloaded body
 * of this log under a configured location for the log's source.
 */
export function allowedDataObject(
  path: string,
  side: BodySide,
  requestId: string | undefined,
  source: LogSource,
  locations: readonly HydrationLocation[],
): Wanted | undefined {
  if (requestId === undefined || !REQUEST_ID.test(requestId)) return undefined;
  const uri = S3_URI.exec(path);
  if (uri === null) return undefined;
  const [, bucket, key] = uri as unknown as [string, string, string];
  for (const location of locations) {
    if (location.bucketName !== bucket || !location.logSources.includes(source)) continue;
    const prefix = bedrockLogRegionPrefix(location.prefix, location.accountId, location.region);
    if (!key.startsWith(prefix)) continue;
    const rest = DATA_KEY_REST.exec(key.slice(prefix.length));
    if (rest !== null && rest[1] === requestId && rest[2] === side) return { bucket, key, requestId };
  }
  return undefined;
}

const bodyKeys = {
  input: { part: 'input', path: 'inputBodyS3Path', body: 'inputBodyJson' },
  output: { part: 'output', path: 'outputBodyS3Path', body: 'outputBodyJson' },
} as const;

/** The body path of one side of a log when the body itself is missing (offloaded), else undefined. */
function offloadedPath(log: JsonObject, side: BodySide): string | undefined {
  const keys = bodyKeys[side];
  const part = asObject(log[keys.part]);
  const path = asString(part?.[keys.path]);
  return path !== undefined && (part?.[keys.body] ?? null) === null ? path : undefined;
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
): { wanted: Map<string, Wanted>; notAllowed: number } {
  const wanted = new Map<string, Wanted>();
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
        if (path === undefined || wanted.has(path)) continue;
        const object = allowedDataObject(path, side, asString(log['requestId']), source, locations);
        if (object === undefined) notAllowed++;
        else wanted.set(path, object);
      }
    }
  }
  return { wanted, notAllowed };
}

class NotHydrated extends Error {
  readonly reason: NotHydratedReason;
  constructor(reason: NotHydratedReason) {
    super(reason);
    this.reason = reason;
  }
}

/** S3's answer → why the body was not read. Without s3:ListBucket, S3 answers 403 for a missing key. */
function classify(error: unknown): NotHydratedReason {
  if (error instanceof NotHydrated) return error.reason;
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'not_found';
  if (name === 'AccessDenied' || status === 403) return 'access_denied';
  if (name === 'AbortError') return 'time_budget';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return 'corrupt';
  return 's3_error';
}

/** Bytes held by the batch's bodies; an object that would take it past the bound stops reading. */
interface ByteBudget {
  used: number;
  readonly max: number;
}

/** Rejects when the signal aborts, so a stalled body stream cannot hold the batch past its budget. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new NotHydrated('time_budget'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new NotHydrated('time_budget'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Read one gzip body and gunzip it, bounded: the compressed bytes count against the batch while they are
 * read (a huge object stops early), and gunzip stops at the per-object bound or what the batch has left, so
 * a gzip bomb costs at most that. The gunzipped bytes stay counted until the batch ends.
 */
async function readGunzipped(
  body: AsyncIterable<Uint8Array>,
  maxObjectBytes: number,
  batch: ByteBudget,
  signal: AbortSignal,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let compressed = 0;
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await abortable(iterator.next(), signal);
      if (next.done === true) break;
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      compressed += chunk.length;
      batch.used += chunk.length;
      if (compressed > maxObjectBytes) throw new NotHydrated('too_large');
      if (batch.used > batch.max) throw new NotHydrated('batch_budget');
      chunks.push(chunk);
    }
  } catch (error) {
    batch.used -= compressed;
    void iterator.return?.()?.catch(() => undefined);
    throw error;
  }
  batch.used -= compressed;
  const room = batch.max - batch.used;
  const limit = Math.min(maxObjectBytes, room);
  if (limit <= 0) throw new NotHydrated('batch_budget');
  let plain: Buffer;
  try {
    // Synchronous, so no other read can take the same room meanwhile.
    plain = gunzipSync(Buffer.concat(chunks), { maxOutputLength: limit });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw new NotHydrated(limit < maxObjectBytes ? 'batch_budget' : 'too_large');
    throw new NotHydrated('corrupt');
  }
  batch.used += plain.length;
  return plain;
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export function createHydrator(settings: HydrationSettings, deps: HydratorDeps): Hydrate {
  const limits = hydrationLimits(settings, deps.memoryMiB);
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;

  async function readOnce(object: Wanted, batch: ByteBudget, signal: AbortSignal): Promise<unknown> {
    const stream = await abortable(deps.getObject(object.bucket, object.key, signal), signal);
    const plain = await readGunzipped(stream, limits.maxObjectBytes, batch, signal);
    let body: unknown;
    try {
      body = JSON.parse(plain.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null) {
      batch.used -= plain.length;
      throw new NotHydrated('corrupt');
    }
    return body;
  }

  /** One body, looked for again after short waits while S3 says it is not there (yet). */
  async function readBody(object: Wanted, batch: ByteBudget, signal: AbortSignal): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await readOnce(object, batch, signal);
      } catch (error) {
        const reason = signal.aborted ? 'time_budget' : classify(error);
        const delay = NOT_FOUND_RETRY_DELAYS_MS[attempt];
        if ((reason !== 'not_found' && reason !== 'access_denied') || delay === undefined)
          throw new NotHydrated(reason);
        await sleep(delay, signal);
        if (signal.aborted) throw new NotHydrated(reason);
      }
    }
  }

  async function fetchAll(
    wanted: Map<string, Wanted>,
    budgetMs: number,
    counts: Map<NotHydratedReason, number>,
    batch: ByteBudget,
  ): Promise<Map<string, Hydrated>> {
    const bodies = new Map<string, Hydrated>();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), budgetMs);
    const queue = [...wanted];
    const count = (reason: NotHydratedReason) => counts.set(reason, (counts.get(reason) ?? 0) + 1);
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [path, object] = next;
        if (controller.signal.aborted) {
          count('time_budget');
          continue;
        }
        if (batch.used >= batch.max) {
          count('batch_budget');
          continue;
        }
        try {
          bodies.set(path, {
            requestId: object.requestId,
            body: await readBody(object, batch, controller.signal),
          });
        } catch (error) {
          count(classify(error));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(settings.concurrency, queue.length) }, worker));
    } finally {
      clearTimeout(timer);
    }
    return bodies;
  }

  return async (records, normaliser, remainingTimeMs) => {
    const started = now();
    const counts = new Map<NotHydratedReason, number>();
    const batch: ByteBudget = { used: 0, max: limits.maxBatchBytes };
    let bodies = new Map<string, Hydrated>();
    let requested = 0;
    try {
      const { wanted, notAllowed } = plan(records, normaliser.config, settings.locations);
      if (notAllowed > 0) counts.set('not_allowed', notAllowed);
      requested = wanted.size + notAllowed;
      if (wanted.size > 0) {
        const budgetMs = hydrationBudgetMs(remainingTimeMs());
        if (budgetMs <= 0) counts.set('time_budget', wanted.size);
        else bodies = await fetchAll(wanted, budgetMs, counts, batch);
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

/** The body read for one side of a log, if its path was read and belongs to this log's request. */
function bodyFor(log: JsonObject, side: BodySide, bodies: Map<string, Hydrated>): Hydrated | undefined {
  const path = offloadedPath(log, side);
  const found = path === undefined ? undefined : bodies.get(path);
  return found !== undefined && found.requestId === log['requestId'] ? found : undefined;
}

/** A row maker that hands the inner one each log with its read bodies in place. */
export function withBodies(inner: RowMaker, bodies: Map<string, Hydrated>): RowMaker {
  return {
    config: inner.config,
    invocationRow(log, meta) {
      const input = bodyFor(log, 'input', bodies);
      const output = bodyFor(log, 'output', bodies);
      if (input === undefined && output === undefined) return inner.invocationRow(log, meta);
      const filled: JsonObject = { ...log };
      if (input !== undefined) filled['input'] = { ...asObject(log['input']), inputBodyJson: input.body };
      if (output !== undefined)
        filled['output'] = { ...asObject(log['output']), outputBodyJson: output.body };
      return inner.invocationRow(filled, {
        ...meta,
        hydrated: { input: input !== undefined, output: output !== undefined },
      });
    },
  };
}

/** The S3 client's GetObject, for the Lambda (lazyGetObject) or a client under aws-sdk-client-mock. */
export function getObjectWith(client: S3Client): GetObjectBody {
  return async (bucket, key, signal) => {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const output: GetObjectCommandOutput = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      { abortSignal: signal },
    );
    if (output.Body === undefined) throw new NotHydrated('corrupt');
    return output.Body as AsyncIterable<Uint8Array>;
  };
}

/**
 * The S3 client is imported and created on the first body to read, so a function without hydration (or a
 * batch without offloaded bodies) never loads it. Bounded attempts and timeouts: one stalled connection
 * cannot eat the invocation; the abort signal bounds the whole call.
 */
export function lazyGetObject(): GetObjectBody {
  let get: Promise<GetObjectBody> | undefined;
  return async (bucket, key, signal) => {
    get ??= import('@aws-sdk/client-s3').then(({ S3Client }) =>
      getObjectWith(
        new S3Client({
          maxAttempts: 3,
          retryMode: 'standard',
          requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
        }),
      ),
    );
    return (await get)(bucket, key, signal);
  };
}
