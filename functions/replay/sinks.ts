import { gzipSync } from 'node:zlib';
import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { boundedRequests } from '../transform/bounded-requests.ts';
import { GZIP_OPTIONS } from '../transform/firehose/encode.ts';
import {
  type PutRecordBatch,
  type ReingestOptions,
  reingestRecords,
} from '../transform/firehose/reingest.ts';
import { awsConfigError, ensureAwsConfig } from './aws-setup.ts';
import { type Probe, type SearchWindow, searchWindows } from './dedupe-windows.ts';
import { DestinationUnavailable } from './destination-unavailable.ts';
import {
  isPlainIdentifier,
  type OpenObserveApi,
  OpenObserveUnavailable,
  type RowResult,
  type SearchPage,
  sqlString,
} from './openobserve-api.ts';
import type { RateLimiter } from './rate-limit.ts';
import { metricKey, type PresentIds, rowKey, type Sink } from './run.ts';
import type { Target } from './unit.ts';

/** Where rows end up: `_bulk` straight to OpenObserve, or back into the deployed Firehose delivery stream. */

export type StreamNames = Readonly<Record<Target, string>>;

/**
 * OpenObserve `_bulk`: ≤ 500 rows and ≤ 5 MiB a request (openobserve-contract.md §5: modest batches). `_bulk` is
 * not idempotent, so after an ambiguous failure (5xx, timeout, connection lost) the rows OpenObserve already
 * holds are looked up (when dedupe is on) and only the others are sent again.
 */
export function directSink(
  api: OpenObserveApi,
  streams: StreamNames,
  limiter: RateLimiter,
  presentIds?: PresentIds,
): Sink {
  /** One request, halved on 413 until it fits (one row at the least). */
  const sendOnce = async (stream: string, rowsJson: readonly string[]): Promise<RowResult[] | string> => {
    await limiter.take(1);
    const outcome = await api.bulk(stream, rowsJson);
    if (outcome.kind === 'answered') return [...outcome.results];
    if (outcome.kind === 'ambiguous') return outcome.reason;
    if (rowsJson.length === 1) return [{ ok: false, reason: 'too_large: HTTP 413 for a single row' }];
    const half = Math.ceil(rowsJson.length / 2);
    const first = await sendOnce(stream, rowsJson.slice(0, half));
    if (typeof first === 'string') return first;
    const second = await sendOnce(stream, rowsJson.slice(half));
    return typeof second === 'string' ? second : [...first, ...second];
  };

  return {
    label: `OpenObserve ${api.where}`,
    maxBatchRows: 500,
    maxBatchBytes: 5 * 1024 * 1024,
    async send(target, rowsJson) {
      const results: (RowResult | undefined)[] = new Array(rowsJson.length);
      let pending = rowsJson.map((_, index) => index);
      let problem = '';
      for (let attempt = 1; attempt <= api.attempts && pending.length > 0; attempt++) {
        if (attempt > 1) {
          await api.pause(attempt - 1);
          if (presentIds !== undefined) {
            const there = await alreadyThere(presentIds, target, pending, rowsJson);
            for (const index of there) results[index] = { ok: true };
            pending = pending.filter((index) => !there.has(index));
            if (pending.length === 0) break;
          }
        }
        const outcome = await sendOnce(
          streams[target],
          pending.map((index) => rowsJson[index] as string),
        );
        if (typeof outcome !== 'string') {
          pending.forEach((index, position) => {
            results[index] = outcome[position] ?? { ok: false, reason: 'no_answer_for_row' };
          });
          pending = [];
        } else problem = outcome;
      }
      if (pending.length > 0)
        throw new OpenObserveUnavailable(
          `OpenObserve at ${api.url} did not answer after ${api.attempts} attempts (${problem})`,
        );
      return results as RowResult[];
    },
  };
}

/** Which of the pending rows OpenObserve holds now (rows without a key cannot be looked up). */
async function alreadyThere(
  presentIds: PresentIds,
  target: Target,
  pending: readonly number[],
  rowsJson: readonly string[],
): Promise<Set<number>> {
  const byKey = new Map<string, number>();
  const probes: Probe[] = [];
  for (const index of pending) {
    const row = JSON.parse(rowsJson[index] as string) as Record<string, unknown>;
    const key = rowKey(target, row, 0);
    if (key.startsWith('#')) continue;
    byKey.set(key, index);
    // The time it was just sent with: where OpenObserve put it, if it did.
    probes.push({ key, timeUs: Number(row['_timestamp']) });
  }
  const there = new Set<number>();
  if (probes.length === 0) return there;
  for (const key of await presentIds(target, probes)) {
    const index = byKey.get(key);
    if (index !== undefined) there.add(index);
  }
  return there;
}

/**
 * Whole PutRecordBatch calls (throttling, 5xx, network, no answer in time) retried by the SDK, with more
 * patience than the Lambda's. Each call's own wait is putRequestTimeoutMs of its size.
 */
