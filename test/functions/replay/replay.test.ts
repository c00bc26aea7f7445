import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { runReplay } from '../../../functions/cli/replay.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';
import {
  fakeOpenObserve,
  fakeS3,
  httpEndpointFailedDoc,
  invocationLog,
  metricDatapoint,
  metricsFailedDoc,
  O2_ENV,
  objectOf,
  processingFailedDoc,
  rowsFor,
  type SummaryJson,
  useFakeAwsEnvironment,
} from '../../helpers/replay.ts';

useFakeAwsEnvironment();
const server = useMswServer();
const noSleep = async () => {};
const HOUR = 3_600_000;

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-replay-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function replay(args: string[], env: Record<string, string> = O2_ENV) {
  const { io, stdout, stderr } = captureIo({ env, cwd });
  return runReplay(args, io, { sleep: noSleep }).then((code) => ({
    code,
    stdout: stdout(),
    stderr: stderr(),
  }));
}

function jsonSummary(stdout: string) {
  return JSON.parse(stdout) as SummaryJson;
}

/** A backup bucket with every shape: processing-failed (gzip, quoted numbers), http-endpoint-failed (plain), metrics. */
function backupBucket(now = Date.now()) {
  const t = now - HOUR;
  const logsA = [invocationLog('req-1', t), invocationLog('req-2', t + 1000)];
  const logsB = [invocationLog('req-3', t + 2000), invocationLog('req-4', t + 3000)];
  const endpointRows = rowsFor([
    invocationLog('req-5', t + 4000),
    invocationLog('req-6', t + 5000),
    invocationLog('req-7', t + 6000),
  ]);
  const objects = new Map<string, Buffer>([
    [
      'errors/processing-failed/2026/11/30/00/bedrock-o2-logs-1-2026-11-30-00-00-00-aaaa',
      objectOf([processingFailedDoc(logsA), processingFailedDoc(logsB, true)], true),
    ],
    [
      'errors/http-endpoint-failed/2026/11/30/00/bedrock-o2-logs-1-2026-11-30-00-05-00-bbbb',
      objectOf([httpEndpointFailedDoc(endpointRows)], false),
    ],
    [
      'metrics/errors/processing-failed/2026/11/30/00/bedrock-o2-metrics-1-2026-11-30-00-00-00-cccc',
      objectOf([metricsFailedDoc([metricDatapoint(t), metricDatapoint(t, 'Invocations')])], true),
    ],
  ]);
  return { objects, endpointRows };
}

