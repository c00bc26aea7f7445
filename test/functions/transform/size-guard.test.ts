import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import {
  chunkForBatch,
  MAX_BATCH_BYTES,
  type PutRecordBatch,
  reingestRecords,
} from '../../../functions/transform/firehose/reingest.ts';
import { RESPONSE_LIMIT_BYTES, selectOverflow } from '../../../functions/transform/firehose/size-guard.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import type { RowMaker } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';

const noSleep = { sleep: async () => undefined };

describe('selectOverflow', () => {
  it('moves Ok records in input order until the response fits, skipping ones that would not shrink it', () => {
    const records = [
      { recordId: 'a', okDataLength: 3_000_000, originalDataLength: 1_000_000 },
      { recordId: 'b', okDataLength: undefined, originalDataLength: 500_000 },
      { recordId: 'c', okDataLength: 100, originalDataLength: 200 },
      { recordId: 'd', okDataLength: 3_000_000, originalDataLength: 1_000_000 },
      { recordId: 'e', okDataLength: 3_000_000, originalDataLength: 1_000_000 },
    ];
    expect(selectOverflow(records, 6_000_000)).toEqual([0, 3]);
    expect(selectOverflow(records.slice(1, 3), 6_000_000)).toEqual([]);
  });
});

describe('chunkForBatch', () => {
  it('respects 500 records and 4 MiB per call, and leaves out records over 1,000 KiB', () => {
    const small = Array.from({ length: 1200 }, () => new Uint8Array(10));
    expect(chunkForBatch(small).map((c) => c.length)).toEqual([500, 500, 200]);
    const big = Array.from({ length: 10 }, () => new Uint8Array(900 * 1024));
    const chunks = chunkForBatch(big);
    for (const chunk of chunks) expect(chunk.length * 900 * 1024).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(chunks.flat()).toHaveLength(10);
    expect(chunkForBatch([new Uint8Array(1001 * 1024)])).toEqual([]);
  });
});