export const FIREHOSE_CLIENT_CONFIG = {
  maxAttempts: 6,
  retryMode: 'standard',
  requestHandler: boundedRequests(10_000, 30_000),
} as const;

/** The slowest upload a call is given time for: 256 kbit/s, a poor uplink, not a dead one. */
const MIN_UPLOAD_BYTES_PER_SECOND = 32 * 1024;

/**
 * How long one PutRecordBatch of `bytes` may take to be answered. The SDK's request timeout runs from the
 * start of the upload to the answer's headers, so a fixed 30 s would fail (every attempt alike) a 4 MiB call
 * that a slow uplink needs two minutes to send; the wait grows with the upload and stays finite.
 */
export function putRequestTimeoutMs(bytes: number): number {
  return 30_000 + Math.ceil((bytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000);
}

/** Uncompressed bytes per Firehose record of our rows (passed through as they are): well under 1,000 KiB gzip'd. */
const ROW_RECORD_SOURCE_BYTES = 900 * 1024;
/**
 * Uncompressed bytes per record holding logs the deployed transform normalises: its rows can be ~1.4× the
 * logs in content mode full, and that output record must stay under 1,000 KiB too (as the S3 source packs).
 */
const INPUT_RECORD_SOURCE_BYTES = 512 * 1024;
const ROWS_PER_RECORD = 500;

/**
 * PutRecordBatch into the logs delivery stream as gzip NDJSON records. Each row goes as the input the live
 * pipeline makes it from when there is one (a Bedrock log line, a one-event CloudWatch Logs envelope), so the
 * deployed transform and its configuration (content mode, redaction) make the row; otherwise as the row itself,
 * which the transform passes through unchanged (http-endpoint-failed backups, restamped rows). The ≤ 500
 * records / ≤ 4 MiB chunking and the retry of failed entries are the transform's re-ingest (reingest.ts);
 * whole calls are retried by the SDK client (FIREHOSE_CLIENT_CONFIG). A row is accepted when Firehose accepted
 * its record.
 */
export function firehoseSink(
  client: FirehoseClient,
  streamName: string,
  bytesLimiter: RateLimiter,
  options: ReingestOptions = {},
): Sink {
  return {
    label: `Firehose delivery stream ${streamName}`,
    ready: async () => {
      await ensureAwsConfig(client.config, `Firehose delivery stream ${streamName}`);
    },
    maxBatchRows: 2000,
    maxBatchBytes: 3 * 1024 * 1024,
    async send(target, rowsJson, inputs) {
      if (target === 'metrics') {
        const reason =
          'metrics_rows_need_direct: the metrics delivery stream does not take rows back; replay metric backups with --via direct';
        return rowsJson.map(() => ({ ok: false, reason }));
      }
      const packs = packRecords(
        rowsJson.map((json, index) => {
          const input = inputs[index];
          return input === undefined
            ? { line: json, maxRecordBytes: ROW_RECORD_SOURCE_BYTES }
            : { line: input, maxRecordBytes: INPUT_RECORD_SOURCE_BYTES };
        }),
      );
      const records = packs.map((pack) => pack.data);
      const lastError = new Map<Uint8Array, string>();
      let answered = false;
      let lastThrown: unknown;
      const put: PutRecordBatch = async (stream, batch) => {
        const bytes = batch.reduce((sum, record) => sum + record.length, 0);
        await bytesLimiter.take(bytes);
        try {
          const output = await client.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: stream,
              Records: batch.map((data) => ({ Data: data })),
            }),
            { requestTimeout: putRequestTimeoutMs(bytes) },
          );
          answered = true;
          (output.RequestResponses ?? []).forEach((response, index) => {
            const record = batch[index];
            if (record !== undefined && response.ErrorCode !== undefined)
              lastError.set(record, `${response.ErrorCode}: ${response.ErrorMessage ?? ''}`.trim());
          });
          return output;
        } catch (error) {
          lastThrown = error;
          throw error;
        }
      };
      const accepted = await reingestRecords(put, streamName, records, {
        maxEntryAttempts: 8,
        baseDelayMs: 500,
        ...options,
      });
      if (!answered && lastThrown !== undefined) {
        const config = awsConfigError(lastThrown, `Firehose delivery stream ${streamName}`);
        if (config !== lastThrown) throw config;
        throw new DestinationUnavailable(
          `Firehose ${streamName} did not answer: ${(lastThrown as Error).message?.split('\n')[0]}`,
        );
      }
      const results: RowResult[] = new Array(rowsJson.length);
      packs.forEach((pack, index) => {
        const result: RowResult = accepted[index]
          ? { ok: true }
          : {
              ok: false,
              reason: `firehose_not_accepted: ${lastError.get(pack.data) ?? (pack.data.length > 1000 * 1024 ? 'record over 1,000 KiB' : 'no answer after retries')}`,
            };
        for (let row = pack.first; row < pack.first + pack.count; row++) results[row] = result;
      });
      return results;
    },
  };
}

