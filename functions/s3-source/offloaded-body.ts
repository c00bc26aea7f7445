import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { HydrationLocation } from '../../schemas/transform-config.ts';
import { decodeUtf8, gunzipWithin, isGzip } from '../transform/firehose/record-bytes.ts';
import { asObject, asString, type JsonObject } from '../transform/json-access.ts';
import type { LogSource } from '../transform/row/normalise.ts';
import { bedrockLogRegionPrefix, releaseBody } from './log-object.ts';

/**
 * The one reader of the bodies Bedrock offloads to S3 (`…/data/<requestId>_{input,output}.json.gz`, named by
 * `input.inputBodyS3Path` / `output.outputBodyS3Path`, bedrock-log-schema.md §7), shared by the logs Lambda's
 * `hydrateLargeBodies` and `backfill s3 --hydrate`: which paths may be read (only the log's own body under an
 * allowed location), the bounded reads (concurrency, bytes per object and per set of reads, an abort signal,
 * retries while an object is not there yet), gunzip and parse, and the log with its bodies filled in. Each
 * caller sets its own policy: how long, how many at once, how large, how often to look again.
 *
 * A read never throws: what could not be read comes back with its reason.
 */

export type BodySide = 'input' | 'output';

/** An offloaded body that may be read: the log's own, for one side, under an allowed location. */
export interface OffloadedObject {
  readonly bucket: string;
  readonly key: string;
  readonly requestId: string;
  readonly side: BodySide;
}

/** A body read back, with the request and the side it belongs to. */
export interface ReadBody {
  readonly requestId: string;
  readonly side: BodySide;
  readonly body: unknown;
}

/** Why a body was not read. */
export type BodyReadFailure =
  | 'not_found'
  | 'access_denied'
  | 's3_error'
  | 'too_large'
  | 'batch_budget'
  | 'time_budget'
  | 'corrupt';

/** One GetObject: the body's bytes as a stream. Throws the SDK's errors. */
export type GetObjectBody = (
  bucket: string,
  key: string,
  signal: AbortSignal,
) => Promise<AsyncIterable<Uint8Array>>;

/** Bytes held by one set of reads; an object that would take it past `max` stops reading. */
export interface ByteBudget {
  used: number;
  readonly max: number;
}

