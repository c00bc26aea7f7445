import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { allowedDataObject, getObjectWith } from '../../../functions/s3-source/offloaded-body.ts';
import {
  createHydrator,
  type HydrationReport,
  hydrationBudgetMs,
  hydrationLimits,
} from '../../../functions/transform/logs/hydrate.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import {
  type HydrationLocation,
  HydrationSettingsSchema,
  TransformConfigSchema,
} from '../../../schemas/transform-config.ts';
import { allFixtures, type Fixture } from '../../helpers/fixtures.ts';
import { rowsOfResponse } from '../../helpers/rows.ts';

const BUCKET = 'acme-bedrock-logs';
const LARGE_DATA_BUCKET = 'acme-bedrock-large-data';
const LOCATIONS: HydrationLocation[] = [
  { bucketName: BUCKET, prefix: 'team/', accountId: '123456789012', region: 'us-east-1', logSources: ['s3'] },
  {
    bucketName: LARGE_DATA_BUCKET,
    prefix: '',
    accountId: '123456789012',
    region: 'us-east-1',
    logSources: ['cloudwatch_logs'],
  },
];
const SETTINGS = HydrationSettingsSchema.parse({ locations: LOCATIONS });
const config = TransformConfigSchema.parse({ hydrateLargeBodies: SETTINGS });
const NOW = 1_800_000_000_000;
/** Fields a hydrated row has beyond the row of the same log with its bodies inline. */
const HYDRATION_FIELDS = [
  'aws_bedrock_input_s3_path',
  'aws_bedrock_output_s3_path',
  'aws_bedrock_input_hydrated',
  'aws_bedrock_output_hydrated',
];

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

/** Objects in the fake S3, by bucket and key; every GetObject of anything else is NoSuchKey. */
function fakeS3(objects: Map<string, Buffer>): void {
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const bytes = objects.get(`${input.Bucket}/${input.Key}`);
    if (bytes === undefined)
      throw Object.assign(new Error('The specified key does not exist.'), {
        name: 'NoSuchKey',
        $metadata: { httpStatusCode: 404 },
      });
    return { Body: Readable.from([bytes]) };
  });
}

function dataKey(prefix: string, requestId: string, side: 'input' | 'output'): string {
  return `${prefix}AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/27/17/data/${requestId}_${side}.json.gz`;
}

/**
 * A fixture as Bedrock logs it when both bodies were offloaded: bodies replaced by S3 paths (null body, as
 * one operator saw), the bodies as gzip JSON objects in the fake S3.
 */
function offload(
  log: Record<string, unknown>,
  bucket: string,
  prefix: string,
  objects: Map<string, Buffer>,
): Record<string, unknown> {
  const requestId = String(log['requestId']);
  const input = { ...(log['input'] as Record<string, unknown>) };
  const output = { ...(log['output'] as Record<string, unknown>) };
  if (input['inputBodyJson'] !== undefined) {
    const key = dataKey(prefix, requestId, 'input');
    objects.set(`${bucket}/${key}`, gzipSync(JSON.stringify(input['inputBodyJson'])));
    input['inputBodyJson'] = null;
    input['inputBodyS3Path'] = `s3://${bucket}/${key}`;
  }
  if (output['outputBodyJson'] !== undefined) {
    const key = dataKey(prefix, requestId, 'output');
    objects.set(`${bucket}/${key}`, gzipSync(JSON.stringify(output['outputBodyJson'])));
    delete output['outputBodyJson'];
    output['outputBodyS3Path'] = `s3://${bucket}/${key}`;
  }
  return { ...log, input, output };
}

function withoutHydrationFields(row: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...row };
  for (const field of HYDRATION_FIELDS) delete copy[field];
  return copy;
}

/** Fixtures with both bodies inline (the one already offloaded is its own case). */
const inlineFixtures = allFixtures().filter(
  (f: Fixture) =>
    !JSON.stringify(f.log).includes('BodyS3Path') &&
    (f.log['input'] as Record<string, unknown> | undefined)?.['inputBodyJson'] !== undefined,
);

function hydrator(
  options: {
    reports?: HydrationReport[];
    memoryMiB?: number;
    settings?: typeof SETTINGS;
    sleeps?: number[];
  } = {},
) {
  return createHydrator(options.settings ?? SETTINGS, {
    getObject: getObjectWith(new S3Client({ region: 'us-east-1' })),
    memoryMiB: options.memoryMiB,
    report: (report) => options.reports?.push(report),
    sleep: async (ms) => {
      options.sleeps?.push(ms);
    },
  });
}

