import { afterEach, describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import { rowsOfResponse } from '../../helpers/rows.ts';
import {
  bedrockObject,
  eventBridgeBody,
  HOUR_PREFIX,
  s3SourceHarness,
  sqsEvent,
} from '../../helpers/s3-source.ts';

// Every fixture written as Bedrock writes an S3 object → the S3 source (S3 and Firehose fakes) → the records
// it puts → the transformation handler → the same rows as the CloudWatch Logs path makes for the same logs,
// but for the fields documented to differ.
const fixtures = allFixtures();
const logs = fixtures.map((f) => f.log);
const normaliser = createNormaliser(TransformConfigSchema.parse({}), { nowMs: () => 1_800_000_000_000 });
const DIFFERENT = ['aws_log_group', 'aws_log_stream', 'aws_log_event_id', 'aws_bedrock_log_source'];
const without = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).filter(([key]) => !DIFFERENT.includes(key)));

let harness: ReturnType<typeof s3SourceHarness> | undefined;
afterEach(() => harness?.restore());

describe('S3 source → logs stream → transform, end to end', () => {
  it('gives the rows of the CloudWatch path for the same logs', async () => {
    const key = `${HOUR_PREFIX}/20260327T170102Z_0123abcd.json.gz`;
    harness = s3SourceHarness(new Map([[key, bedrockObject(logs)]]));
    const answer = await harness.run(sqsEvent([eventBridgeBody(key)]));
    expect(answer.batchItemFailures).toEqual([]);

    const putRecords = harness.puts.flatMap((call) => call.Records ?? []);
    const s3Event = firehoseEvent(putRecords.map((r) => Buffer.from(r.Data ?? []).toString('base64')));
    const s3Result = await processLogsEvent(s3Event, { normaliser, telemetry: silentTelemetry });
    expect(s3Result.response.records.every((r) => r.result === 'Ok')).toBe(true);
    const s3Rows = rowsOfResponse(s3Result.response);

    const cwEvent = firehoseEvent([
      recordData(
        dataMessage(
          logs.map((log) => ({
            message: JSON.stringify(log),
            timestamp: Date.parse(String(log['timestamp'])),
          })),
        ),
      ),
    ]);
    const cwRows = rowsOfResponse(
      (await processLogsEvent(cwEvent, { normaliser, telemetry: silentTelemetry })).response,
    );

    expect(s3Rows).toHaveLength(logs.length);
    expect(s3Rows.map((r) => r['aws_request_id'])).toEqual(logs.map((l) => l['requestId']));
    for (const row of s3Rows) {
      expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
      expect(row['aws_bedrock_log_source']).toBe('s3');
      for (const key of ['aws_log_group', 'aws_log_stream', 'aws_log_event_id'])
        expect(row).not.toHaveProperty(key);
    }
    expect(cwRows.every((r) => r['aws_bedrock_log_source'] === 'cloudwatch_logs')).toBe(true);
    expect(s3Rows.map(without)).toEqual(cwRows.map(without));
  });
});
