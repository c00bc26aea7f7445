import { describe, expect, it } from 'vitest';
import {
  controlMessage,
  dataMessage,
  firehoseEvent,
  recordData,
} from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema, LogRowSchema } from '../../../schemas/invocation-row.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import { decodeRows } from '../../helpers/rows.ts';

const fixtures = allFixtures();
const config = TransformConfigSchema.parse({});

function buildEvent() {
  const datas: string[] = [];
  // Prepare: every fixture as a log event, three per CloudWatch envelope, then the special records.
  for (let i = 0; i < fixtures.length; i += 3) {
    datas.push(
      recordData(
        dataMessage(
          fixtures.slice(i, i + 3).map((f) => ({
            message: JSON.stringify(f.log),
            timestamp: Date.parse(String(f.log['timestamp'])),
          })),
        ),
      ),
    );
  }
  const control = recordData(controlMessage());
  const corrupt = Buffer.from('definitely not gzip').toString('base64');
  const mixed = recordData(
    dataMessage([
      { message: 'START RequestId: 1234 Version: $LATEST', timestamp: 1_700_000_000_000 },
      { message: JSON.stringify(fixtures[0]?.log), timestamp: 1_700_000_000_001 },
    ]),
  );
  return {
    event: firehoseEvent([control, ...datas, corrupt, mixed]),
    dataRecords: datas.length,
    control,
    corrupt,
  };
}

describe('logs handler end to end: Firehose event → decoded rows', () => {
  it('answers every recordId exactly once, in order, with the right result', async () => {
    const { event, dataRecords, control, corrupt } = buildEvent();
    const { response } = await processLogsEvent(event, {
      normaliser: createNormaliser(config),
      telemetry: silentTelemetry,
    });

    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(response.records[0]).toEqual({
      recordId: event.records[0]?.recordId,
      result: 'Dropped',
      data: control,
    });
    expect(response.records.slice(1, 1 + dataRecords).every((r) => r.result === 'Ok')).toBe(true);
    expect(response.records.at(-2)).toEqual({
      recordId: event.records.at(-2)?.recordId,
      result: 'ProcessingFailed',
      data: corrupt,
    });
    expect(response.records.at(-1)?.result).toBe('Ok');
  });

  it('turns every log event into one valid row, same as normalising it alone', async () => {
    const { event, dataRecords } = buildEvent();
    const normaliser = createNormaliser(config, { nowMs: () => 1_800_000_000_000 });
    const { response } = await processLogsEvent(event, { normaliser, telemetry: silentTelemetry });

    const rows = response.records.slice(1, 1 + dataRecords).flatMap((r) => decodeRows(r.data ?? ''));
    expect(rows).toHaveLength(fixtures.length);
    rows.forEach((row, i) => {
      expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
      expect(row['aws_request_id']).toBe(fixtures[i]?.log['requestId']);
      expect(row['aws_log_group']).toBe('bedrock/model-invocations');
      const alone = normaliser.invocationRow(fixtures[i]?.log ?? {}, {
        logSource: 'cloudwatch_logs',
        logGroup: 'bedrock/model-invocations',
        logStream: 'aws/bedrock/modelinvocations',
        eventId: String(row['aws_log_event_id']),
        eventTimestampMs: Date.parse(String(fixtures[i]?.log['timestamp'])),
      });
      expect(row).toEqual(JSON.parse(JSON.stringify(alone)));
    });
  });

  it('keeps a non-Bedrock line as a log row next to the invocation row', async () => {
    const { event } = buildEvent();
    const { response } = await processLogsEvent(event, {
      normaliser: createNormaliser(config),
      telemetry: silentTelemetry,
    });
    const rows = decodeRows(response.records.at(-1)?.data ?? '');
    expect(rows).toHaveLength(2);
    expect(LogRowSchema.parse(rows[0])).toMatchObject({
      source_type: 'log',
      message: 'START RequestId: 1234 Version: $LATEST',
      _timestamp: 1_700_000_000_000_000,
    });
    expect(rows[1]?.['source_type']).toBe('bedrock_invocation_log');
  });

  it('drops non-Bedrock lines when configured, and a record left with no rows is Dropped', async () => {
    const record = recordData(dataMessage([{ message: 'just a line', timestamp: 1_700_000_000_000 }]));
    const normaliser = createNormaliser(TransformConfigSchema.parse({ nonBedrockLines: 'drop' }));
    const { response } = await processLogsEvent(firehoseEvent([record]), {
      normaliser,
      telemetry: silentTelemetry,
    });
    expect(response.records[0]).toMatchObject({ result: 'Dropped', data: record });
  });

  it('writes one gzip member of NDJSON: compact lines, newline after each, no envelope keys', async () => {
    const { event } = buildEvent();
    const { response } = await processLogsEvent(event, {
      normaliser: createNormaliser(config),
      telemetry: silentTelemetry,
    });
    const data = Buffer.from(response.records[1]?.data ?? '', 'base64');
    expect([data[0], data[1]]).toEqual([0x1f, 0x8b]);
    const { gunzipSync } = await import('node:zlib');
    const text = gunzipSync(data).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) {
      expect(line).not.toBe('');
      expect(line).not.toContain('\n');
      const row = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(row).every((key) => /^[a-z0-9_]+$/.test(key))).toBe(true);
      expect(Object.values(row).every((value) => value !== null && typeof value !== 'object')).toBe(true);
      expect('logEvents' in row && 'messageType' in row).toBe(false);
    }
  });

  it('counts what it did for the self-metrics', async () => {
    const { event, dataRecords } = buildEvent();
    const { summary } = await processLogsEvent(event, {
      normaliser: createNormaliser(config),
      telemetry: silentTelemetry,
    });
    expect(summary).toMatchObject({
      recordsIn: dataRecords + 3,
      recordsOk: dataRecords + 1,
      recordsDropped: 1,
      recordsFailed: 1,
      rows: fixtures.length + 2,
    });
    expect(summary.tokens.size).toBeGreaterThan(3);
    expect(summary.warnings.get('body_offloaded')).toBeGreaterThanOrEqual(1);
  });
});