describe('replay --via direct', () => {
  it('replays processing-failed, http-endpoint-failed and metrics backups, gzip and plain, across listing pages', async () => {
    const { objects, endpointRows } = backupBucket();
    const s3 = fakeS3(objects, 2);
    const o2 = fakeOpenObserve(server);

    const result = await replay(['s3://backup-bucket', '--json']);

    expect(result.code).toBe(0);
    expect(s3.calls.list).toBe(2); // three objects, two a page
    expect(o2.ids().sort()).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6', 'req-7']);
    const stored = o2.streams.get('bedrock_invocations') ?? [];
    // Today's transform ran on the envelopes; the already-transformed rows went as they were.
    expect(stored.find((row) => row['aws_request_id'] === 'req-1')).toMatchObject({
      source_type: 'bedrock_invocation_log',
      aws_log_group: 'bedrock/model-invocations',
      aws_bedrock_log_source: 'cloudwatch_logs',
    });
    expect(
      stored.filter((row) => ['req-5', 'req-6', 'req-7'].includes(String(row['aws_request_id']))),
    ).toEqual(endpointRows);
    // Every row keeps the contract the live pipeline writes.
    for (const row of stored) expect(InvocationRowSchema.safeParse(row).success).toBe(true);
    expect((o2.streams.get('bedrock_metrics') ?? []).map((row) => row['metric_name']).sort()).toEqual([
      'InvocationLatency',
      'Invocations',
    ]);
    const summary = jsonSummary(result.stdout);
    expect(summary).toMatchObject({
      complete: true,
      recordsRead: 4,
      rowsTransformed: 9,
      sent: 9,
      accepted: 9,
    });
    expect(summary['units']).toMatchObject({ listed: 3, read: 3 });
  });

  it('a second run sends nothing: finished objects are in the checkpoint', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    expect((await replay(['s3://backup-bucket'])).code).toBe(0);
    const requests = o2.bulkRequests;

    const again = await replay(['s3://backup-bucket', '--json']);
    expect(again.code).toBe(0);
    expect(o2.bulkRequests).toBe(requests);
    expect(jsonSummary(again.stdout)['units']).toMatchObject({ alreadyDone: 3, read: 0 });
  });

  it('with the checkpoint lost, the dedupe query finds every row already there and sends none', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    expect((await replay(['s3://backup-bucket', '--checkpoint', 'first.ndjson'])).code).toBe(0);
    const received = o2.bulkRowsReceived.length;

    const again = await replay(['s3://backup-bucket', '--checkpoint', 'second.ndjson', '--json']);

    expect(again.code).toBe(0);
    expect(o2.bulkRowsReceived.length).toBe(received);
    expect(jsonSummary(again.stdout)).toMatchObject({ sent: 0, skipped: { alreadyPresent: 9 } });
    expect(o2.ids()).toHaveLength(7);
  });

  it('writes rows OpenObserve refused to the rejects file, exits 1, and a re-run sends only those', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    o2.reject = (row) =>
      row['aws_request_id'] === 'req-3' ? 'field gen_ai_usage_input_tokens: cannot cast' : undefined;

    const first = await replay(['s3://backup-bucket', '--rejects', 'rejects.ndjson', '--json']);

    expect(first.code).toBe(1);
    expect(jsonSummary(first.stdout)).toMatchObject({
      accepted: 8,
      rejected: { schema_conformance_failed: 1 },
    });
    const rejects = readFileSync(join(cwd, 'rejects.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({
      reason: 'schema_conformance_failed: field gen_ai_usage_input_tokens: cannot cast',
      source: expect.stringContaining('processing-failed'),
      row: { aws_request_id: 'req-3' },
    });
    expect(first.stderr).toContain(join(cwd, 'rejects.ndjson'));

    delete o2.reject;
    const before = o2.bulkRowsReceived.length;
    const second = await replay(['s3://backup-bucket', '--json']);
    expect(second.code).toBe(0);
    expect(o2.bulkRowsReceived.slice(before)).toEqual(['req-3']);
    expect(o2.ids().sort()).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6', 'req-7']);
  });

  it('splits a batch the server answers 413 to', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    o2.maxRowsPerRequest = 1;
    const result = await replay(['s3://backup-bucket', '--json']);
    expect(result.code).toBe(0);
    expect(o2.ids()).toHaveLength(7);
    expect(jsonSummary(result.stdout)).toMatchObject({ accepted: 9 });
  });

  it('retries 429 (Retry-After) and 5xx', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    o2.nextBulk.push(
      { status: 429, body: 'Too Many Requests', headers: { 'retry-after': '0' } },
      { status: 502 },
      { status: 500 },
    );
    const result = await replay(['s3://backup-bucket', '--concurrency', '1']);
    expect(result.code).toBe(0);
    expect(o2.ids()).toHaveLength(7);
    // The summary table.
    expect(result.stdout).toMatch(/^objects read\s+3$/m);
    expect(result.stdout).toMatch(/^rows transformed\s+9$/m);
    expect(result.stdout).toMatch(/^accepted\s+9$/m);
    expect(result.stderr).toContain(
      'OpenObserve requests retried (429, 5xx, network errors or partial search answers): 3',
    );
    expect(new Set(o2.bulkRowsReceived).size).toBe(o2.bulkRowsReceived.length);
  });

  it('after a 5xx that came after the rows were stored, looks them up and does not send them again', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    o2.storeThenFail = 2;
    const result = await replay(['s3://backup-bucket', '--json']);
    expect(result.code).toBe(0);
    expect(o2.ids().sort()).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6', 'req-7']);
    expect(new Set(o2.bulkRowsReceived).size).toBe(o2.bulkRowsReceived.length);
    expect(jsonSummary(result.stdout)).toMatchObject({ accepted: 9 });
  });

  it('stops when OpenObserve goes down mid-run and the next run resumes without sending a row twice', async () => {
    const t = Date.now() - HOUR;
    const objects = new Map<string, Buffer>();
    for (let i = 0; i < 5; i++) {
      objects.set(
        `errors/processing-failed/2026/11/30/00/obj-${i}`,
        objectOf(
          [processingFailedDoc([invocationLog(`req-${i}-a`, t), invocationLog(`req-${i}-b`, t + 1000)])],
          true,
        ),
      );
    }
    fakeS3(objects);
    const o2 = fakeOpenObserve(server);
    o2.failAfterRequests = 2;

    // --no-dedupe: the checkpoint alone must prevent doubles.
    const crashed = await replay(['s3://backup-bucket', '--concurrency', '1', '--no-dedupe']);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toMatch(
      /stopped: OpenObserve at https:\/\/o2\.example\.test did not answer after 6 attempts/,
    );
    expect(crashed.stderr).toContain('run the same command again to resume');
    expect(o2.ids()).toHaveLength(4);

    delete o2.failAfterRequests;
    const resumed = await replay(['s3://backup-bucket', '--concurrency', '1', '--no-dedupe', '--json']);
    expect(resumed.code).toBe(0);
    expect(o2.ids().sort()).toEqual(
      [...objects.keys()].flatMap((_, i) => [`req-${i}-a`, `req-${i}-b`]).sort(),
    );
    expect(new Set(o2.ids()).size).toBe(10);
    expect(jsonSummary(resumed.stdout)['units']).toMatchObject({ alreadyDone: 2, read: 3 });
  });

  it('refuses rows older than the ingest window, counts them and prints both remedies', async () => {
    const old = Date.now() - 3 * 24 * HOUR;
    fakeS3(
      new Map([
        [
          'errors/processing-failed/2026/11/27/00/old',
          objectOf(
            [processingFailedDoc([invocationLog('old-1', old), invocationLog('old-2', old + 1000)])],
            true,
          ),
        ],
      ]),
    );
    const o2 = fakeOpenObserve(server);
    const result = await replay(['s3://backup-bucket', '--json', '--rejects', 'r.ndjson']);
    expect(result.code).toBe(1);
    expect(o2.bulkRequests).toBe(0);
    expect(jsonSummary(result.stdout)).toMatchObject({ outsideWindow: 2, sent: 0 });
    expect(result.stderr).toContain('ZO_INGEST_ALLOWED_UPTO');
    expect(result.stderr).toContain('--ingest-window-hours');
    expect(result.stderr).toContain('--restamp');
    const rejects = readFileSync(join(cwd, 'r.ndjson'), 'utf8').trim().split('\n');
    expect(rejects.map((line) => JSON.parse(line).reason)).toEqual([
      expect.stringMatching(/^outside_ingest_window/),
      expect.stringMatching(/^outside_ingest_window/),
    ]);

    // A server whose window was raised: the same rows are then sent.
    const raised = await replay(['s3://backup-bucket', '--ingest-window-hours', '120']);
    expect(raised.code).toBe(0);
    expect(o2.ids().sort()).toEqual(['old-1', 'old-2']);
    // The normaliser judged the rows by the window the user named, so they carry no stale window warning.
    for (const row of o2.streams.get('bedrock_invocations') ?? [])
      expect(String(row['normaliser_warnings'] ?? '')).not.toContain('timestamp_outside_ingest_window');
  });

  it('--restamp moves old rows into the window and keeps the original time in aws_bedrock_event_time', async () => {
    const old = Date.parse('2026-11-20T10:00:00Z');
    fakeS3(
      new Map([
        [
          'errors/processing-failed/2026/11/20/10/old',
          objectOf(
            [processingFailedDoc([invocationLog('old-1', old), invocationLog('old-2', old + 60_000)])],
            true,
          ),
        ],
      ]),
    );
    const o2 = fakeOpenObserve(server);
    const now = Date.now();
    const result = await replay([
      's3://backup-bucket',
      '--restamp',
      '--from',
      '2026-11-20T09:00:00Z',
      '--to',
      '2026-11-20T11:00:00Z',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/moved _timestamp .* aws_bedrock_event_time/);
    const rows = o2.streams.get('bedrock_invocations') ?? [];
    expect(rows.map((row) => row['aws_bedrock_event_time']).sort()).toEqual([
      '2026-11-20T10:00:00Z',
      '2026-11-20T10:01:00Z',
    ]);
    for (const row of rows) {
      const ms = Number(row['_timestamp']) / 1000;
      expect(ms).toBeGreaterThan(now - 5 * HOUR);
      expect(ms).toBeLessThanOrEqual(Date.now());
    }
  });

  it('names a corrupt object, counts it, skips it and delivers the rest', async () => {
    const { objects } = backupBucket();
    const corrupt = 'errors/processing-failed/2026/11/30/00/corrupt';
    objects.set(
      corrupt,
      Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('not really gzip at all')]),
    );
    fakeS3(objects);
    const o2 = fakeOpenObserve(server);
    const result = await replay(['s3://backup-bucket', '--json', '--rejects', 'r.ndjson']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`skipped s3://backup-bucket/${corrupt}:`);
    const rejects = readFileSync(join(cwd, 'r.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rejects).toEqual([
      {
        reason: expect.stringMatching(/^unit_unreadable: /),
        source: `s3://backup-bucket/${corrupt}`,
        where: `s3://backup-bucket/${corrupt}`,
      },
    ]);
    expect(jsonSummary(result.stdout)['units']['failed']).toEqual([
      { unit: `s3://backup-bucket/${corrupt}`, reason: expect.any(String) },
    ]);
    expect(o2.ids()).toHaveLength(7);
  });

  it('replays S3-source records (Bedrock log NDJSON) and writes documents it cannot read to the rejects file', async () => {
    const t = Date.now() - HOUR;
    const s3Logs = [invocationLog('s3src-1', t), invocationLog('s3src-2', t + 1000)];
    const bedrockNdjson = gzipSync(s3Logs.map((log) => `${JSON.stringify(log)}\n`).join('')).toString(
      'base64',
    );
    const unknown = Buffer.from('{"hello":"world"}').toString('base64');
    fakeS3(
      new Map([
        [
          'errors/processing-failed/2026/11/30/00/mixed',
          objectOf(
            [
              JSON.stringify({
                attemptsMade: '1',
                errorCode: 'Lambda.FunctionError',
                rawData: bedrockNdjson,
              }),
              JSON.stringify({ attemptsMade: 1, rawData: unknown }),
              'this line is not JSON',
              JSON.stringify({ attemptsMade: 1 }),
            ],
            true,
          ),
        ],
      ]),
    );
    const o2 = fakeOpenObserve(server);
    const result = await replay(['s3://backup-bucket', '--json', '--rejects', 'r.ndjson']);
    expect(result.code).toBe(1);
    expect(o2.ids().sort()).toEqual(['s3src-1', 's3src-2']);
    for (const row of o2.streams.get('bedrock_invocations') ?? [])
      expect(row['aws_bedrock_log_source']).toBe('s3');
    expect(jsonSummary(result.stdout)).toMatchObject({
      recordsRead: 4,
      unreadable: { unknown_backup_record: 1, backup_line_not_json: 1, backup_document_without_rawData: 1 },
    });
    const rejects = readFileSync(join(cwd, 'r.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rejects.map((r) => r.where)).toEqual([
      's3://backup-bucket/errors/processing-failed/2026/11/30/00/mixed line 2',
      's3://backup-bucket/errors/processing-failed/2026/11/30/00/mixed line 3',
      's3://backup-bucket/errors/processing-failed/2026/11/30/00/mixed line 4',
    ]);
  });

  it('--dry-run sends nothing and writes no checkpoint', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    const result = await replay(['s3://backup-bucket', '--dry-run', '--json', '--checkpoint', 'cp.ndjson']);
    expect(result.code).toBe(0);
    expect(o2.bulkRequests).toBe(0);
    expect(jsonSummary(result.stdout)).toMatchObject({ wouldSend: 9, sent: 0 });
    expect(() => readFileSync(join(cwd, 'cp.ndjson'))).toThrow();
  });

  it('a dry run whose listing fails does not offer to resume from a checkpoint it never wrote', async () => {
    mockClient(S3Client).on(ListObjectsV2Command).rejects(new Error('listing broke'));
    fakeOpenObserve(server);
    const result = await replay(['s3://backup-bucket', '--dry-run', '--checkpoint', 'cp.ndjson']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped: listing failed: listing broke/);
    expect(result.stderr).not.toMatch(/resume from/);
  });

  it('a checkpoint line cut short by a crash is ignored', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    writeFileSync(
      join(cwd, 'cp.ndjson'),
      '{"unit":"s3://backup-bucket/x@e","keys":["req-1"]}\n{"unit":"s3://bac',
    );
    const result = await replay(['s3://backup-bucket', '--checkpoint', 'cp.ndjson']);
    expect(result.code).toBe(0);
    expect(o2.ids()).toHaveLength(7);
  });
});