async function run(
  datas: readonly string[],
  hydrate: ReturnType<typeof createHydrator> | undefined,
  remainingMs = 120_000,
) {
  const normaliser = createNormaliser(config, { nowMs: () => NOW });
  const { response } = await processLogsEvent(firehoseEvent(datas), {
    normaliser,
    telemetry: silentTelemetry,
    hydrate: hydrate && ((records, maker) => hydrate(records, maker, () => remainingMs)),
  });
  return { response, rows: rowsOfResponse(response), normaliser };
}

const s3Record = (logs: readonly object[]) =>
  gzipSync(logs.map((log) => `${JSON.stringify(log)}\n`).join('')).toString('base64');
const cloudWatchRecord = (logs: readonly Record<string, unknown>[]) =>
  recordData(
    dataMessage(
      logs.map((log) => ({ message: JSON.stringify(log), timestamp: Date.parse(String(log['timestamp'])) })),
    ),
  );

describe('hydrateLargeBodies: offloaded bodies read back into the row', () => {
  it('has fixtures to work on', () => {
    expect(inlineFixtures.length).toBeGreaterThan(20);
  });

  it('S3 shape: every fixture with both bodies offloaded makes the row of the same log inline', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const offloaded = inlineFixtures.map((f) => offload(f.log, BUCKET, 'team/', objects));
    const reports: HydrationReport[] = [];
    const { response, rows, normaliser } = await run([s3Record(offloaded)], hydrator({ reports }));

    expect(response.records[0]?.result).toBe('Ok');
    expect(rows).toHaveLength(inlineFixtures.length);
    rows.forEach((row, i) => {
      const log = offloaded[i] as Record<string, unknown>;
      const inline = JSON.parse(
        JSON.stringify(normaliser.invocationRow(inlineFixtures[i]?.log ?? {}, { logSource: 's3' })),
      );
      expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
      expect(withoutHydrationFields(row)).toEqual(withoutHydrationFields(inline));
      expect(row['aws_bedrock_input_s3_path']).toBe(
        (log['input'] as Record<string, unknown>)['inputBodyS3Path'],
      );
      expect(row['aws_bedrock_input_hydrated']).toBe(true);
      expect(row['aws_bedrock_output_hydrated']).toBe(
        (log['output'] as Record<string, unknown>)['outputBodyS3Path'] === undefined ? undefined : true,
      );
      expect(String(row['normaliser_warnings'] ?? '')).not.toContain('body_offloaded');
    });
    expect(reports).toEqual([
      expect.objectContaining({ requested: objects.size, hydrated: objects.size, notHydrated: {} }),
    ]);
  });

  it('CloudWatch shape: input and output bodies from the large-data bucket, stream chunk arrays included', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const stream = inlineFixtures.find((f) => f.name === 'anthropic-messages-stream') as Fixture;
    expect(Array.isArray((stream.log['output'] as Record<string, unknown>)['outputBodyJson'])).toBe(true);
    const picked = [stream, ...inlineFixtures.filter((f) => f.normaliser === 'converse')];
    const offloaded = picked.map((f) => offload(f.log, LARGE_DATA_BUCKET, '', objects));
    const { rows, normaliser } = await run([cloudWatchRecord(offloaded)], hydrator());

    expect(rows).toHaveLength(picked.length);
    rows.forEach((row, i) => {
      const inline = JSON.parse(
        JSON.stringify(
          normaliser.invocationRow(picked[i]?.log ?? {}, {
            logSource: 'cloudwatch_logs',
            logGroup: String(row['aws_log_group']),
            logStream: String(row['aws_log_stream']),
            eventId: String(row['aws_log_event_id']),
            eventTimestampMs: Date.parse(String(picked[i]?.log['timestamp'])),
          }),
        ),
      );
      expect(withoutHydrationFields(row)).toEqual(withoutHydrationFields(inline));
      expect(row).toMatchObject({ aws_bedrock_input_hydrated: true, aws_bedrock_output_hydrated: true });
    });
    // The stream's output came back as the chunk array: its assembled text and latency are in the row.
    expect(rows[0]?.['gen_ai_output_messages']).toBeTypeOf('string');
    expect(rows[0]?.['aws_bedrock_first_byte_latency_ms']).toBeTypeOf('number');
  });

  it('a missing object (not there yet) is looked for again, then the row keeps body_offloaded; the record is Ok', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    objects.clear();
    const reports: HydrationReport[] = [];
    const sleeps: number[] = [];
    const { response, rows } = await run([s3Record([log])], hydrator({ reports, sleeps }));

    expect(response.records[0]?.result).toBe('Ok');
    expect(rows[0]?.['normaliser_warnings']).toContain('body_offloaded');
    expect(rows[0]?.['aws_bedrock_input_hydrated']).toBeUndefined();
    expect(rows[0]?.['aws_bedrock_input_s3_path']).toBeDefined();
    // Two bodies, each tried three times (two short waits between).
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(6);
    expect(sleeps.sort()).toEqual([1_000, 1_000, 3_000, 3_000]);
    expect(reports[0]).toMatchObject({ requested: 2, hydrated: 0, notHydrated: { not_found: 2 } });
  });

  it('an S3 error costs only the hydration, and one body can be hydrated while the other is not', async () => {
    const objects = new Map<string, Buffer>();
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      if (input.Key.endsWith('_output.json.gz'))
        throw Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      return { Body: Readable.from([objects.get(`${input.Bucket}/${input.Key}`) as Buffer]) };
    });
    const reports: HydrationReport[] = [];
    const { response, rows } = await run([s3Record([log])], hydrator({ reports }));

    expect(response.records[0]?.result).toBe('Ok');
    expect(rows[0]).toMatchObject({ aws_bedrock_input_hydrated: true });
    expect(rows[0]?.['aws_bedrock_output_hydrated']).toBeUndefined();
    expect(rows[0]?.['normaliser_warnings']).toContain('body_offloaded');
    expect(rows[0]?.['gen_ai_input_messages']).toBeTypeOf('string');
    expect(reports[0]?.notHydrated).toEqual({ s3_error: 1 });
  });

  it('a log naming its input body as its output too gets it on the input side only (a body is one side’s)', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    const input = log['input'] as Record<string, unknown>;
    log['output'] = { outputBodyS3Path: input['inputBodyS3Path'] };
    const reports: HydrationReport[] = [];
    const { response, rows } = await run([s3Record([log])], hydrator({ reports }));

    expect(response.records[0]?.result).toBe('Ok');
    expect(rows[0]).toMatchObject({ aws_bedrock_input_hydrated: true });
    expect(rows[0]?.['aws_bedrock_output_hydrated']).toBeUndefined();
    expect(rows[0]?.['gen_ai_output_messages']).toBeUndefined();
    expect(rows[0]?.['normaliser_warnings']).toContain('body_offloaded');
    expect(reports[0]).toMatchObject({ requested: 2, hydrated: 1, notHydrated: { not_allowed: 1 } });
  });

  it('a slow S3 is abandoned at the time budget: rows without hydration, the batch answered in time', async () => {
    const objects = new Map<string, Buffer>();
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    s3.on(GetObjectCommand).callsFake(() => new Promise(() => undefined)); // never answers
    const reports: HydrationReport[] = [];
    const started = Date.now();
    // 15.2 s left: hydration may use 200 ms of it.
    const { response, rows } = await run([s3Record([log])], hydrator({ reports }), 15_200);

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(response.records[0]?.result).toBe('Ok');
    expect(rows[0]?.['normaliser_warnings']).toContain('body_offloaded');
    expect(reports[0]?.notHydrated).toEqual({ time_budget: 2 });
  });

  it('with no time to spare, nothing is requested', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    const { rows } = await run([s3Record([log])], hydrator(), 10_000);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(rows[0]?.['normaliser_warnings']).toContain('body_offloaded');
  });

  it('a gzip bomb stops at the per-object bound; the batch bound stops the rest', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    const inputKey = String((log['input'] as Record<string, unknown>)['inputBodyS3Path']).slice(
      `s3://${BUCKET}/`.length,
    );
    // 40 MiB of JSON in ~40 KiB of gzip.
    objects.set(
      `${BUCKET}/${inputKey}`,
      gzipSync(
        Buffer.concat([Buffer.from('{"a":"'), Buffer.alloc(40 * 1024 * 1024, 0x61), Buffer.from('"}')]),
      ),
    );
    const reports: HydrationReport[] = [];
    const { response, rows } = await run([s3Record([log])], hydrator({ reports, memoryMiB: 128 }));

    expect(response.records[0]?.result).toBe('Ok');
    expect(rows[0]?.['aws_bedrock_input_hydrated']).toBeUndefined();
    expect(rows[0]?.['aws_bedrock_output_hydrated']).toBe(true);
    expect(reports[0]?.notHydrated).toEqual({ too_large: 1 });
    // 128 MiB: 8 MiB per object.
    expect(reports[0]?.bytes).toBeLessThan(8 * 1024 * 1024);
  });

  it('the batch bound: bodies past 1/6 of the memory are left out', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const big = (n: number) => ({ pad: 'x'.repeat(7 * 1024 * 1024), n });
    const logs = inlineFixtures.slice(0, 4).map((f, n) => {
      const offloaded = offload(
        { ...f.log, input: { ...(f.log['input'] as object), inputBodyJson: big(n) } },
        BUCKET,
        'team/',
        objects,
      );
      return { ...offloaded, output: f.log['output'] };
    });
    const reports: HydrationReport[] = [];
    const { rows } = await run([s3Record(logs)], hydrator({ reports, memoryMiB: 128 }));

    const hydrated = rows.filter((row) => row['aws_bedrock_input_hydrated'] === true);
    expect(hydrated).toHaveLength(3); // 3 × 7 MiB fit in 128/6 MiB, the fourth does not
    expect(reports[0]).toMatchObject({ requested: 4, hydrated: 3, notHydrated: { batch_budget: 1 } });
    expect(reports[0]?.bytes).toBeLessThanOrEqual(Math.floor((128 * 1024 * 1024) / 6));
  });

  it('never requests a path outside the allow-list, another request’s body, or another source’s bucket', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const base = inlineFixtures[0]?.log ?? {};
    const requestId = String(base['requestId']);
    const paths = [
      `s3://evil-bucket/team/${dataKey('', requestId, 'input').slice(0)}`,
      `s3://${BUCKET}/${dataKey('other/', requestId, 'input')}`,
      `s3://${BUCKET}/${dataKey('team/', '00000000-0000-0000-0000-000000000000', 'input')}`,
      `s3://${BUCKET}/${dataKey('team/', requestId, 'output')}`,
      `s3://${BUCKET}/${dataKey('team/', requestId, 'input').replace('123456789012', '999999999999')}`,
      `s3://${BUCKET}/${dataKey('team/', requestId, 'input').replace('/data/', '/data/../../')}`,
      `s3://${BUCKET}/team/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/27/17/20260327T170000Z_abc.json.gz`,
      `https://${BUCKET}.s3.amazonaws.com/${dataKey('team/', requestId, 'input')}`,
    ];
    const logs = paths.map((path) => ({
      ...base,
      input: { ...(base['input'] as object), inputBodyJson: null, inputBodyS3Path: path },
    }));
    // The large-data bucket serves CloudWatch logs only: an S3-shape log naming it is not read.
    logs.push({
      ...base,
      input: {
        ...(base['input'] as object),
        inputBodyJson: null,
        inputBodyS3Path: `s3://${LARGE_DATA_BUCKET}/${dataKey('', requestId, 'input')}`,
      },
    });
    const reports: HydrationReport[] = [];
    const { rows } = await run([s3Record(logs)], hydrator({ reports }));

    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(rows).toHaveLength(logs.length);
    for (const row of rows) expect(row['normaliser_warnings']).toContain('body_offloaded');
    expect(reports[0]).toMatchObject({
      requested: logs.length,
      hydrated: 0,
      notHydrated: { not_allowed: logs.length },
    });
  });

  it('a batch without offloaded bodies makes no S3 call and keeps the row maker as it is', async () => {
    fakeS3(new Map());
    const normaliser = createNormaliser(config);
    const hydrate = hydrator();
    const event = firehoseEvent([s3Record(inlineFixtures.map((f) => f.log))]);
    const records = event.records.map((r) => ({ recordId: r.recordId, data: r.data }));
    expect(await hydrate(records as never, normaliser, () => 60_000)).toBe(normaliser);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('hydration off (no hook): offloaded logs make no S3 call and keep body_offloaded', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    const { rows } = await run([s3Record([log]), cloudWatchRecord([log])], undefined);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    for (const row of rows) {
      expect(row['normaliser_warnings']).toContain('body_offloaded');
      expect(row['aws_bedrock_input_hydrated']).toBeUndefined();
    }
  });

  it('a corrupt object (not gzip, not JSON) leaves the row without hydration', async () => {
    const objects = new Map<string, Buffer>();
    fakeS3(objects);
    const log = offload(inlineFixtures[0]?.log ?? {}, BUCKET, 'team/', objects);
    for (const key of objects.keys())
      objects.set(key, key.endsWith('_input.json.gz') ? Buffer.from('not gzip') : gzipSync('not json'));
    const reports: HydrationReport[] = [];
    const { response, rows } = await run([s3Record([log])], hydrator({ reports }));
    expect(response.records[0]?.result).toBe('Ok');
    expect(rows[0]?.['normaliser_warnings']).toContain('body_offloaded');
    expect(reports[0]?.notHydrated).toEqual({ corrupt: 2 });
  });
});

