import type { S3Client } from '@aws-sdk/client-s3';
import type { HydrationLocation } from '../../../schemas/transform-config.ts';
import { classifyBedrockLogKey, readInvocationLogs } from '../../s3-source/log-object.ts';
import {
  allowedDataObject,
  type GetObjectBody,
  type OffloadedObject,
  offloadedPath,
  pathField,
  readOffloadedBodies,
  withReadBodies,
} from '../../s3-source/offloaded-body.ts';
import { asString, type JsonObject } from '../../transform/json-access.ts';
import type { LogEventMeta, RowMaker } from '../../transform/row/normalise.ts';
import { partitionMayHold, type TimeRange } from '../time-range.ts';
import type { Row, Unit, UnitItem, UnitSource } from '../unit.ts';
import { listObjects, objectBody, stallGuardedGetObject } from './list-objects.ts';

/**
 * `backfill s3`: Bedrock's own S3 log objects (bedrock-log-schema.md §7), read by the reader the S3 source
 * Lambda uses, normalised by the live normaliser. The permission-check canary and `data/` are passed over;
 * with `hydrate`, bodies Bedrock offloaded to `data/` are loaded back to fill the content fields.
 */

/** What the S3 source Lambda's transform passes for a log read from S3: no log group, stream or event. */
const S3_LOG: LogEventMeta = { logSource: 's3' };
/** Bedrock writes a batch within minutes of the invocation; an hour either side is ample. */
const LOG_LAG_MS = 3_600_000;
/** An offloaded body larger than this (stored or gunzipped) is left offloaded (counted), not held in memory. */
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
  const getObject = stallGuardedGetObject(options.s3);
  const location = hydrationLocationOf(options.bucket, key);
  for await (const item of readInvocationLogs(body)) {
    yield { kind: 'read', count: 1 };
    if (item.kind === 'skipped') {
      yield { kind: 'unreadable', reason: item.reason, where: `${label} line ${item.line}` };
      continue;
    }
    let log = item.log;
    let meta = S3_LOG;
    if (options.hydrate) {
      const hydrated = await hydrateLog(getObject, item.log, location);
      for (const problem of hydrated.problems) yield { kind: 'note', reason: problem };
      log = hydrated.log;
      meta = { ...S3_LOG, hydrated: hydrated.hydrated };
    }
    const row = options.normaliser.invocationRow(log, meta) as unknown as Row;
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

/** Both sides of one log are read at once; a backfill reads history: a missing body is counted, not waited for. */
const HYDRATE_POLICY = { concurrency: 2, retryDelaysMs: [], maxObjectBytes: MAX_HYDRATED_BYTES } as const;

interface HydratedLog {
  readonly log: JsonObject;
  /** Which sides were read back (the row's `aws_bedrock_{input,output}_hydrated`); absent when none. */
  readonly hydrated?: LogEventMeta['hydrated'];
  /** What could not be loaded (the row is still made, with `body_offloaded`). */
  readonly problems: readonly string[];
}

/**
 * The log with its offloaded bodies read back by the shared reader. A log is data: only its own request's
 * body under its own object's location is read (the Lambda's allow-list rule), never another path the log
 * names with the operator's credentials.
 */
async function hydrateLog(
  getObject: GetObjectBody,
  log: JsonObject,
  location: HydrationLocation | undefined,
): Promise<HydratedLog> {
  const problems: string[] = [];
  const wanted = new Map<string, OffloadedObject>();
  const requestId = asString(log['requestId']);
  for (const side of ['input', 'output'] as const) {
    const path = offloadedPath(log, side);
    if (path === undefined) continue;
    const object =
      location === undefined ? undefined : allowedDataObject(path, side, requestId, 's3', [location]);
    if (object === undefined)
      problems.push(`hydrate_refused: ${pathField(side)} is not this log's own offloaded body`);
    else wanted.set(path, object);
  }
  if (wanted.size === 0) return { log, problems };
  const { bodies, failures } = await readOffloadedBodies(wanted, {
    ...HYDRATE_POLICY,
    getObject,
    budget: { used: 0, max: wanted.size * MAX_HYDRATED_BYTES },
  });
  for (const [path, reason] of failures) problems.push(`hydrate_failed: ${reason} (${path})`);
  const filled = withReadBodies(log, bodies);
  return filled === undefined ? { log, problems } : { ...filled, problems };
}