interface Pack {
  readonly first: number;
  readonly count: number;
  readonly data: Uint8Array;
}

/** Lines packed in order into records of ≤ 500 lines, each record within its lines' smallest byte bound. */
function packRecords(lines: readonly { line: string; maxRecordBytes: number }[]): Pack[] {
  const packs: Pack[] = [];
  let first = 0;
  let text = '';
  // UTF-8 bytes, not string length: content in other scripts is up to 3 bytes a character.
  let bytes = 0;
  let limit = ROW_RECORD_SOURCE_BYTES;
  const close = (end: number) => {
    if (end > first)
      packs.push({ first, count: end - first, data: gzipSync(Buffer.from(text, 'utf8'), GZIP_OPTIONS) });
    first = end;
    text = '';
    bytes = 0;
    limit = ROW_RECORD_SOURCE_BYTES;
  };
  lines.forEach(({ line, maxRecordBytes: lineLimit }, index) => {
    const lineBytes = Buffer.byteLength(line, 'utf8') + 1;
    if (index > first && (index - first >= ROWS_PER_RECORD || bytes + lineBytes > Math.min(limit, lineLimit)))
      close(index);
    limit = Math.min(limit, lineLimit);
    text += `${line}\n`;
    bytes += lineBytes;
  });
  close(lines.length);
  return packs;
}

/**
 * Dedupe: which of these keys the target stream already holds, one search per window of at most an hour
 * (dedupe-windows.ts). Invocation rows by `aws_request_id`; metric rows by stream, metric, dimensions and time
 * (they have no request id).
 */
export function openObservePresentIds(api: OpenObserveApi, streams: StreamNames): PresentIds {
  return async (target, probes) => {
    const stream = streams[target];
    const found = new Set<string>();
    if (probes.length === 0 || !isPlainIdentifier(stream)) return found;
    for (const window of searchWindows(probes)) {
      const keys =
        target === 'metrics'
          ? await metricKeysIn(api, stream, window)
          : await requestIdsIn(api, stream, window);
      for (const key of keys) found.add(key);
    }
    return found;
  };
}

async function requestIdsIn(api: OpenObserveApi, stream: string, window: SearchWindow): Promise<string[]> {
  const sql = `SELECT aws_request_id, count(*) AS n FROM "${stream}" WHERE aws_request_id IN (${window.keys.map(sqlString).join(',')}) GROUP BY aws_request_id`;
  const page = await wholeAnswer(api, sql, window, 0, window.keys.length);
  const ids: string[] = [];
  for (const hit of page.hits) {
    const id = hit['aws_request_id'];
    if (typeof id === 'string') ids.push(id);
  }
  return ids;
}

async function metricKeysIn(api: OpenObserveApi, stream: string, window: SearchWindow): Promise<string[]> {
  const names = new Set(window.keys.map((key) => key.split('|')[3] ?? ''));
  // Paged, so the order must tell the rows apart: the datapoints of one minute share their _timestamp, and
  // the default order leaves such rows free to move between pages (some on two, some on none: sent again).
  // These columns are on every metric row (metric_stream_name may be absent, so rows that differ only in it
  // are not told apart: two metric streams writing the same datapoint into one OpenObserve stream).
  const sql = `SELECT * FROM "${stream}" WHERE metric_name IN (${[...names].map(sqlString).join(',')}) ORDER BY _timestamp, metric_name, metric_dimensions, metric_namespace`;
  const keys: string[] = [];
  for (let from = 0; ; from += METRIC_PAGE) {
    const page = await wholeAnswer(api, sql, window, from, METRIC_PAGE);
    for (const hit of page.hits) keys.push(metricKey(hit));
    if (page.hits.length < METRIC_PAGE) return keys;
  }
}

/**
 * A search answered in full. An answer marked partial (`is_partial`: a querier or a range the server did not
 * search) proves the rows it lists are there but not that the others are absent. Sending those could double
 * them; counting them as present would lose them. So the search is asked again (with backoff), and if every
 * answer stays partial the run stops as for an unavailable server: nothing of the batch is sent or marked
 * done, and the same command resumes once OpenObserve answers in full (or `--no-dedupe` sends unchecked).
 */
async function wholeAnswer(
  api: OpenObserveApi,
  sql: string,
  window: SearchWindow,
  from: number,
  size: number,
): Promise<SearchPage> {
  for (let attempt = 1; ; attempt++) {
    const page = await api.search(sql, window.startUs, window.endUs, from, size);
    if (page.partial === undefined) return page;
    if (attempt >= api.attempts)
      throw new OpenObserveUnavailable(
        `OpenObserve at ${api.url} answered the dedupe search with partial data ${api.attempts} times (${page.partial}): it cannot confirm which rows of the batch it already holds, so the batch was not sent; run the same command again later, or pass --no-dedupe to send without checking`,
      );
    await api.pause(attempt);
  }
}

const METRIC_PAGE = 1000;
