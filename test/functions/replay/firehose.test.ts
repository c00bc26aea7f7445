import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackfill } from '../../../functions/cli/backfill.ts';
import { runReplay } from '../../../functions/cli/replay.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { parseConfig, TransformConfigSchema } from '../../../schemas/transform-config.ts';
import { captureIo } from '../../helpers/cli.ts';
import {
  fakeS3,
  httpEndpointFailedDoc,
  invocationLog,
  metricDatapoint,
  metricsFailedDoc,
  objectOf,
  processingFailedDoc,
  rowsFor,
  useFakeAwsEnvironment,
} from '../../helpers/replay.ts';
import { rowsOfResponse } from '../../helpers/rows.ts';

useFakeAwsEnvironment();
const HOUR = 3_600_000;
let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-firehose-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** A delivered line: our row as it is, or a one-event envelope reduced to its request id. */
function rowOrEnvelopeId(line: Record<string, unknown>): Record<string, unknown> {
  if (line['messageType'] === undefined) return line;
  const events = line['logEvents'] as { message: string }[];
  expect(events).toHaveLength(1);
  const log = JSON.parse((events[0] as { message: string }).message) as Record<string, unknown>;
  return { aws_request_id: log['requestId'], envelope: true };
}

describe('replay --via firehose', () => {
  it('puts rows back as gzip NDJSON records, reports what Firehose accepted and rejects the rest with the error', async () => {
    const t = Date.now() - HOUR;
    const template = rowsFor([invocationLog('tmpl', t)])[0] as Record<string, unknown>;
    // 600 rows of ~4 KB: several records (≤ 500 rows and ≤ 900 KiB before gzip each).
    const rows = Array.from({ length: 600 }, (_, i) => ({ ...template, aws_request_id: `fh-${i}` }));
    fakeS3(
      new Map([
        ['errors/http-endpoint-failed/2026/11/30/00/a', objectOf([httpEndpointFailedDoc(rows)], true)],
        [
          'errors/processing-failed/2026/11/30/00/b',
          objectOf([processingFailedDoc([invocationLog('fh-env', t)])], false),
        ],
        [
          'metrics/errors/processing-failed/2026/11/30/00/c',
          objectOf([metricsFailedDoc([metricDatapoint(t)])], false),
        ],
      ]),
    );
    const firehose = mockClient(FirehoseClient);
    const delivered: Record<string, unknown>[] = [];
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: { DeliveryStreamName: string; Records: { Data: Uint8Array }[] }) => {
        expect(input.DeliveryStreamName).toBe('bedrock-o2-logs');
        // The record that carries fh-550 is throttled every time; everything else is taken.
        const responses = input.Records.map((record) => {
          const lines = gunzipSync(record.Data)
            .toString('utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
            .map(rowOrEnvelopeId);
          if (lines.some((row) => row['aws_request_id'] === 'fh-550'))
            return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
          delivered.push(...lines);
          return { RecordId: 'r' };
        });
        return {
          FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
          RequestResponses: responses,
        };
      });

    const { io, stdout, stderr } = captureIo({ cwd });
    const code = await runReplay(
      [
        's3://backup-bucket',
        '--via',
        'firehose',
        '--stream',
        'bedrock-o2-logs',
        '--no-dedupe',
        '--json',
        '--rejects',
        'r.ndjson',
      ],
      io,
      { sleep: async () => {} },
    );

    expect(code).toBe(1);
    const summary = JSON.parse(stdout());
    const rejects = readFileSync(join(cwd, 'r.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const throttled = rejects.filter(
      (r) => r.reason === 'firehose_not_accepted: ServiceUnavailableException: Slow down.',
    );
    const deliveredIds = delivered.map((row) => String(row['aws_request_id']));
    const throttledIds = throttled.map((r) => String(r.row.aws_request_id));
    // Every invocation row either accepted (once) or rejected with Firehose's error; the metric row refused.
    expect(summary).toMatchObject({
      sent: 602,
      accepted: deliveredIds.length,
      rejected: { firehose_not_accepted: throttledIds.length, metrics_rows_need_direct: 1 },
    });
    expect(throttledIds).toContain('fh-550');
    expect(throttledIds.length).toBeGreaterThan(1);
    expect(new Set([...deliveredIds, ...throttledIds]).size).toBe(601);
    expect(deliveredIds.length + throttledIds.length).toBe(601);
    expect(deliveredIds).toContain('fh-env');
    // The backed-up rows go as they are; the processing-failed log goes as its own envelope, for the
    // deployed transform to make its row.
    expect(delivered.filter((row) => row['record_schema_version'] === '1')).toHaveLength(
      deliveredIds.length - 1,
    );
    expect(delivered.find((row) => row['aws_request_id'] === 'fh-env')?.['envelope']).toBe(true);
    expect(stderr()).toContain('to Firehose delivery stream bedrock-o2-logs');
  });

  it('stops, resumable, when Firehose cannot be reached at all', async () => {
    const t = Date.now() - HOUR;
    fakeS3(
      new Map([
        [
          'errors/processing-failed/2026/11/30/00/a',
          objectOf([processingFailedDoc([invocationLog('x-1', t)])], true),
        ],
      ]),
    );
    mockClient(FirehoseClient)
      .on(PutRecordBatchCommand)
      .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const { io, stderr } = captureIo({ cwd });
    const code = await runReplay(
      ['s3://backup-bucket', '--via', 'firehose', '--stream', 'bedrock-o2-logs', '--no-dedupe'],
      io,
      {
        sleep: async () => {},
      },
    );
    expect(code).toBe(1);
    expect(stderr()).toContain('stopped: Firehose bedrock-o2-logs did not answer: socket hang up');
    expect(stderr()).toContain(
      'nothing was acknowledged yet (no checkpoint written): run the same command again',
    );
    expect(stderr()).not.toContain('resume from');
  });
});

