import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackfill } from '../../../functions/cli/backfill.ts';
import { runReplay } from '../../../functions/cli/replay.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';
import {
  type FakeOpenObserve,
  fakeOpenObserve,
  fakeS3,
  invocationLog,
  O2_ENV,
  objectOf,
  processingFailedDoc,
  type SummaryJson,
  useFakeAwsEnvironment,
} from '../../helpers/replay.ts';

/**
 * Dedupe against a server that cuts long `_search` ranges short (a stream's `max_query_range`, contract §10):
 * rows spread over days, restamped or not, must be found where they are, so a second run adds nothing.
 */

useFakeAwsEnvironment();
const server = useMswServer();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const noSleep = async () => {};

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-dedupe-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

async function replay(args: string[], nowMs?: number) {
  const { io, stdout, stderr } = captureIo({ env: O2_ENV, cwd });
  const code = await runReplay(args, io, {
    sleep: noSleep,
    ...(nowMs === undefined ? {} : { nowMs: () => nowMs }),
  });
  return { code, stdout: stdout(), stderr: stderr(), json: () => JSON.parse(stdout()) as SummaryJson };
}

async function backfill(args: string[], nowMs?: number) {
  const { io, stdout, stderr } = captureIo({ env: O2_ENV, cwd });
  const code = await runBackfill(args, io, {
    sleep: noSleep,
    ...(nowMs === undefined ? {} : { nowMs: () => nowMs }),
  });
  return { code, stdout: stdout(), stderr: stderr(), json: () => JSON.parse(stdout()) as SummaryJson };
}

/** One backup object holding invocations spread over the last four days (one unit, one batch). */
function spreadBackup(now: number) {
  const offsets = [94, 80, 71, 55, 49, 30, 26, 9, 3, 1].map((hours) => hours * HOUR);
  const logs = offsets.map((offset, i) => invocationLog(`spread-${i}`, now - offset));
  fakeS3(
    new Map([['errors/processing-failed/2026/11/30/00/spread', objectOf([processingFailedDoc(logs)], true)]]),
  );
  return logs.map((log) => String(log['requestId']));
}

/** No search may span more than an hour: less than any `max_query_range` a stream can have. */
function expectSearchesWithinAnHour(o2: FakeOpenObserve) {
  expect(o2.searches.length).toBeGreaterThan(0);
  for (const search of o2.searches) expect(search.endUs - search.startUs).toBeLessThanOrEqual(HOUR * 1000);
}

/**
 * A CloudWatch Logs log group (FilterLogEvents, mocked) holding one invocation log `hoursAgo[i]` hours before
 * `now` (plus `minute` minutes), ids `<prefix>-<i>`.
 */
function logGroupWith(prefix: string, hoursAgo: readonly number[], now: number, minute: number) {
  const cw = mockClient(CloudWatchLogsClient);
  const events = hoursAgo.map((hours, i) => {
    const log = invocationLog(`${prefix}-${i}`, now - hours * HOUR + minute * 60_000);
    return {
      logStreamName: 'aws/bedrock/modelinvocations',
      eventId: `evt-${i}`,
      timestamp: Date.parse(String(log['timestamp'])),
      message: JSON.stringify(log),
    };
  });
  cw.on(FilterLogEventsCommand).callsFake((input: { startTime: number; endTime: number }) => ({
    events: events.filter((e) => e.timestamp >= input.startTime && e.timestamp <= input.endTime),
  }));
  return events;
}

