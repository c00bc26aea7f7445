import { randomBytes } from 'node:crypto';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from '../../../functions/transform/firehose/reingest.ts';
import {
  putRecordBatchWith,
  REINGEST_CLIENT_CONFIG,
  reingestClient,
} from '../../../functions/transform/firehose/reingest-client.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import type { RowMaker } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';

// The re-ingest path through the real FirehoseClient and PutRecordBatchCommand, answered by
// aws-sdk-client-mock: what the Lambda sends, how it reads partial failures, and how it fails.
const firehose = mockClient(FirehoseClient);
afterEach(() => firehose.reset());

const config = TransformConfigSchema.parse({});
// Rows far larger than their input, so a small event overflows the 6 MB response and must be re-ingested.
const bloating: RowMaker = {
  config,
  invocationRow: (_log, meta) =>
    ({
      source_type: 'test',
      id: meta.eventId,
      blob: randomBytes(300_000).toString('base64'),
    }) as never,
};

/** `count` records of about `recordBytes` each (random, so gzip cannot shrink them). */
function overflowingEvent(count: number, recordBytes: number) {
  const message = JSON.stringify({ schemaType: 'ModelInvocationLog', requestId: 'r' });
  const datas = Array.from({ length: count }, (_, i) =>
    recordData(
      dataMessage([{ message, timestamp: 1 }], {
        logStream: `s-${i}-${randomBytes(recordBytes).toString('base64')}`,
      }),
    ),
  );
  return firehoseEvent(datas, { streamName: 'bedrock-o2-logs' });
}

async function run(event: ReturnType<typeof firehoseEvent>, remainingTimeMs = () => 60_000) {
  const put = await putRecordBatchWith(new FirehoseClient({ region: 'us-east-1' }));
  return processLogsEvent(event, {
    normaliser: bloating,
    telemetry: silentTelemetry,
    reingest: { put, options: { remainingTimeMs, sleep: async () => undefined } },
  });
}

const acceptAll = (input: { Records?: unknown[] }) => ({
  FailedPutCount: 0,
  RequestResponses: (input.Records ?? []).map(() => ({ RecordId: 'ok' })),
});

describe('re-ingest through the Firehose client', () => {
  it('configures the SDK’s retries and timeouts instead of retrying calls itself', async () => {
    const client = await reingestClient();
    expect(await client.config.maxAttempts()).toBe(REINGEST_CLIENT_CONFIG.maxAttempts);
    const retryMode = client.config.retryMode;
    expect(typeof retryMode === 'function' ? await retryMode() : retryMode).toBe('standard');
    expect(REINGEST_CLIENT_CONFIG.requestHandler.requestTimeout).toBeGreaterThan(0);
    expect(REINGEST_CLIENT_CONFIG.requestHandler.connectionTimeout).toBeGreaterThan(0);
  });

  it('sends the original record data to the stream, in chunks of ≤ 500 records and ≤ 4 MiB', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(acceptAll);
    const event = overflowingEvent(30, 150_000);
    const { response, summary } = await run(event);
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) {
      const records = call.args[0].input.Records ?? [];
      expect(call.args[0].input.DeliveryStreamName).toBe('bedrock-o2-logs');
      expect(records.length).toBeLessThanOrEqual(MAX_BATCH_RECORDS);
      expect(records.reduce((n, r) => n + (r.Data?.length ?? 0), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    const sent = calls.flatMap((call) =>
      (call.args[0].input.Records ?? []).map((r) => Buffer.from(r.Data ?? []).toString('base64')),
    );
    const dropped = response.records.filter((r) => r.result === 'Dropped');
    expect(sent).toEqual(dropped.map((r) => r.data));
    expect(summary.recordsReingested).toBe(dropped.length);
  });

  it('puts again only the entries a 200 answer reported failed', async () => {
    let call = 0;
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records?: unknown[] }) => {
      call++;
      const records = input.Records ?? [];
      return call === 1
        ? {
            FailedPutCount: 1,
            RequestResponses: records.map((_, i) =>
              i === 0
                ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' }
                : { RecordId: 'ok' },
            ),
          }
        : acceptAll(input);
    });
    const { response } = await run(overflowingEvent(20, 50_000));
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).toHaveLength(2);
    const first = calls[0]?.args[0].input.Records ?? [];
    expect(calls[1]?.args[0].input.Records).toEqual([first[0]]);
    expect(response.records.some((r) => r.result === 'ProcessingFailed')).toBe(false);
  });

  it('marks a chunk ProcessingFailed (original data) when the call throws', async () => {
    firehose.on(PutRecordBatchCommand).rejects(new Error('ResourceNotFoundException'));
    const event = overflowingEvent(20, 50_000);
    const { response } = await run(event);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);
    const failed = response.records.filter((r) => r.result === 'ProcessingFailed');
    expect(failed.length).toBeGreaterThan(0);
    for (const record of failed)
      expect(record.data).toBe(event.records.find((r) => r.recordId === record.recordId)?.data);
  });

  it('sends nothing and answers ProcessingFailed when the invocation’s time is spent', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(acceptAll);
    const { response } = await run(overflowingEvent(20, 50_000), () => 1_000);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
    expect(response.records.some((r) => r.result === 'ProcessingFailed')).toBe(true);
    expect(response.records.some((r) => r.result === 'Dropped')).toBe(false);
  });
});
