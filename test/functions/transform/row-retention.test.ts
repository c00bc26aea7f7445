import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import type { RowMaker } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const RECORDS = 16;
const ROW_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * The heap the handler holds while it makes the last record's row, above what it held at the first: each row
 * carries its own 4 MiB string (which gzips to almost nothing), so a handler that kept the rows of the
 * records it has finished would hold about 60 MiB more by then.
 */
async function heapGrowthAtLastRecord(keepRows: boolean): Promise<number> {
  const heapAt: number[] = [];
  let calls = 0;
  const normaliser: RowMaker = {
    config: TransformConfigSchema.parse({}),
    invocationRow: (_log, meta) => {
      calls++;
      if (calls === 1 || calls === RECORDS) {
        gc();
        heapAt.push(process.memoryUsage().heapUsed);
      }
      return {
        source_type: 'bedrock_invocation_log',
        aws_log_event_id: meta.eventId,
        payload: Buffer.alloc(ROW_PAYLOAD_BYTES, 0x61 + (calls % 26)).toString('utf8'),
      } as never;
    },
  };
  const message = JSON.stringify({ schemaType: 'ModelInvocationLog', requestId: 'r' });
  const event = firehoseEvent(
    Array.from({ length: RECORDS }, () => recordData(dataMessage([{ message, timestamp: 1 }]))),
  );
  const { response } = await processLogsEvent(event, { normaliser, telemetry: silentTelemetry, keepRows });
  expect(response.records.every((record) => record.result === 'Ok')).toBe(true);
  return (heapAt[1] ?? 0) - (heapAt[0] ?? 0);
}

describe('the logs handler holds no batch of rows', () => {
  it('lets each record’s rows go once the record is encoded', async () => {
    expect(await heapGrowthAtLastRecord(false)).toBeLessThan(16 * 1024 * 1024);
  });

  it('(the measure itself: rows kept for the CLI do show up)', async () => {
    expect(await heapGrowthAtLastRecord(true)).toBeGreaterThan(48 * 1024 * 1024);
  });
});
