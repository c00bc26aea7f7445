import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackfill } from '../../../functions/cli/backfill.ts';
import { main } from '../../../functions/cli/main.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';
import {
  fakeOpenObserve,
  fakeS3,
  invocationLog,
  O2_ENV,
  type SummaryJson,
  useFakeAwsEnvironment,
} from '../../helpers/replay.ts';

useFakeAwsEnvironment();
const server = useMswServer();
const HOUR = 3_600_000;

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-backfill-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

async function backfill(args: string[], env: Record<string, string> = O2_ENV) {
  const { io, stdout, stderr } = captureIo({ env, cwd });
  const code = await runBackfill(args, io, { sleep: async () => {} });
  return {
    code,
    stdout: stdout(),
    stderr: stderr(),
    json: () => JSON.parse(stdout()) as SummaryJson,
  };
}

describe('backfill cloudwatch', () => {
  it('reads every FilterLogEvents page of every hour and makes the live rows', async () => {
    const logs = mockClient(CloudWatchLogsClient);
    const now = Date.now();
    const from = Math.floor((now - 90 * 60_000) / 1000) * 1000;
    const events = [0, 1, 2, 3, 4].map((i) => {
      const log = invocationLog(`cw-${i}`, from + i * 15 * 60_000);
      return {
        logStreamName: 'aws/bedrock/modelinvocations',
        eventId: `evt-${i}`,
        timestamp: Date.parse(String(log['timestamp'])),
        message: JSON.stringify(log),
      };
    });
    events.push({
      logStreamName: 'other',
      eventId: 'evt-x',
      timestamp: from + 1000,
      message: 'not a bedrock log line',
    });
    const calls: { startTime?: number; endTime?: number; nextToken?: string }[] = [];
    logs.on(FilterLogEventsCommand).callsFake((input) => {
      calls.push(input);
      const inSlice = events.filter((e) => e.timestamp >= input.startTime && e.timestamp <= input.endTime);
      // Two events a page.
      const start = input.nextToken === undefined ? 0 : Number(input.nextToken);
      const page = inSlice.slice(start, start + 2);
      return { events: page, ...(start + 2 < inSlice.length ? { nextToken: String(start + 2) } : {}) };
    });
    const o2 = fakeOpenObserve(server);

    const result = await backfill([
      'cloudwatch',
      '--log-group',
      '/aws/bedrock/invocations',
      '--region',
      'eu-west-1',
      '--from',
      new Date(from).toISOString(),
      '--to',
      new Date(now).toISOString(),
      '--json',
    ]);

    expect(result.code).toBe(0);
    expect(calls.some((call) => call.nextToken !== undefined)).toBe(true);
    const rows = o2.streams.get('bedrock_invocations') ?? [];
    const invocations = rows.filter((row) => row['source_type'] === 'bedrock_invocation_log');
    expect(invocations.map((row) => row['aws_request_id']).sort()).toEqual([
      'cw-0',
      'cw-1',
      'cw-2',
      'cw-3',
      'cw-4',
    ]);
    for (const row of invocations) {
      expect(row).toMatchObject({
        aws_bedrock_log_source: 'cloudwatch_logs',
        aws_log_group: '/aws/bedrock/invocations',
      });
    }
    // The other line is kept as a `log` row, as the live pipeline does by default (nonBedrockLines: keep).
    expect(rows.filter((row) => row['source_type'] === 'log')).toHaveLength(1);
    const summary = result.json();
    expect(summary).toMatchObject({ recordsRead: 6, rowsTransformed: 6, accepted: 6, complete: true });
    expect(summary['units']['listed']).toBeGreaterThanOrEqual(2);

    // A later run whose range ends a little later: finished hours are not read again, nothing is resent.
    calls.length = 0;
    const received = o2.bulkRowsReceived.length;
    const again = await backfill([
      'cloudwatch',
      '--log-group',
      '/aws/bedrock/invocations',
      '--region',
      'eu-west-1',
      '--from',
      new Date(from).toISOString(),
      '--to',
      new Date(now + 60_000).toISOString(),
    ]);
    expect(again.code).toBe(0);
    expect(calls.some((call) => call.startTime === from)).toBe(false);
    expect(o2.bulkRowsReceived.length).toBe(received);
  });

  it('needs --log-group, --from and --to', async () => {
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['backfill', 'cloudwatch', '--from', '1h', '--to', '0m'], io)).toBe(2);
    expect(stderr()).toMatch(/needs --log-group NAME/);
    const second = captureIo({ env: O2_ENV, cwd });
    expect(await main(['backfill', 'cloudwatch', '--log-group', 'g'], second.io)).toBe(2);
    expect(second.stderr()).toMatch(/needs --from and --to/);
  });
});

