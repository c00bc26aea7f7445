import type { S3Client } from '@aws-sdk/client-s3';
import type { HydrationLocation } from '../../../schemas/transform-config.ts';
import { classifyBedrockLogKey, readInvocationLogs } from '../../s3-source/log-object.ts';
import { gunzipBounded, isGzip } from '../../transform/firehose/record-bytes.ts';
import { asObject, type JsonObject } from '../../transform/json-access.ts';
import { allowedDataObject } from '../../transform/logs/hydrate.ts';
import type { LogEventMeta, RowMaker } from '../../transform/row/normalise.ts';
import { partitionMayHold, type TimeRange } from '../time-range.ts';
import type { Row, Unit, UnitItem, UnitSource } from '../unit.ts';
import { listObjects, objectBody } from './list-objects.ts';

/**
 * `backfill s3`: Bedrock's own S3 log objects (bedrock-log-schema.md §7), read by the reader the S3 source
 * Lambda uses, normalised by the live normaliser. The permission-check canary and `data/` are passed over;
 * with `hydrate`, bodies Bedrock offloaded to `data/` are loaded back to fill the content fields.
 */

/** What the S3 source Lambda's transform passes for a log read from S3: no log group, stream or event. */
const S3_LOG: LogEventMeta = { logSource: 's3' };
/** Bedrock writes a batch within minutes of the invocation; an hour either side is ample. */
const LOG_LAG_MS = 3_600_000;
/** An offloaded body larger than this is left offloaded (counted), not held in memory. */
const MAX_HYDRATED_BYTES = 16 * 1024 * 1024;

export interface BedrockLogSourceOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly range: TimeRange;
  readonly normaliser: RowMaker;
  readonly hydrate: boolean;
}

export function bedrockLogUnits(options: BedrockLogSourceOptions): UnitSource {
  const passedOver = new Map<string, number>();
  const listed = { count: 0, complete: false };
  const passOver = (reason: string) => passedOver.set(reason, (passedOver.get(reason) ?? 0) + 1);
  async function* units(): AsyncGenerator<Unit> {
    for await (const object of listObjects(options.s3, options.bucket, options.prefix)) {
      const key = classifyBedrockLogKey(object.key);
      if (key.kind === 'permission-check') passOver('permission_check_object');
      else if (key.kind === 'data') passOver('offloaded_body_object');
      else if (key.kind === 'other') passOver('not_a_bedrock_log_object');
      else if (key.hourStartMs !== undefined && !partitionMayHold(options.range, key.hourStartMs, LOG_LAG_MS))
        passOver('outside_time_range');
      else {
        listed.count++;
        const label = `s3://${options.bucket}/${object.key}`;
        yield {
          id: `${label}@${object.etag}`,
          label,
          items: () => logObjectItems(options, object.key, label),
        };
      }
    }
    listed.complete = true;
  }
  return { units: units(), passedOver, listed };
}

async function* logObjectItems(
  options: BedrockLogSourceOptions,
  key: string,
  label: string,
): AsyncGenerator<UnitItem> {
  const body = await objectBody(options.s3, options.bucket, key);
  for await (const item of readInvocationLogs(body)) {
    yield { kind: 'read', count: 1 };
    if (item.kind === 'skipped') {
      yield { kind: 'unreadable', reason: item.reason, where: `${label} line ${item.line}` };
      continue;
    }
    if (options.hydrate) {
      for (const problem of await hydrateBodies(
        options.s3,
        item.log,
        hydrationLocationOf(options.bucket, key),
      ))
        yield { kind: 'note', reason: problem };
    }
    const row = options.normaliser.invocationRow(item.log, S3_LOG) as unknown as Row;
    // The line as Bedrock wrote it, for `--via firehose`. A row hydrated here goes as the row: its log with
    // the bodies inline could outgrow a Firehose record, and the deployment may not hydrate.
    yield options.hydrate
      ? { kind: 'row', target: 'logs', row }
      : { kind: 'row', target: 'logs', row, input: item.text };
  }
}

/** Where a log object's own offloaded bodies live: its bucket, under its prefix, account and region. */
function hydrationLocationOf(bucket: string, key: string): HydrationLocation | undefined {
  const parsed = classifyBedrockLogKey(key);
  if (parsed.accountId === undefined || parsed.region === undefined) return undefined;
  return {
    bucketName: bucket,
    prefix: parsed.prefix ?? '',
    accountId: parsed.accountId,
    region: parsed.region,
    logSources: ['s3'],
  };
}

/**
 * Loads `input.inputBodyS3Path` / `output.outputBodyS3Path` into `inputBodyJson` / `outputBodyJson` when the
 * inline body is missing. A log is data: only its own request's body under its own object's location is
 * read (the Lambda's allow-list rule), never another path the log names with the operator's credentials.
 * Returns what could not be loaded (the row is still made, with `body_offloaded`).
 */
export async function hydrateBodies(
  s3: S3Client,
  log: JsonObject,
  location: HydrationLocation | undefined,
): Promise<string[]> {
  const problems: string[] = [];
  const requestId = typeof log['requestId'] === 'string' ? log['requestId'] : undefined;
  for (const [part, pathField, bodyField] of [
    ['input', 'inputBodyS3Path', 'inputBodyJson'],
    ['output', 'outputBodyS3Path', 'outputBodyJson'],
  ] as const) {
    const section = asObject(log[part]);
    const path = section?.[pathField];
    if (section === undefined || typeof path !== 'string') continue;
    if (section[bodyField] !== undefined && section[bodyField] !== null) continue;
    const object =
      location === undefined ? undefined : allowedDataObject(path, part, requestId, 's3', [location]);
    if (object === undefined) {
      problems.push(`hydrate_refused: ${pathField} is not this log's own offloaded body`);
      continue;
    }
    const objectLocation = { bucket: object.bucket, key: object.key };
    try {
      section[bodyField] = await readJsonObject(s3, objectLocation.bucket, objectLocation.key);
    } catch (error) {
      problems.push(`hydrate_failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return problems;
}

/** A whole (small) JSON document from S3, gunzipped when gzip: the offloaded body (an object or an array). */
async function readJsonObject(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const body = await objectBody(s3, bucket, key);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > MAX_HYDRATED_BYTES)
      throw new Error(`s3://${bucket}/${key} is over ${MAX_HYDRATED_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  const raw = Buffer.concat(chunks);
  const text = (isGzip(raw) ? gunzipBounded(raw, MAX_HYDRATED_BYTES) : raw).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`s3://${bucket}/${key} is not JSON`);
  }
}
