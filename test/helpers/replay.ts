import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { HttpResponse, http } from 'msw';
import type { SetupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { createNormaliser } from '../../functions/transform/row/normalise.ts';
import { parseConfig, TransformConfigSchema } from '../../schemas/config.ts';
import { FIXTURES_DIR } from './fixtures.ts';

/** Builders of backup objects and Bedrock logs, and fakes of S3 and OpenObserve, for the replay tests. */

export const O2_URL = 'https://o2.example.test';
export const O2_ENV = {
  OPENOBSERVE_URL: O2_URL,
  OPENOBSERVE_USER: 'root@example.com',
  OPENOBSERVE_PASSWORD: 'pw',
};

const BASE_LOG = JSON.parse(
  readFileSync(`${FIXTURES_DIR}/converse/converse-anthropic-tooluse.json`, 'utf8'),
) as Record<string, unknown>;

/** A ModelInvocationLog with its own request id and time (second precision, as Bedrock writes it). */
export function invocationLog(
  requestId: string,
  timeMs: number,
  metadata?: Record<string, string>,
): Record<string, unknown> {
  return {
    ...structuredClone(BASE_LOG),
    requestId,
    timestamp: new Date(Math.floor(timeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    ...(metadata === undefined ? {} : { requestMetadata: metadata }),
  };
}

export function envelope(
  logs: readonly Record<string, unknown>[],
  logGroup = 'bedrock/model-invocations',
): object {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: 'aws/bedrock/modelinvocations',
    subscriptionFilters: ['bedrock-o2'],
    logEvents: logs.map((log, index) => ({
      id: `3800000000000000000000000000000000000000000000000${index}`,
      timestamp: Date.parse(String(log['timestamp'])),
      message: JSON.stringify(log),
    })),
  };
}

/** A processing-failed document: rawData is the original gzip CloudWatch Logs envelope. */
export function processingFailedDoc(logs: readonly Record<string, unknown>[], quoted = false): string {
  const rawData = gzipSync(JSON.stringify(envelope(logs))).toString('base64');
  return JSON.stringify({
    attemptsMade: quoted ? '4' : 4,
    arrivalTimestamp: quoted ? String(Date.now()) : Date.now(),
    errorCode: 'Lambda.FunctionError',
    errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
    attemptEndingTimestamp: quoted ? String(Date.now()) : Date.now(),
    rawData,
    lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:bedrock-o2-transform:$LATEST',
  });
}

/** Rows exactly as the live transform makes them for these logs. */
export function rowsFor(logs: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const normaliser = createNormaliser(parseConfig(TransformConfigSchema, {}, 'test'));
  return logs.map(
    (log) =>
      normaliser.invocationRow(log as never, {
        logSource: 'cloudwatch_logs',
        logGroup: 'bedrock/model-invocations',
      }) as unknown as Record<string, unknown>,
  );
}

/** An http-endpoint-failed document: rawData is the transform's output, gzip NDJSON rows. */
export function httpEndpointFailedDoc(rows: readonly object[]): string {
  const rawData = gzipSync(rows.map((row) => `${JSON.stringify(row)}\n`).join('')).toString('base64');
  return JSON.stringify({
    attemptsMade: 12,
    arrivalTimestamp: Date.now(),
    errorCode: 'HttpEndpoint.DestinationException',
    errorMessage: 'The endpoint returned 503',
    attemptEndingTimestamp: Date.now(),
    rawData,
    subsequenceNumber: 0,
    dataId: '49644-1',
  });
}

export function metricDatapoint(timeMs: number, metric = 'InvocationLatency'): object {
  return {
    metric_stream_name: 'bedrock-o2-metrics',
    account_id: '123456789012',
    region: 'us-east-1',
    namespace: 'AWS/Bedrock',
    metric_name: metric,
    dimensions: { ModelId: 'anthropic.claude-3-haiku-20240307-v1:0' },
    timestamp: timeMs,
    value: { max: 912, min: 301, sum: 6120, count: 10 },
    unit: 'Milliseconds',
  };
}

/** A metrics processing-failed document: rawData is metric-stream NDJSON (not gzip). */
export function metricsFailedDoc(datapoints: readonly object[]): string {
  const rawData = Buffer.from(datapoints.map((d) => `${JSON.stringify(d)}\n`).join('')).toString('base64');
  return JSON.stringify({ attemptsMade: '1', arrivalTimestamp: '1', errorCode: 'Lambda.Timeout', rawData });
}

export function objectOf(docs: readonly string[], gzip: boolean): Buffer {
  const text = Buffer.from(docs.map((doc) => `${doc}\n`).join(''));
  return gzip ? gzipSync(text) : text;
}

/** An S3 bucket in memory behind aws-sdk-client-mock: paginated listing (pageSize keys a page), streamed bodies. */
export function fakeS3(objects: Map<string, Buffer | (() => AsyncIterable<Buffer>)>, pageSize = 2) {
  const mock = mockClient(S3Client);
  const calls = { list: 0, get: 0 };
  mock.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; ContinuationToken?: string }) => {
    calls.list++;
    const keys = [...objects.keys()].filter((key) => key.startsWith(input.Prefix ?? '')).sort();
    const start = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
    const page = keys.slice(start, start + pageSize);
    const more = start + pageSize < keys.length;
    return {
      Contents: page.map((key) => {
        const body = objects.get(key);
        return { Key: key, ETag: `"etag-${key.length}"`, Size: Buffer.isBuffer(body) ? body.length : 0 };
      }),
      IsTruncated: more,
      ...(more ? { NextContinuationToken: String(start + pageSize) } : {}),
    };
  });
  mock.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
    calls.get++;
    const body = objects.get(input.Key ?? '');
    if (body === undefined)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    if (typeof body === 'function') return { Body: Readable.from(body()) };
    // Small chunks, as a network stream hands them over.
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 4096) chunks.push(body.subarray(i, i + 4096));
    return { Body: Readable.from(chunks) };
  });
  return { mock, calls };
}