const LOG_BASE = 'bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1';

function hourPath(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/');
}

describe('backfill s3', () => {
  it('reads gzip and plain log objects across listing pages, passes over the canary, data/ and other hours', async () => {
    const now = Date.now();
    const t = now - HOUR;
    const old = now - 10 * 24 * HOUR;
    const ndjson = (logs: object[]) => Buffer.from(logs.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const objects = new Map<string, Buffer>([
      [
        'bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check',
        Buffer.alloc(0),
      ],
      [
        `${LOG_BASE}/${hourPath(t)}/20261130T000102Z_aaaa.json.gz`,
        gzipSync(ndjson([invocationLog('s3-1', t), invocationLog('s3-2', t)])),
      ],
      [`${LOG_BASE}/${hourPath(t)}/20261130T000502Z_bbbb.json`, ndjson([invocationLog('s3-3', t + 1000)])],
      [`${LOG_BASE}/${hourPath(t)}/data/s3-1_input.json.gz`, gzipSync('{}')],
      [
        `${LOG_BASE}/${hourPath(old)}/20261120T000102Z_cccc.json.gz`,
        gzipSync(ndjson([invocationLog('s3-old', old)])),
      ],
    ]);
    const s3 = fakeS3(objects, 2);
    const o2 = fakeOpenObserve(server);

    const result = await backfill(['s3', 's3://log-bucket/bedrock/', '--from', '1d', '--json']);

    expect(result.code).toBe(0);
    expect(s3.calls.list).toBe(3);
    expect(s3.calls.get).toBe(2); // neither the canary, nor data/, nor the old hour was read
    expect(o2.ids().sort()).toEqual(['s3-1', 's3-2', 's3-3']);
    for (const row of o2.streams.get('bedrock_invocations') ?? []) {
      expect(row['aws_bedrock_log_source']).toBe('s3');
      expect(row['aws_log_group']).toBeUndefined();
    }
    expect(result.json()['units']['passedOver']).toEqual({
      permission_check_object: 1,
      offloaded_body_object: 1,
      outside_time_range: 1,
    });
  });

  it('--hydrate fills the content from bodies offloaded to data/', async () => {
    const t = Date.now() - HOUR;
    const path = `${LOG_BASE}/${hourPath(t)}/data/s3-h_output.json.gz`;
    const log = invocationLog('s3-h', t);
    const output = log['output'] as Record<string, unknown>;
    const body = output['outputBodyJson'];
    delete output['outputBodyJson'];
    output['outputBodyS3Path'] = `s3://log-bucket/${path}`;
    const objects = new Map<string, Buffer>([
      [`${LOG_BASE}/${hourPath(t)}/20261130T000102Z_aaaa.json.gz`, gzipSync(`${JSON.stringify(log)}\n`)],
      [path, gzipSync(JSON.stringify(body))],
    ]);
    fakeS3(objects);

    const plain = fakeOpenObserve(server);
    expect((await backfill(['s3', 's3://log-bucket/bedrock/', '--checkpoint', 'a.ndjson'])).code).toBe(0);
    const offloaded = plain.streams.get('bedrock_invocations')?.[0] ?? {};
    expect(String(offloaded['normaliser_warnings'])).toContain('body_offloaded');
    expect(offloaded['gen_ai_output_messages']).toBeUndefined();

    server.resetHandlers();
    const hydratedO2 = fakeOpenObserve(server);
    expect(
      (await backfill(['s3', 's3://log-bucket/bedrock/', '--hydrate', '--checkpoint', 'b.ndjson'])).code,
    ).toBe(0);
    const hydrated = hydratedO2.streams.get('bedrock_invocations')?.[0] ?? {};
    expect(String(hydrated['gen_ai_output_messages'])).toContain('Let me check that order.');

    // A body that cannot be loaded: the row is still made (body_offloaded), and the run says why.
    objects.delete(path);
    server.resetHandlers();
    const missingO2 = fakeOpenObserve(server);
    const missing = await backfill([
      's3',
      's3://log-bucket/bedrock/',
      '--hydrate',
      '--checkpoint',
      'c.ndjson',
      '--json',
    ]);
    expect(missing.code).toBe(0);
    expect(missingO2.ids()).toEqual(['s3-h']);
    expect(missing.json()['notes']).toEqual({ hydrate_failed: 1 });
  });

  it('--hydrate: a row with its bodies read back says so, like the Lambda’s; one too large or corrupt is a note', async () => {
    const t = Date.now() - HOUR;
    const dataPath = (id: string, side: string) => `${LOG_BASE}/${hourPath(t)}/data/${id}_${side}.json.gz`;
    const offloadBoth = (id: string) => {
      const log = invocationLog(id, t);
      const input = log['input'] as Record<string, unknown>;
      const output = log['output'] as Record<string, unknown>;
      const bodies = { input: input['inputBodyJson'], output: output['outputBodyJson'] };
      input['inputBodyJson'] = null;
      input['inputBodyS3Path'] = `s3://log-bucket/${dataPath(id, 'input')}`;
      delete output['outputBodyJson'];
      output['outputBodyS3Path'] = `s3://log-bucket/${dataPath(id, 'output')}`;
      return { log, bodies };
    };
    const both = offloadBoth('s3-both');
    const half = offloadBoth('s3-half');
    const objects = new Map<string, Buffer>([
      [
        `${LOG_BASE}/${hourPath(t)}/20261130T000102Z_aaaa.json.gz`,
        gzipSync(`${JSON.stringify(both.log)}\n${JSON.stringify(half.log)}\n`),
      ],
      [dataPath('s3-both', 'input'), gzipSync(JSON.stringify(both.bodies.input))],
      [dataPath('s3-both', 'output'), gzipSync(JSON.stringify(both.bodies.output))],
      [dataPath('s3-half', 'input'), gzipSync(JSON.stringify(half.bodies.input))],
      // A gzip bomb: 24 MiB of JSON, over the 16 MiB a body may be.
      [dataPath('s3-half', 'output'), gzipSync(`{"a":"${'a'.repeat(24 * 1024 * 1024)}"}`)],
    ]);
    fakeS3(objects);
    const o2 = fakeOpenObserve(server);

    const result = await backfill(['s3', 's3://log-bucket/bedrock/', '--hydrate', '--json']);

    expect(result.code).toBe(0);
    const rows = new Map(
      (o2.streams.get('bedrock_invocations') ?? []).map((row) => [row['aws_request_id'], row]),
    );
    expect(rows.get('s3-both')).toMatchObject({
      aws_bedrock_input_hydrated: true,
      aws_bedrock_output_hydrated: true,
    });
    expect(String(rows.get('s3-both')?.['normaliser_warnings'] ?? '')).not.toContain('body_offloaded');
    expect(rows.get('s3-half')?.['aws_bedrock_input_hydrated']).toBe(true);
    expect(rows.get('s3-half')?.['aws_bedrock_output_hydrated']).toBeUndefined();
    expect(String(rows.get('s3-half')?.['normaliser_warnings'])).toContain('body_offloaded');
    expect(result.json()['notes']).toEqual({ hydrate_failed: 1 });
  });

  it("--hydrate reads only the log's own offloaded body, never another path a log names", async () => {
    const t = Date.now() - HOUR;
    const log = invocationLog('s3-x', t);
    const output = log['output'] as Record<string, unknown>;
    delete output['outputBodyJson'];
    // A crafted log pointing at another bucket's object, and at another request's body in the right place.
    output['outputBodyS3Path'] = 's3://payroll-bucket/secrets/salaries.json';
    (log['input'] as Record<string, unknown>)['inputBodyJson'] = null;
    (log['input'] as Record<string, unknown>)['inputBodyS3Path'] =
      `s3://log-bucket/${LOG_BASE}/${hourPath(t)}/data/someone-else_input.json.gz`;
    const objects = new Map<string, Buffer>([
      [`${LOG_BASE}/${hourPath(t)}/20261130T000102Z_aaaa.json.gz`, gzipSync(`${JSON.stringify(log)}\n`)],
      [`${LOG_BASE}/${hourPath(t)}/data/someone-else_input.json.gz`, gzipSync('{"messages":[]}')],
    ]);
    const s3 = fakeS3(objects);
    fakeOpenObserve(server);

    const result = await backfill(['s3', 's3://log-bucket/bedrock/', '--hydrate', '--json']);

    expect(result.code).toBe(0);
    expect(s3.calls.get).toBe(1); // the log object only
    expect(result.json()['notes']).toEqual({ hydrate_refused: 2 });
  });

  it('a bad S3 URL is one line, exit 2', async () => {
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['backfill', 's3', 'log-bucket/prefix'], io)).toBe(2);
    expect(stderr().trim()).toBe(
      'bedrock-o2 backfill: "log-bucket/prefix" is not an S3 URL (expected s3://bucket/prefix, bucket in lower case)',
    );
  });
});