describe('replay --via direct: metric rows over more than one page of the dedupe search', () => {
  it('with the checkpoint lost, finds every metric row of a busy minute and sends none again', async () => {
    // More datapoints of one minute than one search page holds: they share one _timestamp, so only an order
    // that tells them apart keeps the pages from overlapping.
    const t = Math.floor((Date.now() - HOUR) / 60_000) * 60_000;
    const datapoints = Array.from({ length: 1200 }, (_, i) => ({
      ...metricDatapoint(t),
      dimensions: { ModelId: `model-${String(i).padStart(4, '0')}` },
    }));
    fakeS3(
      new Map([
        [
          'metrics/errors/processing-failed/2026/11/30/00/bedrock-o2-metrics-1-busy',
          objectOf([metricsFailedDoc(datapoints)], true),
        ],
      ]),
    );
    const o2 = fakeOpenObserve(server);
    expect((await replay(['s3://backup-bucket', '--checkpoint', 'first.ndjson'])).code).toBe(0);
    expect(o2.streams.get('bedrock_metrics')).toHaveLength(1200);

    const again = await replay(['s3://backup-bucket', '--checkpoint', 'second.ndjson', '--json']);

    expect(again.code).toBe(0);
    expect(o2.streams.get('bedrock_metrics')).toHaveLength(1200);
    expect(jsonSummary(again.stdout)).toMatchObject({ sent: 0, skipped: { alreadyPresent: 1200 } });
  });
});