export interface FakeOpenObserve {
  /** Rows stored, by stream. */
  readonly streams: Map<string, Record<string, unknown>[]>;
  /** Responses to give to the next `_bulk` requests before behaving normally. */
  readonly nextBulk: { status: number; body?: string; headers?: Record<string, string> }[];
  /** A row for which this returns a reason is refused (422), the rest stored. */
  reject?: (row: Record<string, unknown>) => string | undefined;
  /** Requests with more rows than this answer 413. */
  maxRowsPerRequest?: number;
  /** False: count what arrives without storing rows (the memory test measures the CLI, not this fake). */
  keepRows?: boolean;
  /** The next N `_bulk` requests are stored but answered 502 (the answer lost after the work was done). */
  storeThenFail?: number;
  /** After this many successful `_bulk` requests, answer 503 forever (a server going down mid-run). */
  failAfterRequests?: number;
  /**
   * The stream's `max_query_range` in hours: a longer `_search` range is cut short by moving `start_time`
   * forward, silently (openobserve-contract.md §10).
   */
  maxQueryRangeHours?: number;
  /** The next N `_search` answers say `is_partial: true` (with a `function_error`), hits as found. */
  partialSearches?: number;
  bulkRequests: number;
  bulkRowsReceived: string[];
  searchRequests: number;
  /** Each `_search` as asked (µs), before any cut. */
  readonly searches: { startUs: number; endUs: number }[];
  ids(stream?: string): string[];
}

/** Stores each (action, document) pair of a `_bulk` body and answers an item per document. */
function ingest(state: FakeOpenObserve, lines: readonly string[]): object[] {
  const items: object[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const stream = (JSON.parse(lines[i] as string) as { index: { _index: string } }).index._index;
    const row = JSON.parse(lines[i + 1] as string) as Record<string, unknown>;
    state.bulkRowsReceived.push(String(row['aws_request_id'] ?? `${stream}:${row['metric_name']}`));
    const reason = state.keepRows === false ? undefined : state.reject?.(row);
    if (reason !== undefined) {
      items.push({
        index: { _index: stream, status: 422, error: { type: 'schema_conformance_failed', reason } },
      });
      continue;
    }
    if (state.keepRows !== false) {
      const rows = state.streams.get(stream) ?? [];
      rows.push(row);
      state.streams.set(stream, rows);
    }
    items.push({ index: { _index: stream, status: 200 } });
  }
  return items;
}

