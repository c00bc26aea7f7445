import { afterEach, describe, expect, it, vi } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { stderrTelemetry } from '../../../functions/cli/transform.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { anthropicMessages } from '../../../functions/transform/providers/anthropic-messages.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { captureIo } from '../../helpers/cli.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';
import { decodeRows } from '../../helpers/rows.ts';

// An unexpected exception while normalising one invocation costs that invocation's details only: it becomes
// a row with the envelope fields and warning normalise_failed; its neighbours in the record are untouched.
const config = TransformConfigSchema.parse({});
const SECRET = 'the prompt said: my password is hunter2';
const anthropic = readJson<Record<string, unknown>>(
  `${FIXTURES_DIR}/anthropic_messages/anthropic-messages-invoke.json`,
);
const nova = readJson<Record<string, unknown>>(`${FIXTURES_DIR}/nova/synthetic-nova-invoke.json`);

async function runOneRecord(normaliser: ReturnType<typeof createNormaliser>) {
  const data = recordData(
    dataMessage([
      { message: JSON.stringify(anthropic), timestamp: 1_743_096_168_000 },
      { message: JSON.stringify(nova), timestamp: 1_743_096_168_000 },
    ]),
  );
  const { response } = await processLogsEvent(firehoseEvent([data]), {
    normaliser,
    telemetry: silentTelemetry,
  });
  const [record] = response.records;
  expect(record?.result).toBe('Ok');
  return decodeRows(record?.data ?? '');
}

function expectFallbackRow(row: Record<string, unknown> | undefined, log: Record<string, unknown>) {
  expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
  expect(row).toMatchObject({
    aws_request_id: log['requestId'],
    gen_ai_request_model: log['modelId'],
    cloud_region: log['region'],
    cloud_account_id: log['accountId'],
    aws_bedrock_operation: log['operation'],
    aws_bedrock_event_time: log['timestamp'],
    aws_bedrock_cost_status: 'unpriced',
    aws_bedrock_content_mode: 'none',
    aws_bedrock_log_source: 'cloudwatch_logs',
    normaliser_warnings: '["normalise_failed"]',
  });
  expect(JSON.stringify(row)).not.toContain('hunter2');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('an invocation whose normalisation throws', () => {
  it('a throwing provider costs one row its details, not the record', async () => {
    vi.spyOn(anthropicMessages, 'accepts').mockImplementation(() => {
      throw new TypeError(SECRET);
    });
    const failures: unknown[] = [];
    const rows = await runOneRecord(createNormaliser(config, { onFailure: (error) => failures.push(error) }));
    expect(rows).toHaveLength(2);
    expectFallbackRow(rows[0], anthropic);
    expect(rows[1]?.['normaliser']).toBe('nova');
    expect(rows[1]?.['normaliser_warnings'] ?? '').not.toContain('normalise_failed');
    expect(failures).toHaveLength(1);
  });

  it('a throwing price function costs one row its details, not the record', async () => {
    let calls = 0;
    const rows = await runOneRecord(
      createNormaliser(config, {
        price: () => {
          if (calls++ === 0) throw new RangeError(SECRET);
          return { status: 'unpriced', warnings: ['price_missing'] } as never;
        },
      }),
    );
    expect(rows).toHaveLength(2);
    expectFallbackRow(rows[0], anthropic);
    expect(rows[1]?.['normaliser']).toBe('nova');
  });

  it('an envelope that throws on read still gives a valid row', () => {
    const hostile = { ...anthropic };
    Object.defineProperty(hostile, 'requestId', {
      get() {
        throw new Error(SECRET);
      },
      enumerable: true,
    });
    const row = createNormaliser(config).invocationRow(hostile, { eventTimestampMs: 1_743_096_168_000 });
    expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
    expect(row.aws_request_id).toBeUndefined();
    expect(row.normaliser_warnings).toBe('["normalise_failed"]');
  });

  it('what is reported names the error type and frames, never its message', () => {
    const { io, stderr } = captureIo();
    stderrTelemetry(io).normaliseFailed(new TypeError(SECRET));
    expect(stderr()).toMatch(/^an invocation could not be normalised \(TypeError\); written with envelope/);
    expect(stderr()).not.toContain('hunter2');
  });
});