describe('dedupe when OpenObserve cuts a long search range short', () => {
  it('replay: rows over four days, sent once, are all found by a second run (lost checkpoint)', async () => {
    const now = Date.now();
    const ids = spreadBackup(now);
    const o2 = fakeOpenObserve(server);
    o2.maxQueryRangeHours = 24;
    const window = ['--ingest-window-hours', '168'];

    const first = await replay(['s3://backup-bucket', ...window, '--checkpoint', 'a.ndjson', '--json']);
    expect(first.code).toBe(0);
    expect(o2.ids().sort()).toEqual([...ids].sort());
    const received = o2.bulkRowsReceived.length;

    const second = await replay(['s3://backup-bucket', ...window, '--checkpoint', 'b.ndjson', '--json']);

    expect(second.code).toBe(0);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(second.json()).toMatchObject({ sent: 0, skipped: { alreadyPresent: ids.length } });
    expect(o2.ids()).toHaveLength(ids.length);
    expectSearchesWithinAnHour(o2);
  });

  it('replay: after a 5xx that came after rows over four days were stored, none is sent again', async () => {
    const ids = spreadBackup(Date.now());
    const o2 = fakeOpenObserve(server);
    o2.maxQueryRangeHours = 24;
    o2.storeThenFail = 1;

    const result = await replay(['s3://backup-bucket', '--ingest-window-hours', '168', '--json']);

    expect(result.code).toBe(0);
    expect(o2.bulkRowsReceived).toHaveLength(ids.length);
    expect(o2.ids().sort()).toEqual([...ids].sort());
    expect(result.json()).toMatchObject({ accepted: ids.length });
    expectSearchesWithinAnHour(o2);
  });

  it('replay --restamp twice: the second run finds every restamped row and sends none', async () => {
    const now = Date.now();
    const ids = spreadBackup(now);
    const o2 = fakeOpenObserve(server);
    // The four days are compressed into the 5 h window: the new times of one batch span hours.
    o2.maxQueryRangeHours = 1;
    const restamp = [
      '--restamp',
      '--from',
      new Date(now - 4 * DAY).toISOString(),
      '--to',
      new Date(now).toISOString(),
    ];

    const first = await replay(['s3://backup-bucket', ...restamp, '--checkpoint', 'a.ndjson'], now);
    expect(first.code).toBe(0);
    const stored = o2.streams.get('bedrock_invocations') ?? [];
    const newTimes = stored.map((row) => Number(row['_timestamp']));
    expect(Math.max(...newTimes) - Math.min(...newTimes)).toBeGreaterThan(2 * HOUR * 1000);
    const received = o2.bulkRowsReceived.length;

    const second = await replay(
      ['s3://backup-bucket', ...restamp, '--checkpoint', 'b.ndjson', '--json'],
      now,
    );

    expect(second.code).toBe(0);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(second.json()).toMatchObject({ sent: 0, skipped: { alreadyPresent: ids.length } });
    expectSearchesWithinAnHour(o2);
  });

  it('backfill cloudwatch over three days: rows stored at their own times are found by a --restamp run', async () => {
    const now = Math.floor(Date.now() / HOUR) * HOUR - 1;
    const from = now - 3 * DAY;
    const events = logGroupWith('cw', [70, 52, 47, 30, 12, 5], now, 17);
    const o2 = fakeOpenObserve(server);
    o2.maxQueryRangeHours = 24;
    const source = [
      'cloudwatch',
      '--log-group',
      '/aws/bedrock/invocations',
      '--region',
      'us-east-1',
      '--from',
      new Date(from).toISOString(),
      '--to',
      new Date(now).toISOString(),
    ];

    // The live pipeline (or a run against a server whose window was raised) stored them at their own times.
    const plain = await backfill(
      [...source, '--ingest-window-hours', '168', '--checkpoint', 'a.ndjson'],
      now,
    );
    expect(plain.code).toBe(0);
    expect(o2.ids()).toHaveLength(events.length);
    const received = o2.bulkRowsReceived.length;

    const restamped = await backfill([...source, '--restamp', '--checkpoint', 'b.ndjson', '--json'], now);

    expect(restamped.code).toBe(0);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(restamped.json()).toMatchObject({ sent: 0, skipped: { alreadyPresent: events.length } });
    expectSearchesWithinAnHour(o2);
  });

  it('backfill cloudwatch --restamp twice adds nothing the second time', async () => {
    const now = Math.floor(Date.now() / HOUR) * HOUR - 1;
    const from = now - 3 * DAY;
    logGroupWith('cwr', [71, 60, 33, 2], now, 5);
    const o2 = fakeOpenObserve(server);
    o2.maxQueryRangeHours = 1;
    const args = [
      'cloudwatch',
      '--log-group',
      '/aws/bedrock/invocations',
      '--from',
      new Date(from).toISOString(),
      '--to',
      new Date(now).toISOString(),
      '--restamp',
    ];

    expect((await backfill([...args, '--checkpoint', 'a.ndjson'], now)).code).toBe(0);
    expect(o2.ids().sort()).toEqual(['cwr-0', 'cwr-1', 'cwr-2', 'cwr-3']);
    const received = o2.bulkRowsReceived.length;

    const again = await backfill([...args, '--checkpoint', 'b.ndjson', '--json'], now);

    expect(again.code).toBe(0);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(again.json()).toMatchObject({ sent: 0, skipped: { alreadyPresent: 4 } });
    expectSearchesWithinAnHour(o2);
  });
});

describe('dedupe when OpenObserve answers with partial data', () => {
  function oneHourBackup() {
    const t = Date.now() - HOUR;
    fakeS3(
      new Map([
        [
          'errors/processing-failed/2026/11/30/00/one',
          objectOf([processingFailedDoc([invocationLog('p-1', t), invocationLog('p-2', t + 1000)])], true),
        ],
      ]),
    );
  }

  it('asks again after a partial answer, and then goes on', async () => {
    oneHourBackup();
    const o2 = fakeOpenObserve(server);
    expect((await replay(['s3://backup-bucket', '--checkpoint', 'a.ndjson'])).code).toBe(0);
    const received = o2.bulkRowsReceived.length;
    const searches = o2.searchRequests;
    o2.partialSearches = 2;

    const again = await replay(['s3://backup-bucket', '--checkpoint', 'b.ndjson', '--json']);

    expect(again.code).toBe(0);
    expect(o2.searchRequests - searches).toBe(3);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(again.json()).toMatchObject({ sent: 0, skipped: { alreadyPresent: 2 } });
  });

  it('stops without sending when every answer stays partial: nothing doubled, nothing marked done', async () => {
    oneHourBackup();
    const o2 = fakeOpenObserve(server);
    expect((await replay(['s3://backup-bucket', '--checkpoint', 'a.ndjson'])).code).toBe(0);
    const received = o2.bulkRowsReceived.length;
    o2.partialSearches = 1000;

    const stopped = await replay(['s3://backup-bucket', '--checkpoint', 'b.ndjson', '--json']);

    expect(stopped.code).toBe(1);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(stopped.stderr).toMatch(/stopped: .*partial/);
    expect(stopped.stderr).toContain('--no-dedupe');
    expect(stopped.stderr).toContain('run the same command again');
    expect(stopped.stderr).toContain(
      'OpenObserve requests retried (429, 5xx, network errors or partial search answers)',
    );

    // The unit was not marked done: once the server answers in full, the same checkpoint resumes and skips.
    o2.partialSearches = 0;
    const resumed = await replay(['s3://backup-bucket', '--checkpoint', 'b.ndjson', '--json']);
    expect(resumed.code).toBe(0);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(resumed.json()).toMatchObject({ sent: 0, skipped: { alreadyPresent: 2 } });
  });
});