describe('replay refuses files it must not write, before any work', () => {
  it('an existing --checkpoint that is not a checkpoint: exit 2, one line, the file untouched', async () => {
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    const precious = '{"settings":{"theme":"dark"}}\nsecond line\n';
    writeFileSync(join(cwd, 'precious.json'), precious);
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['replay', 's3://backup-bucket', '--checkpoint', 'precious.json'], io)).toBe(2);
    expect(stderr()).toMatch(/precious\.json exists and is not a bedrock-o2 checkpoint/);
    expect(stderr().trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(cwd, 'precious.json'), 'utf8')).toBe(precious);
    expect(o2.bulkRequests).toBe(0);
  });

  it.each([
    [['--rejects', '.'], /--rejects .* is a directory: give a file path/],
    [['--rejects', '.', '--dry-run'], /--rejects .* is a directory: give a file path/],
    [['--checkpoint', '.'], /--checkpoint .* is a directory: give a file path/],
    [['--rejects', 'file.txt/r.ndjson'], /file\.txt is not a directory/],
  ])('%j: exit 2, one line, no summary', async (flags, message) => {
    writeFileSync(join(cwd, 'file.txt'), 'x');
    fakeS3(backupBucket().objects);
    const o2 = fakeOpenObserve(server);
    const { io, stdout, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['replay', 's3://backup-bucket', ...flags], io)).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr().trim().split('\n')).toHaveLength(1);
    expect(stdout()).toBe('');
    expect(o2.bulkRequests).toBe(0);
  });
});