describe('hydration bounds and paths', () => {
  it('derives per-object and per-batch bounds from the function memory', () => {
    expect(hydrationLimits(SETTINGS, 128)).toEqual({
      maxObjectBytes: 8 * 1024 * 1024,
      maxBatchBytes: Math.floor((128 * 1024 * 1024) / 6),
    });
    expect(hydrationLimits(SETTINGS, 1024).maxObjectBytes).toBe(16 * 1024 * 1024);
  });

  it('takes half the time left, never the last 15 s', () => {
    expect(hydrationBudgetMs(120_000)).toBe(60_000);
    expect(hydrationBudgetMs(20_000)).toBe(5_000);
    expect(hydrationBudgetMs(10_000)).toBe(0);
  });

  it('accepts exactly the data key of the log’s own request under a location for its source', () => {
    const id = 'fe0ef411-0c65-44c9-8359-512392fa50fd';
    const path = `s3://${BUCKET}/${dataKey('team/', id, 'output')}`;
    expect(allowedDataObject(path, 'output', id, 's3', LOCATIONS)).toEqual({
      bucket: BUCKET,
      key: dataKey('team/', id, 'output'),
      requestId: id,
      side: 'output',
    });
    expect(allowedDataObject(path, 'input', id, 's3', LOCATIONS)).toBeUndefined();
    expect(allowedDataObject(path, 'output', id, 'cloudwatch_logs', LOCATIONS)).toBeUndefined();
    expect(allowedDataObject(path, 'output', undefined, 's3', LOCATIONS)).toBeUndefined();
    expect(allowedDataObject(path, 'output', '__proto__', 's3', LOCATIONS)).toBeUndefined();
  });
});

