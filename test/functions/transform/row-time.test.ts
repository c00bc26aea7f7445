import { describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { metricRow } from '../../../functions/transform/metrics/metric-row.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { MAX_ROW_TIME_MS } from '../../../functions/transform/row/row-time.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';
import { decodeRows } from '../../helpers/rows.ts';

// `_timestamp` is µs in a safe integer: a log may carry a parsable time far beyond that (the fast-check
// property test found "2300", the year), which must not make a row the schema and OpenObserve refuse.
const NOW = Date.parse('2025-03-27T18:00:00Z');
const EVENT_MS = Date.parse('2025-03-27T17:22:49Z');
const log = readJson<Record<string, unknown>>(
  `${FIXTURES_DIR}/anthropic_messages/anthropic-messages-invoke.json`,
);

async function rowsOf(messages: { message: string; timestamp: number }[], normaliser = normaliserAt(NOW)) {
  const { response } = await processLogsEvent(firehoseEvent([recordData(dataMessage(messages))]), {
    normaliser,
    telemetry: silentTelemetry,
  });
  const [record] = response.records;
  return { record, rows: record?.result === 'Ok' ? decodeRows(record.data ?? '') : [] };
}

const normaliserAt = (nowMs: number, onFailure?: () => void) =>
  createNormaliser(TransformConfigSchema.parse({}), {
    nowMs: () => nowMs,
    ...(onFailure === undefined ? {} : { onFailure }),
  });

describe('invocation times a row cannot carry', () => {
  it.each(['2300', '+275760-09-13T00:00:00Z', '9999-12-31T23:59:59Z'])(
    'timestamp %s is read as unusable: the log event time, with timestamp_from_log_event',
    async (timestamp) => {
      const { rows } = await rowsOf([
        { message: JSON.stringify({ ...log, timestamp }), timestamp: EVENT_MS },
      ]);
      expect(rows).toHaveLength(1);
      expect(InvocationRowSchema.safeParse(rows[0]).error?.issues ?? []).toEqual([]);
      expect(rows[0]?.['_timestamp']).toBe(EVENT_MS * 1000);
      expect(rows[0]?.['aws_bedrock_event_time']).toBe(timestamp);
      expect(String(rows[0]?.['normaliser_warnings'])).toContain('timestamp_from_log_event');
    },
  );

  it('the last time that fits is kept as it is', async () => {
    const timestamp = new Date(MAX_ROW_TIME_MS - 999).toISOString();
    const { rows } = await rowsOf([{ message: JSON.stringify({ ...log, timestamp }), timestamp: EVENT_MS }]);
    expect(rows[0]?.['_timestamp']).toBe(Date.parse(timestamp) * 1000);
    expect(Number.isSafeInteger(rows[0]?.['_timestamp'])).toBe(true);
  });

  it('the fallback row of an invocation that failed to normalise does the same', async () => {
    let failures = 0;
    const normaliser = normaliserAt(NOW, () => failures++);
    // A getter that throws makes buildRow fail; the fallback row reads the envelope fields on its own.
    const hostile = JSON.parse(JSON.stringify({ ...log, timestamp: '2300' })) as Record<string, unknown>;
    Object.defineProperty(hostile, 'input', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    });
    const row = normaliser.invocationRow(hostile, {
      logSource: 'cloudwatch_logs',
      eventTimestampMs: EVENT_MS,
    });
    expect(failures).toBe(1);
    expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
    expect(row._timestamp).toBe(EVENT_MS * 1000);
    expect(row.normaliser_warnings).toContain('normalise_failed');
  });

  it('an envelope whose event time no row can carry fails its record (kept in S3), not the batch', async () => {
    const { record } = await rowsOf([{ message: JSON.stringify(log), timestamp: MAX_ROW_TIME_MS + 1 }]);
    expect(record?.result).toBe('ProcessingFailed');
  });

  it('a metric datapoint with such a time fails like one without a time', () => {
    const datapoint = {
      namespace: 'AWS/Bedrock',
      metric_name: 'Invocations',
      timestamp: 1e16,
      value: { sum: 1, count: 1, min: 1, max: 1 },
    };
    expect(() => metricRow(JSON.stringify(datapoint), 2)).toThrow(/line 2: timestamp/);
    expect(metricRow(JSON.stringify({ ...datapoint, timestamp: EVENT_MS }), 2)['_timestamp']).toBe(
      EVENT_MS * 1000,
    );
  });
});