describe('replay usage', () => {
  it.each([
    [['http://bucket/prefix'], /is not an S3 URL/],
    [[], /expected exactly one s3:\/\/bucket\/prefix/],
    [['s3://bucket', '--via', 'firehose'], /--via firehose needs --stream NAME/],
    [['s3://bucket', '--via', 'carrier-pigeon'], /--via must be direct or firehose/],
    [['s3://bucket', '--from', 'yesterday'], /--from "yesterday" is neither an ISO-8601 time/],
    [['s3://bucket', '--restamp'], /--restamp needs --from/],
    [['s3://bucket', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 64/],
    [['s3://bucket', '--concurrency', '1.5'], /--concurrency must be a whole number from 1 to 64, not "1.5"/],
    [
      ['s3://bucket', '--from', '2999-01-01T00:00:00Z'],
      /--from \(2999-01-01T00:00:00.000Z\) is in the future/,
    ],
    [['s3://bucket', '--from', '1h', '--to', '2h'], /--from \(.*\) is after --to/],
    [['s3://ab/prefix'], /S3 bucket names are 3 to 63 characters, not 2/],
    [['s3://a'], /S3 bucket names are 3 to 63 characters, not 1/],
    [['s3://bucket', '--bogus'], /unknown option --bogus/],
  ])('%j → one line, exit 2', async (args, message) => {
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['replay', ...args], io)).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });

  it('without OPENOBSERVE_URL says what to set', async () => {
    const { io, stderr } = captureIo({ env: {}, cwd });
    expect(await main(['replay', 's3://bucket'], io)).toBe(2);
    expect(stderr()).toMatch(/OPENOBSERVE_URL is not set: set it/);
  });

  it('--help lists the options', async () => {
    const { io, stdout } = captureIo({ cwd });
    expect(await main(['replay', '--help'], io)).toBe(0);
    expect(stdout()).toContain('--via firehose --stream NAME');
    expect(stdout()).toContain('--restamp');
  });
});