describe('--via firehose sends what the live pipeline reads, so the deployed configuration makes the rows', () => {
  /** The deployed logs transform (default configuration) on every record that was put. */
  async function rowsTheStreamMakes(records: Uint8Array[]): Promise<Record<string, unknown>[]> {
    const { response } = await processLogsEvent(
      {
        invocationId: 'i',
        deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/bedrock-o2-logs',
        region: 'us-east-1',
        records: records.map((data, index) => ({
          recordId: String(index),
          approximateArrivalTimestamp: 0,
          data: Buffer.from(data).toString('base64'),
        })),
      },
      {
        normaliser: createNormaliser(parseConfig(TransformConfigSchema, {}, 'test')),
        telemetry: silentTelemetry,
      },
    );
    expect(response.records.every((record) => record.result === 'Ok')).toBe(true);
    return rowsOfResponse(response);
  }

  function captureRecords(): Uint8Array[] {
    const records: Uint8Array[] = [];
    mockClient(FirehoseClient)
      .on(PutRecordBatchCommand)
      .callsFake((input: { Records: { Data: Uint8Array }[] }) => {
        records.push(...input.Records.map((record) => record.Data));
        return { FailedPutCount: 0, RequestResponses: input.Records.map(() => ({ RecordId: 'r' })) };
      });
    return records;
  }

  it('replay of processing-failed records: one-event envelopes that the stream turns into the CloudWatch rows', async () => {
    const t = Date.now() - HOUR;
    const logs = [invocationLog('pf-1', t), invocationLog('pf-2', t + 1000)];
    fakeS3(
      new Map([['errors/processing-failed/2026/11/30/00/a', objectOf([processingFailedDoc(logs)], true)]]),
    );
    const records = captureRecords();
    const { io } = captureIo({ cwd });
    const code = await runReplay(
      ['s3://backup-bucket', '--via', 'firehose', '--stream', 'bedrock-o2-logs', '--no-dedupe'],
      io,
      { sleep: async () => {} },
    );
    expect(code).toBe(0);
    const lines = records.flatMap((data) => gunzipSync(data).toString('utf8').trim().split('\n'));
    expect(lines.map((line) => JSON.parse(line)['logEvents'].length)).toEqual([1, 1]);
    const rows = await rowsTheStreamMakes(records);
    expect(rows.map((row) => row['aws_request_id'])).toEqual(['pf-1', 'pf-2']);
    expect(rows.every((row) => row['aws_bedrock_log_source'] === 'cloudwatch_logs')).toBe(true);
    expect(rows.every((row) => typeof row['aws_log_group'] === 'string')).toBe(true);
  });

  it('a restamped row goes as the row itself: the live transform cannot move its time', async () => {
    const old = Date.now() - 30 * HOUR;
    fakeS3(
      new Map([
        [
          'errors/processing-failed/2026/11/29/00/a',
          objectOf([processingFailedDoc([invocationLog('old-1', old)])], false),
        ],
      ]),
    );
    const records = captureRecords();
    const { io } = captureIo({ cwd });
    const code = await runReplay(
      [
        's3://backup-bucket',
        '--via',
        'firehose',
        '--stream',
        'bedrock-o2-logs',
        '--no-dedupe',
        '--restamp',
        '--from',
        '2d',
      ],
      io,
      { sleep: async () => {} },
    );
    expect(code).toBe(0);
    const [line] = records.flatMap((data) => gunzipSync(data).toString('utf8').trim().split('\n'));
    const row = JSON.parse(line as string) as Record<string, unknown>;
    expect(row['record_schema_version']).toBe('1');
    expect(row['aws_request_id']).toBe('old-1');
    expect(Number(row['_timestamp']) / 1000).toBeGreaterThan(Date.now() - 6 * HOUR);
  });

  it('backfill s3: the Bedrock log lines exactly as Bedrock wrote them, which the stream turns into the S3 rows', async () => {
    const t = Date.now() - HOUR;
    const hour = new Date(t).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/');
    const lines = [invocationLog('s3-a', t), invocationLog('s3-b', t + 1000)].map((log) =>
      JSON.stringify(log),
    );
    fakeS3(
      new Map([
        [
          `bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/${hour}/20261130T000102Z_aaaa.json.gz`,
          gzipSync(`${lines.join('\n')}\n`),
        ],
      ]),
    );
    const records = captureRecords();
    const { io } = captureIo({ cwd });
    const code = await runBackfill(
      [
        's3',
        's3://log-bucket/bedrock/',
        '--from',
        '1d',
        '--via',
        'firehose',
        '--stream',
        'bedrock-o2-logs',
        '--no-dedupe',
      ],
      io,
      { sleep: async () => {} },
    );
    expect(code).toBe(0);
    expect(records.flatMap((data) => gunzipSync(data).toString('utf8').trim().split('\n'))).toEqual(lines);
    const rows = await rowsTheStreamMakes(records);
    expect(rows.map((row) => row['aws_request_id'])).toEqual(['s3-a', 's3-b']);
    expect(rows.every((row) => row['aws_bedrock_log_source'] === 's3')).toBe(true);
  });

  it('packs records by UTF-8 bytes, so rows in other scripts stay within the record bound', async () => {
    const t = Date.now() - HOUR;
    const template = rowsFor([invocationLog('cjk', t)])[0] as Record<string, unknown>;
    const text = '請求'.repeat(1500); // 3,000 characters, 9,000 bytes of UTF-8
    const rows = Array.from({ length: 300 }, (_, i) => ({
      ...template,
      aws_request_id: `cjk-${i}`,
      gen_ai_input_preview: text,
    }));
    fakeS3(
      new Map([
        ['errors/http-endpoint-failed/2026/11/30/00/a', objectOf([httpEndpointFailedDoc(rows)], true)],
      ]),
    );
    const records = captureRecords();
    const { io } = captureIo({ cwd });
    const code = await runReplay(
      ['s3://backup-bucket', '--via', 'firehose', '--stream', 'bedrock-o2-logs', '--no-dedupe'],
      io,
      { sleep: async () => {} },
    );
    expect(code).toBe(0);
    expect(records.length).toBeGreaterThan(2);
    for (const data of records) expect(gunzipSync(data).length).toBeLessThanOrEqual(900 * 1024);
  });
});
