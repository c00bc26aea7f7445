import type { S3Client } from '@aws-sdk/client-s3';
import { classifyBedrockLogKey, readInvocationLogs } from '../../s3-source/log-object.ts';
import { gunzipBounded, isGzip } from '../../transform/firehose/record-bytes.ts';
import { asObject, type JsonObject } from '../../transform/json-access.ts';
import type { LogEventMeta, RowMaker } from '../../transform/row/normalise.ts';
import { parseS3ObjectUrl } from '../s3-url.ts';
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
      for (const problem of await hydrateBodies(options.s3, item.log))
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

/**
 * Loads `input.inputBodyS3Path` / `output.outputBodyS3Path` into `inputBodyJson` / `outputBodyJson` when the
 * inline body is missing. Returns what could not be loaded (the row is still made, with `body_offloaded`).
 */
export async function hydrateBodies(s3: S3Client, log: JsonObject): Promise<string[]> {
  const problems: string[] = [];
  for (const [part, pathField, bodyField] of [
    ['input', 'inputBodyS3Path', 'inputBodyJson'],
    ['output', 'outputBodyS3Path', 'outputBodyJson'],
  ] as const) {
    const section = asObject(log[part]);
    const path = section?.[pathField];
    if (section === undefined || typeof path !== 'string') continue;
    if (section[bodyField] !== undefined && section[bodyField] !== null) continue;
    const location = parseS3ObjectUrl(path);
    if (location === undefined) {
      problems.push(`hydrate_failed: ${pathField} is not an s3:// URL`);
      continue;
    }
    try {
      section[bodyField] = await readJsonObject(s3, location.bucket, location.key);
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