describe('reingestRecords', () => {
  it('retries only failed entries and reports per-record acceptance', async () => {
    const calls: number[][] = [];
    const put: PutRecordBatch = async (_stream, records) => {
      calls.push(records.map((r) => r[0] ?? -1));
      // First call: the second entry fails; afterwards everything succeeds.
      return calls.length === 1
        ? {
            FailedPutCount: 1,
            RequestResponses: records.map((_, i) =>
              i === 1 ? { ErrorCode: 'ServiceUnavailableException' } : {},
            ),
          }
        : { FailedPutCount: 0, RequestResponses: records.map(() => ({})) };
    };
    const records = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    expect(await reingestRecords(put, 's', records, noSleep)).toEqual([true, true, true]);
    expect(calls).toEqual([[1, 2, 3], [2]]);
  });

  it('gives up on entries still failing after the last attempt', async () => {
    const put = vi.fn<PutRecordBatch>(async (_stream, records) => ({
      FailedPutCount: records.length,
      RequestResponses: records.map(() => ({ ErrorCode: 'ServiceUnavailableException' })),
    }));
    expect(await reingestRecords(put, 's', [Uint8Array.of(1)], { ...noSleep, maxEntryAttempts: 3 })).toEqual([
      false,
    ]);
    expect(put).toHaveBeenCalledTimes(3);
  });

  it('does not retry a call that threw (the SDK client already retried it); the next chunk is still put', async () => {
    const records = Array.from({ length: 501 }, (_, i) => Uint8Array.of(i % 256));
    let call = 0;
    const put = vi.fn<PutRecordBatch>(async (_stream, batch) => {
      if (call++ === 0) throw new Error('ThrottlingException after the client’s own retries');
      return { FailedPutCount: 0, RequestResponses: batch.map(() => ({})) };
    });
    const accepted = await reingestRecords(put, 's', records, noSleep);
    expect(put).toHaveBeenCalledTimes(2);
    expect(accepted.filter(Boolean)).toHaveLength(1);
    expect(accepted[500]).toBe(true);
  });

  it('puts nothing when the invocation has no time left beyond the safety margin', async () => {
    const put = vi.fn<PutRecordBatch>();
    const accepted = await reingestRecords(put, 's', [Uint8Array.of(1)], {
      ...noSleep,
      remainingTimeMs: () => 2_500,
      safetyMarginMs: 3_000,
    });
    expect(accepted).toEqual([false]);
    expect(put).not.toHaveBeenCalled();
  });

  it('stops between chunks when time runs out, and bounds each call by the time left', async () => {
    let remaining = 20_000;
    const signals: (AbortSignal | undefined)[] = [];
    const put = vi.fn<PutRecordBatch>(async (_stream, batch, signal) => {
      signals.push(signal);
      remaining -= 18_000; // the first call takes most of what is left
      return { FailedPutCount: 0, RequestResponses: batch.map(() => ({})) };
    });
    const records = Array.from({ length: 600 }, () => Uint8Array.of(1));
    const accepted = await reingestRecords(put, 's', records, {
      ...noSleep,
      remainingTimeMs: () => remaining,
      safetyMarginMs: 3_000,
    });
    expect(put).toHaveBeenCalledTimes(1);
    expect(accepted.filter(Boolean)).toHaveLength(500);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
  });

  it('aborts a call still in flight when the budget ends', async () => {
    const put: PutRecordBatch = (_stream, _batch, signal) =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    const started = Date.now();
    const accepted = await reingestRecords(put, 's', [Uint8Array.of(1)], {
      ...noSleep,
      remainingTimeMs: () => 3_050 - (Date.now() - started),
      safetyMarginMs: 3_000,
    });
    expect(accepted).toEqual([false]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('the logs handler keeps its response under 6 MB', () => {
  // A normaliser whose rows are far larger than their input and barely compress (as random text does), so
  // a small event produces an oversized response; the guard is what is under test, not normalisation.
  const config = TransformConfigSchema.parse({});
  const noise = (length: number): string => randomBytes((length * 3) / 4).toString('base64');
  const bloating: RowMaker = {
    config,
    invocationRow: (_log, meta) =>
      ({ source_type: 'test', aws_log_event_id: meta.eventId, blob: noise(150_000) }) as never,
  };
  const message = JSON.stringify({ schemaType: 'ModelInvocationLog', requestId: 'r' });
  const datas = Array.from({ length: 12 }, () =>
    recordData(dataMessage(Array.from({ length: 6 }, () => ({ message, timestamp: 1 })))),
  );
  const event = firehoseEvent(datas, { streamName: 'bedrock-o2-logs' });

  it('re-ingests overflow records as their original data and marks them Dropped', async () => {
    const put = vi.fn<PutRecordBatch>(async (_stream, records) => ({
      FailedPutCount: 0,
      RequestResponses: records.map(() => ({})),
    }));
    const { response, summary } = await processLogsEvent(event, {
      normaliser: bloating,
      telemetry: silentTelemetry,
      reingest: { put },
    });

    expect(JSON.stringify(response).length).toBeLessThan(RESPONSE_LIMIT_BYTES);
    expect(response.records.filter((r) => r.result === 'Ok').length).toBeGreaterThan(0);
    const dropped = response.records.filter((r) => r.result === 'Dropped');
    expect(dropped.length).toBeGreaterThan(0);
    expect(summary.recordsReingested).toBe(dropped.length);
    expect(put.mock.calls[0]?.[0]).toBe('bedrock-o2-logs');
    const putRecords = put.mock.calls.flatMap((call) => call[1]);
    expect(putRecords.map((r) => Buffer.from(r).toString('base64'))).toEqual(dropped.map((r) => r.data));
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
  });

  it('marks overflow ProcessingFailed (original data) when Firehose will not take it back', async () => {
    const put: PutRecordBatch = async (_stream, records) => ({
      FailedPutCount: records.length,
      RequestResponses: records.map(() => ({ ErrorCode: 'ServiceUnavailableException' })),
    });
    const { response } = await processLogsEvent(event, {
      normaliser: bloating,
      telemetry: silentTelemetry,
      reingest: { put, options: { ...noSleep, maxEntryAttempts: 2 } },
    });
    const failed = response.records.filter((r) => r.result === 'ProcessingFailed');
    expect(failed.length).toBeGreaterThan(0);
    for (const record of failed)
      expect(record.data).toBe(datas[event.records.findIndex((r) => r.recordId === record.recordId)]);
    expect(JSON.stringify(response).length).toBeLessThan(RESPONSE_LIMIT_BYTES);
  });
});