/** OpenObserve `_bulk` and the dedupe `_search` (…WHERE aws_request_id IN (…)) on msw, rows kept in memory. */
export function fakeOpenObserve(server: SetupServer, org = 'default'): FakeOpenObserve {
  const state: FakeOpenObserve = {
    streams: new Map(),
    nextBulk: [],
    bulkRequests: 0,
    bulkRowsReceived: [],
    searchRequests: 0,
    searches: [],
    ids(stream = 'bedrock_invocations') {
      return (this.streams.get(stream) ?? []).map((row) => String(row['aws_request_id']));
    },
  };
  let served = 0;
  server.use(
    http.post(`${O2_URL}/api/${org}/_bulk`, async ({ request }) => {
      state.bulkRequests++;
      const scripted = state.nextBulk.shift();
      if (scripted !== undefined)
        return new HttpResponse(scripted.body ?? '', {
          status: scripted.status,
          headers: scripted.headers ?? {},
        });
      if (state.failAfterRequests !== undefined && served >= state.failAfterRequests)
        return new HttpResponse('{"code":503,"message":"ingester unavailable"}', { status: 503 });
      const raw = Buffer.from(await request.arrayBuffer());
      const text = (request.headers.get('content-encoding') === 'gzip' ? gunzipSync(raw) : raw).toString(
        'utf8',
      );
      const lines = text.split('\n').filter((line) => line !== '');
      if (state.maxRowsPerRequest !== undefined && lines.length / 2 > state.maxRowsPerRequest)
        return new HttpResponse('Payload Too Large', { status: 413 });
      served++;
      const items = ingest(state, lines);
      if ((state.storeThenFail ?? 0) > 0) {
        state.storeThenFail = (state.storeThenFail ?? 0) - 1;
        return new HttpResponse('Bad Gateway', { status: 502 });
      }
      return HttpResponse.json({
        took: 1,
        errors: items.some((item) => JSON.stringify(item).includes('"error"')),
        items,
      });
    }),
    http.post(`${O2_URL}/api/${org}/_search`, async ({ request }) => {
      state.searchRequests++;
      const body = (await request.json()) as {
        query: { sql: string; start_time: number; end_time: number; from?: number; size?: number };
      };
      const { start_time: askedStart, end_time: endTime } = body.query;
      state.searches.push({ startUs: askedStart, endUs: endTime });
      const maxRangeUs =
        state.maxQueryRangeHours === undefined ? undefined : state.maxQueryRangeHours * 3_600_000_000;
      const startTime =
        maxRangeUs !== undefined && endTime - askedStart > maxRangeUs ? endTime - maxRangeUs : askedStart;
      const partial = (state.partialSearches ?? 0) > 0;
      if (partial) state.partialSearches = (state.partialSearches ?? 0) - 1;
      const stream = /FROM "([^"]+)"/.exec(body.query.sql)?.[1] ?? '';
      const where = /WHERE (\w+) IN \((.*)\)/.exec(body.query.sql);
      const column = where?.[1] ?? 'aws_request_id';
      const list = where?.[2] ?? '';
      const wanted = new Set(
        [...list.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] as string).replaceAll("''", "'")),
      );
      const rows = state.streams.get(stream);
      if (rows === undefined)
        return HttpResponse.json(
          { code: 20002, message: `Search stream not found: ${stream}` },
          { status: 400 },
        );
      const matching = rows.filter((row) => {
        const ts = Number(row['_timestamp']);
        return wanted.has(String(row[column])) && ts >= startTime && ts <= endTime;
      });
      // A plain search is answered a page at a time (`from`, `size`) in its order; the GROUP BY lookups whole.
      const hits = /GROUP BY/.test(body.query.sql)
        ? matching
        : pageOf(matching, body.query.sql, state.searchRequests, body.query.from ?? 0, body.query.size);
      return HttpResponse.json({
        took: 1,
        hits,
        total: hits.length,
        from: 0,
        size: hits.length,
        scan_size: 0,
        is_partial: partial,
        ...(partial
          ? { function_error: ['Please be aware that the response is based on partial data'] }
          : {}),
      });
    }),
  );
  return state;
}

/**
 * One page of a plain search. Its `ORDER BY` columns (ascending) are honoured; without one the order is
 * OpenObserve's default, `_timestamp` descending, which says nothing about rows of equal time: the fake
 * hands those over in a different order on every other request, as a server reading several files may.
 */
function pageOf(
  rows: readonly Record<string, unknown>[],
  sql: string,
  request: number,
  from: number,
  size: number | undefined,
): Record<string, unknown>[] {
  const orderBy = /ORDER BY ([\w, ]+)$/
    .exec(sql)?.[1]
    ?.split(',')
    .map((column) => column.trim());
  const ties = request % 2 === 0 ? [...rows] : [...rows].reverse();
  const ordered =
    orderBy === undefined
      ? ties.sort((a, b) => Number(b['_timestamp']) - Number(a['_timestamp']))
      : [...rows].sort((a, b) => {
          for (const column of orderBy) {
            const x = a[column];
            const y = b[column];
            const order =
              typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
            if (order !== 0) return order;
          }
          return 0;
        });
  return ordered.slice(from, size === undefined ? undefined : from + size);
}

/** The parts of the `--json` summary the tests read by name. */
export interface SummaryJson {
  readonly units: {
    readonly listed: number;
    readonly read: number;
    readonly alreadyDone: number;
    readonly failed: readonly { unit: string; reason: string }[];
    readonly passedOver: Readonly<Record<string, number>>;
  };
  readonly [field: string]: unknown;
}

/**
 * Region and static credentials for this test file, as for a local S3 stand-in: the CLI resolves both
 * before it starts, and the SDK calls themselves are faked with aws-sdk-client-mock.
 */
export function useFakeAwsEnvironment(): void {
  const values = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example-secret',
  };
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const [key, value] of Object.entries(values)) {
      saved.set(key, process.env[key]);
      process.env[key] = value;
    }
  });
  afterAll(() => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}
