import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runReplay } from '../../../functions/cli/replay.ts';
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

useFakeAwsEnvironment();
const HOUR = 3_600_000;
let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-firehose-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

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
            .map((line) => JSON.parse(line));
          if (lines.some((row) => row.aws_request_id === 'fh-550'))
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
    expect(delivered.every((row) => row['record_schema_version'] === '1')).toBe(true);
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
    expect(stderr()).toContain('run the same command again to resume');
  });
});