export interface ReadPolicy {
  readonly getObject: GetObjectBody;
  /** How many GetObject calls run at the same time. */
  readonly concurrency: number;
  /** Most one body may be, compressed or gunzipped. */
  readonly maxObjectBytes: number;
  /** Shared by the reads; what is still used when they end is what the bodies hold. */
  readonly budget: ByteBudget;
  /** Aborting it stops every read (`time_budget`). */
  readonly signal?: AbortSignal | undefined;
  /** Waits before looking again while S3 says the object is not there (yet); empty: never again. */
  readonly retryDelaysMs: readonly number[];
  readonly sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

export interface ReadResult {
  /** By the path the log names. */
  readonly bodies: Map<string, ReadBody>;
  readonly failures: Map<string, BodyReadFailure>;
}

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;
const DATA_KEY_REST = /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/data\/([A-Za-z0-9-]{1,128})_(input|output)\.json\.gz$/;

/**
 * A body path from a log → the bucket and key to read, or undefined when it is not exactly an offloaded body
 * of this log under one of the locations for the log's source. A log is data: it cannot make the reader
 * request any other object.
 */
export function allowedDataObject(
  path: string,
  side: BodySide,
  requestId: string | undefined,
  source: LogSource,
  locations: readonly HydrationLocation[],
): OffloadedObject | undefined {
  if (requestId === undefined || !REQUEST_ID.test(requestId)) return undefined;
  const uri = S3_URI.exec(path);
  if (uri === null) return undefined;
  const [, bucket, key] = uri as unknown as [string, string, string];
  for (const location of locations) {
    if (location.bucketName !== bucket || !location.logSources.includes(source)) continue;
    const prefix = bedrockLogRegionPrefix(location.prefix, location.accountId, location.region);
    if (!key.startsWith(prefix)) continue;
    const rest = DATA_KEY_REST.exec(key.slice(prefix.length));
    if (rest !== null && rest[1] === requestId && rest[2] === side) return { bucket, key, requestId, side };
  }
  return undefined;
}

const bodyKeys = {
  input: { part: 'input', path: 'inputBodyS3Path', body: 'inputBodyJson' },
  output: { part: 'output', path: 'outputBodyS3Path', body: 'outputBodyJson' },
} as const;

/** The body path of one side of a log when the body itself is missing (offloaded), else undefined. */
export function offloadedPath(log: JsonObject, side: BodySide): string | undefined {
  const keys = bodyKeys[side];
  const part = asObject(log[keys.part]);
  const path = asString(part?.[keys.path]);
  return path !== undefined && (part?.[keys.body] ?? null) === null ? path : undefined;
}

/** The log's field holding the path of one side, as a person reads it in a message. */
export function pathField(side: BodySide): string {
  return bodyKeys[side].path;
}

/**
 * The body read for one side of a log, if its path was read for that side of this log's request: a log that
 * names its input's path as its output's too must not get its request body as its response.
 */
function bodyFor(
  log: JsonObject,
  side: BodySide,
  bodies: ReadonlyMap<string, ReadBody>,
): ReadBody | undefined {
  const path = offloadedPath(log, side);
  const found = path === undefined ? undefined : bodies.get(path);
  return found !== undefined && found.requestId === log['requestId'] && found.side === side
    ? found
    : undefined;
}

/**
 * A copy of the log with the bodies read for it in place, and which sides were filled (the row's
 * `aws_bedrock_{input,output}_hydrated`); undefined when none of them is this log's.
 */
export function withReadBodies(
  log: JsonObject,
  bodies: ReadonlyMap<string, ReadBody>,
): { readonly log: JsonObject; readonly hydrated: { input: boolean; output: boolean } } | undefined {
  const input = bodyFor(log, 'input', bodies);
  const output = bodyFor(log, 'output', bodies);
  if (input === undefined && output === undefined) return undefined;
  const filled: JsonObject = { ...log };
  if (input !== undefined) filled['input'] = { ...asObject(log['input']), inputBodyJson: input.body };
  if (output !== undefined) filled['output'] = { ...asObject(log['output']), outputBodyJson: output.body };
  return { log: filled, hydrated: { input: input !== undefined, output: output !== undefined } };
}

class NotRead extends Error {
  readonly reason: BodyReadFailure;
  constructor(reason: BodyReadFailure) {
    super(reason);
    this.reason = reason;
  }
}

/** S3's answer → why the body was not read. Without s3:ListBucket, S3 answers 403 for a missing key. */
function classify(error: unknown): BodyReadFailure {
  if (error instanceof NotRead) return error.reason;
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'not_found';
  if (name === 'AccessDenied' || status === 403) return 'access_denied';
  if (name === 'AbortError') return 'time_budget';
  // zlib's error codes: a body stream that failed to inflate is not what its key says it is.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return 'corrupt';
  return 's3_error';
}

/** Rejects when the signal aborts, so a stalled body stream cannot hold the reads past their time. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new NotRead('time_budget'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new NotRead('time_budget'));
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
 * Read one body and gunzip it (a body stored without gzip is taken as it is), bounded: the stored bytes count
 * against the budget while they are read (a huge object stops early), and gunzip stops at the per-object
 * bound or what the budget has left, so a gzip bomb costs at most that. The plain bytes stay counted.
 */
async function readPlain(
  body: AsyncIterable<Uint8Array>,
  maxObjectBytes: number,
  budget: ByteBudget,
  signal: AbortSignal,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let stored = 0;
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await abortable(iterator.next(), signal);
      if (next.done === true) break;
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      stored += chunk.length;
      budget.used += chunk.length;
      if (stored > maxObjectBytes) throw new NotRead('too_large');
      if (budget.used > budget.max) throw new NotRead('batch_budget');
      chunks.push(chunk);
    }
  } catch (error) {
    budget.used -= stored;
    // Destroyed, not only returned: a stream's iterator cannot be returned while a read waits on it (an
    // abort mid-body), and the body would hold its connection until more data came, if ever.
    releaseBody(body);
    void iterator.return?.()?.catch(() => undefined);
    throw error;
  }
  budget.used -= stored;
  const raw = Buffer.concat(chunks);
  const room = budget.max - budget.used;
  const limit = Math.min(maxObjectBytes, room);
  if (limit <= 0 || (!isGzip(raw) && raw.length > limit)) throw new NotRead('batch_budget');
  let plain: Buffer = raw;
  if (isGzip(raw)) {
    // Synchronous, so no other read can take the same room meanwhile.
    const gunzipped = gunzipWithin(raw, limit);
    if (gunzipped.kind !== 'ok')
      throw new NotRead(
        gunzipped.kind === 'corrupt' ? 'corrupt' : limit < maxObjectBytes ? 'batch_budget' : 'too_large',
      );
    plain = gunzipped.bytes;
  }
  budget.used += plain.length;
  return plain;
}

