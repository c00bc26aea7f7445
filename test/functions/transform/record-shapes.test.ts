import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema, LogRowSchema } from '../../../schemas/invocation-row.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import { decodeRows } from '../../helpers/rows.ts';

// The logs stream's three record shapes, told apart by content: CloudWatch envelope, Bedrock's S3 NDJSON,
// and NDJSON of our own rows (replay).
const fixtures = allFixtures();
const NOW = 1_800_000_000_000;
const normaliserWith = (overrides: object = {}) =>
  createNormaliser(TransformConfigSchema.parse(overrides), { nowMs: () => NOW });

const ndjson = (lines: readonly string[]) => gzipSync(`${lines.join('\n')}\n`).toString('base64');

async function run(datas: string[], overrides: object = {}) {
  const { response } = await processLogsEvent(firehoseEvent(datas), {
    normaliser: normaliserWith(overrides),
    telemetry: silentTelemetry,
  });
  return response.records;
}

const CLOUDWATCH_ONLY = ['aws_log_group', 'aws_log_stream', 'aws_log_event_id', 'aws_bedrock_log_source'];
const without = (row: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)));

describe('Bedrock S3 NDJSON records', () => {
  it('make the rows the CloudWatch path makes for the same logs, but for the documented fields', async () => {
    const logs = fixtures.map((f) => f.log);
    const [s3Record] = await run([ndjson(logs.map((log) => JSON.stringify(log)))]);
    const cloudwatch = await run(
      logs.map((log) =>
        recordData(
          dataMessage([{ message: JSON.stringify(log), timestamp: Date.parse(String(log['timestamp'])) }]),
        ),
      ),
    );
    expect(s3Record?.result).toBe('Ok');
    const s3Rows = decodeRows(s3Record?.data ?? '');
    const cwRows = cloudwatch.flatMap((r) => decodeRows(r.data ?? ''));
    expect(s3Rows).toHaveLength(logs.length);
    s3Rows.forEach((row, i) => {
      expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
      expect(row['aws_bedrock_log_source']).toBe('s3');
      expect(cwRows[i]?.['aws_bedrock_log_source']).toBe('cloudwatch_logs');
      for (const key of ['aws_log_group', 'aws_log_stream', 'aws_log_event_id'])
        expect(row).not.toHaveProperty(key);
      expect(row['cloud_account_id']).toBe(logs[i]?.['accountId']);
      expect(row['cloud_region']).toBe(logs[i]?.['region']);
      expect(without(row, CLOUDWATCH_ONLY)).toEqual(without(cwRows[i] ?? {}, CLOUDWATCH_ONLY));
    });
  });

  it('reads a one-line object and a CRLF object', async () => {
    const log = JSON.stringify(fixtures[0]?.log);
    const records = await run([
      gzipSync(log).toString('base64'),
      gzipSync(`${log}\r\n${log}\r\n`).toString('base64'),
    ]);
    expect(records.map((r) => decodeRows(r.data ?? '').length)).toEqual([1, 2]);
  });

  it('keeps a line that is not an invocation log as a log row stamped with the record’s first row time', async () => {
    const log = fixtures[0]?.log ?? {};
    const [record] = await run([ndjson(['not json at all', JSON.stringify(log), '{"hello":1}'])]);
    const rows = decodeRows(record?.data ?? '');
    expect(rows.map((r) => r['source_type'])).toEqual(['bedrock_invocation_log', 'log', 'log']);
    const logRows = rows.slice(1);
    expect(logRows.map((r) => r['message'])).toEqual(['not json at all', '{"hello":1}']);
    for (const row of logRows) {
      expect(LogRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
      expect(row['_timestamp']).toBe(rows[0]?.['_timestamp']);
      expect(row['aws_bedrock_log_source']).toBe('s3');
      expect(row).not.toHaveProperty('aws_log_group');
    }
  });

  it('drops such lines when nonBedrockLines is drop, and keeps the invocation', async () => {
    const [record] = await run([ndjson(['noise', JSON.stringify(fixtures[0]?.log)])], {
      nonBedrockLines: 'drop',
    });
    expect(decodeRows(record?.data ?? '').map((r) => r['source_type'])).toEqual(['bedrock_invocation_log']);
  });

  it('fails a record in which no line is a known shape, keeping its data for replay', async () => {
    const data = ndjson(['plain text', '{"foo":1}', '[1,2]']);
    const [record] = await run([data]);
    expect(record).toMatchObject({ result: 'ProcessingFailed', data });
  });

  it('fails a record whose other lines have no invocation to take a time from', async () => {
    const control = JSON.stringify({ messageType: 'CONTROL_MESSAGE', logEvents: [] });
    const data = ndjson([control, 'orphan line']);
    const [record] = await run([data]);
    expect(record).toMatchObject({ result: 'ProcessingFailed', data });
  });
});

describe('NDJSON of our own rows (replay of a delivery backup)', () => {
  it('passes every line through byte for byte', async () => {
    const normaliser = normaliserWith();
    const lines = fixtures
      .slice(0, 6)
      .map((f) => JSON.stringify(normaliser.invocationRow(f.log, { logSource: 'cloudwatch_logs' })));
    // A number written as 1.50 must stay 1.50: the bytes are passed, not re-serialised.
    lines.push(lines[0]?.replace(/"aws_bedrock_latency_ms":(\d+)/, '"aws_bedrock_latency_ms":$1.50') ?? '');
    const data = ndjson(lines);
    const [record] = await run([data]);
    expect(record?.result).toBe('Ok');
    expect(gunzipSync(Buffer.from(record?.data ?? '', 'base64')).toString('utf8')).toBe(
      `${lines.join('\n')}\n`,
    );
  });

  it('passes a single-row record through (one line, no newline)', async () => {
    const row = JSON.stringify(normaliserWith().invocationRow(fixtures[0]?.log ?? {}, { logSource: 's3' }));
    const [record] = await run([gzipSync(row).toString('base64')]);
    expect(gunzipSync(Buffer.from(record?.data ?? '', 'base64')).toString('utf8')).toBe(`${row}\n`);
  });
});

describe('a record mixing shapes loses no line', () => {
  it('rows, Bedrock logs, an envelope line, a broken envelope line and noise all become rows', async () => {
    const normaliser = normaliserWith();
    const [a, b, c] = fixtures;
    const row = JSON.stringify(normaliser.invocationRow(a?.log ?? {}, { logSource: 'cloudwatch_logs' }));
    const envelope = JSON.stringify(
      dataMessage([{ message: JSON.stringify(c?.log), timestamp: 1_700_000_000_000 }]),
    );
    const brokenEnvelope = '{"messageType":"DATA_MESSAGE","logEvents":"nope"}';
    const [record] = await run([ndjson([row, JSON.stringify(b?.log), envelope, brokenEnvelope, 'noise'])]);
    const rows = decodeRows(record?.data ?? '');
    expect(rows.map((r) => [r['source_type'], r['aws_request_id'], r['aws_bedrock_log_source']])).toEqual([
      ['bedrock_invocation_log', a?.log['requestId'], 'cloudwatch_logs'],
      ['bedrock_invocation_log', b?.log['requestId'], 's3'],
      ['bedrock_invocation_log', c?.log['requestId'], 'cloudwatch_logs'],
      ['log', undefined, 's3'],
      ['log', undefined, 's3'],
    ]);
    expect(rows[3]?.['message']).toBe(brokenEnvelope);
  });
});

describe('the CloudWatch envelope (subscription path)', () => {
  it('still fails a JSON object that is none of the shapes', async () => {
    const data = Buffer.from('{"foo":1}').toString('base64');
    expect((await run([data]))[0]).toMatchObject({ result: 'ProcessingFailed', data });
  });
});