describe('hydration never fails a record', () => {
  it('a record whose hydrated rows would outgrow the Firehose record limit goes without hydration, Ok', async () => {
    const converse = inlineFixtures.find((f) => f.normaliser === 'converse');
    expect(converse).toBeDefined();
    const objects = new Map<string, Buffer>();
    // Incompressible text near the content budget in both bodies: 40 such rows are ~2.5 MB of gzip.
    const noise = (_seed: number) => randomBytes(22_500).toString('base64');
    const logs = Array.from({ length: 40 }, (_, i) => {
      const requestId = `big-${i}`;
      const log = structuredClone((converse as Fixture).log);
      log['requestId'] = requestId;
      const input = log['input'] as Record<string, unknown>;
      input['inputBodyJson'] = { messages: [{ role: 'user', content: [{ text: noise(i) }] }] };
      const output = log['output'] as Record<string, unknown>;
      output['outputBodyJson'] = {
        output: { message: { role: 'assistant', content: [{ text: noise(i + 1000) }] } },
        stopReason: 'end_turn',
      };
      return offload(log, BUCKET, 'team/', objects);
    });
    fakeS3(objects);

    const { response, rows } = await run([s3Record(logs)], hydrator());

    expect(response.records.map((record) => record.result)).toEqual(['Ok']);
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      expect(row['aws_bedrock_input_hydrated']).toBeUndefined();
      expect(String(row['normaliser_warnings'])).toContain('body_offloaded');
    }
  });
});