/** One body, parsed: a JSON object or array (an offloaded stream is the array of its chunks). */
async function readOnce(object: OffloadedObject, policy: ReadPolicy, signal: AbortSignal): Promise<unknown> {
  const stream = await abortable(policy.getObject(object.bucket, object.key, signal), signal);
  const plain = await readPlain(stream, policy.maxObjectBytes, policy.budget, signal);
  let body: unknown;
  try {
    // Invalid UTF-8 would read as U+FFFD without a word: such a body is corrupt, as the transform decides.
    body = JSON.parse(decodeUtf8(plain));
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null) {
    policy.budget.used -= plain.length;
    throw new NotRead('corrupt');
  }
  return body;
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

/** One body, looked for again after the policy's waits while S3 says it is not there (yet). */
async function readBody(object: OffloadedObject, policy: ReadPolicy, signal: AbortSignal): Promise<unknown> {
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await readOnce(object, policy, signal);
    } catch (error) {
      const reason = signal.aborted ? 'time_budget' : classify(error);
      const delay = policy.retryDelaysMs[attempt];
      if ((reason !== 'not_found' && reason !== 'access_denied') || delay === undefined)
        throw new NotRead(reason);
      await sleep(delay, signal);
      if (signal.aborted) throw new NotRead(reason);
    }
  }
}

const NEVER = new AbortController().signal;

/** Read the wanted bodies under the policy's bounds. Never rejects: each path is read or has its reason. */
export async function readOffloadedBodies(
  wanted: ReadonlyMap<string, OffloadedObject>,
  policy: ReadPolicy,
): Promise<ReadResult> {
  const bodies = new Map<string, ReadBody>();
  const failures = new Map<string, BodyReadFailure>();
  const signal = policy.signal ?? NEVER;
  const queue = [...wanted];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [path, object] = next;
      if (signal.aborted) failures.set(path, 'time_budget');
      else if (policy.budget.used >= policy.budget.max) failures.set(path, 'batch_budget');
      else {
        try {
          const body = await readBody(object, policy, signal);
          bodies.set(path, { requestId: object.requestId, side: object.side, body });
        } catch (error) {
          failures.set(path, classify(error));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, policy.concurrency), queue.length) }, worker));
  return { bodies, failures };
}

/** The S3 client's GetObject (the Lambda creates its client lazily; the CLI passes its own). */
export function getObjectWith(client: S3Client): GetObjectBody {
  return async (bucket, key, signal) => {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const output: GetObjectCommandOutput = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      { abortSignal: signal },
    );
    if (output.Body === undefined) throw new NotRead('corrupt');
    return output.Body as AsyncIterable<Uint8Array>;
  };
}
