import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { RAW_RECORD_BYTES } from '../../../functions/s3-source/pack-records.ts';
import { parseQueueMessage } from '../../../functions/s3-source/queue-message.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import {
  bedrockObject,
  eventBridgeBody,
  HOUR_PREFIX,
  notificationBody,
  QUEUE_URL,
  s3SourceHarness,
  sqsEvent,
} from '../../helpers/s3-source.ts';

const fixtures = allFixtures();
const KIB = 1024;
const MAX_RECORD = 1000 * KIB;
const MAX_CALL = 4 * 1024 * KIB;

let harness: ReturnType<typeof s3SourceHarness> | undefined;
afterEach(() => harness?.restore());

/** Every line put, in order, decoded from the gzip NDJSON records of every call. */
function linesPut(puts: ReturnType<typeof s3SourceHarness>['puts']): string[] {
  return puts.flatMap((call) =>
    (call.Records ?? []).flatMap((record) => {
      const text = gunzipSync(record.Data as Uint8Array).toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      return text.slice(0, -1).split('\n');
    }),
  );
}

/** Invocation logs with incompressible prompts, so the object is several MB even gzipped. */
function bulkyLogs(count: number, promptBytes: number): object[] {
  return Array.from({ length: count }, (_, i) => {
    const base = fixtures[i % fixtures.length]?.log ?? {};
    return {
      ...base,
      requestId: `bulk-${i}`,
      input: { inputBodyJson: { prompt: randomBytes(promptBytes).toString('base64') }, inputTokenCount: 10 },
    };
  });
}

describe('S3 source handler', () => {
  it('splits a multi-MB object into records ≤ 1,000 KiB and calls ≤ 500 records and ≤ 4 MiB, every line once', async () => {
    const logs = bulkyLogs(60, 150 * KIB); // ~12 MB of NDJSON, ~9 MB of gzip
    const key = `${HOUR_PREFIX}/20260327T170102Z_9f2ab3c4.json.gz`;
    const object = bedrockObject(logs);
    expect(object.length).toBeGreaterThan(8 * 1024 * KIB);
    harness = s3SourceHarness(new Map([[key, object]]));

    const response = await harness.run(sqsEvent([eventBridgeBody(key)]));

    expect(response.batchItemFailures).toEqual([]);
    expect(harness.puts.length).toBeGreaterThan(2);
    for (const call of harness.puts) {
      const records = call.Records ?? [];
      expect(call.DeliveryStreamName).toBe('bedrock-o2-logs');
      expect(records.length).toBeLessThanOrEqual(500);
      expect(records.reduce((sum, r) => sum + (r.Data?.length ?? 0), 0)).toBeLessThanOrEqual(MAX_CALL);
      for (const record of records) {
        expect(record.Data?.length).toBeLessThanOrEqual(MAX_RECORD);
        // The transform's rows for a record must fit an output record too: its NDJSON is bounded.
        const text = gunzipSync(record.Data as Uint8Array);
        const lines = text.toString('utf8').split('\n').length - 1;
        expect(lines === 1 || text.length <= RAW_RECORD_BYTES).toBe(true);
      }
    }
    expect(linesPut(harness.puts)).toEqual(logs.map((log) => JSON.stringify(log)));
  });

  it('puts again only the entries Firehose failed, and finishes the message', async () => {
    const logs = bulkyLogs(12, 300 * KIB); // several records in one call
    const key = `${HOUR_PREFIX}/20260327T170102Z_aa.json.gz`;
    harness = s3SourceHarness(new Map([[key, bedrockObject(logs)]]), {
      fail: (call, entry) => call === 0 && (entry === 1 || entry === 3),
    });

    const response = await harness.run(sqsEvent([eventBridgeBody(key)]));

    expect(response.batchItemFailures).toEqual([]);
    expect(harness.puts).toHaveLength(2);
    const [first, retry] = harness.puts.map((call) =>
      (call.Records ?? []).map((r) => Buffer.from(r.Data ?? [])),
    );
    expect(first?.length).toBeGreaterThan(3);
    expect(retry?.length).toBe(2);
    expect(retry?.[0]?.equals(first?.[1] ?? Buffer.alloc(0))).toBe(true);
    expect(retry?.[1]?.equals(first?.[3] ?? Buffer.alloc(0))).toBe(true);
  });

  it('sends a long but compressible line alone, and reports a line no record can carry without failing the rest', async () => {
    const key = `${HOUR_PREFIX}/20260327T170102Z_big.json.gz`;
    const log = fixtures[0]?.log ?? {};
    const long = { ...log, requestId: 'long', note: 'a'.repeat(1200 * KIB) };
    const huge = { ...log, requestId: 'huge', note: randomBytes(1100 * KIB).toString('base64') };
    harness = s3SourceHarness(new Map([[key, bedrockObject([log, long, huge, log])]]));

    const response = await harness.run(sqsEvent([eventBridgeBody(key)]));

    expect(response.batchItemFailures).toEqual([]);
    expect(linesPut(harness.puts)).toEqual([log, long, log].map((l) => JSON.stringify(l)));
    const sizes = harness.puts.flatMap((c) => (c.Records ?? []).map((r) => r.Data?.length ?? 0));
    expect(sizes.every((size) => size <= MAX_RECORD)).toBe(true);
    const error = harness.logs.find((l) => l.level === 'error');
    expect(error?.message).toBe('line not forwarded');
    expect(error?.extra).toMatchObject({ key, line: 3, reason: /too large for a Firehose record/ });
  });

  it('gives the message back to the queue when Firehose keeps failing entries', async () => {
    const key = `${HOUR_PREFIX}/20260327T170102Z_bb.json.gz`;
    harness = s3SourceHarness(new Map([[key, bedrockObject(fixtures.map((f) => f.log))]]), {
      fail: () => true,
    });
    const response = await harness.run(sqsEvent([eventBridgeBody(key), eventBridgeBody(key)]));
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'message-0' },
      { itemIdentifier: 'message-1' },
    ]);
    expect(harness.logs.filter((l) => l.level === 'error')[0]?.extra).toMatchObject({
      bucket: 'bedrock-logs-bucket',
      key,
      failure: 'put',
    });
  });

  it('fails the message of a corrupt object with a log line naming bucket and key, never content', async () => {
    const good = `${HOUR_PREFIX}/20260327T170102Z_cc.json.gz`;
    const corrupt = `${HOUR_PREFIX}/20260327T170103Z_dd.json.gz`;
    const secret = 'PROMPT-TEXT-THAT-MUST-NOT-BE-LOGGED';
    const valid = gzipSync(`${JSON.stringify({ ...fixtures[0]?.log, note: secret })}\n`.repeat(50));
    const broken = Buffer.concat([valid.subarray(0, valid.length - 40), Buffer.from('garbage-bytes-here')]);
    harness = s3SourceHarness(
      new Map([
        [good, bedrockObject([fixtures[0]?.log ?? {}])],
        [corrupt, broken],
      ]),
    );

    const response = await harness.run(sqsEvent([eventBridgeBody(good), eventBridgeBody(corrupt)]));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    const errors = harness.logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('corrupt Bedrock log object');
    expect(errors[0]?.extra).toMatchObject({
      bucket: 'bedrock-logs-bucket',
      key: corrupt,
      failure: 'corrupt',
    });
    expect(JSON.stringify(harness.logs)).not.toContain(secret);
  });

  it('releases an object’s body when forwarding stops before its end', async () => {
    const key = `${HOUR_PREFIX}/20260327T170102Z_stop.json.gz`;
    harness = s3SourceHarness(new Map([[key, bedrockObject(bulkyLogs(40, 150 * KIB))]]), {
      fail: () => true,
    });
    const response = await harness.run(sqsEvent([eventBridgeBody(key)]));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(harness.bodies).toHaveLength(1);
    expect(harness.bodies[0]?.readableEnded).toBe(false);
    expect(harness.bodies[0]?.destroyed).toBe(true);
  });

  it('fails the message when the object cannot be read, naming the S3 error', async () => {
    harness = s3SourceHarness(new Map());
    const key = `${HOUR_PREFIX}/20260327T170102Z_gone.json.gz`;
    const response = await harness.run(sqsEvent([eventBridgeBody(key)]));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(harness.logs.find((l) => l.level === 'error')?.extra).toMatchObject({ key, reason: /NoSuchKey/ });
  });

  it('skips the permission-check object and data/ bodies without reading them', async () => {
    harness = s3SourceHarness(new Map());
    const response = await harness.run(
      sqsEvent([
        eventBridgeBody(
          'team/AWSLogs/123456789012/BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check',
        ),
        eventBridgeBody(`${HOUR_PREFIX}/data/8457577c-6177-4c3d-bde0-8261654673e0_input.json.gz`),
        notificationBody([`${HOUR_PREFIX}/data/8457577c_input_media_00.pdf`]),
      ]),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(harness.s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(harness.puts).toHaveLength(0);
  });

  it('reads URL-encoded keys of S3 event notifications (spaces as +)', async () => {
    const key =
      'my logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/27/17/20260327T170102Z_ee.json.gz';
    harness = s3SourceHarness(new Map([[key, bedrockObject([fixtures[0]?.log ?? {}])]]));
    const encoded = encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
    expect(encoded.startsWith('my+logs/')).toBe(true);

    const response = await harness.run(sqsEvent([notificationBody([encoded])]));

    expect(response.batchItemFailures).toEqual([]);
    expect(harness.s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'bedrock-logs-bucket',
      Key: key,
    });
    expect(linesPut(harness.puts)).toEqual([JSON.stringify(fixtures[0]?.log)]);
  });

  it('leaves messages for a later invocation when time is short, without starting them', async () => {
    const key = `${HOUR_PREFIX}/20260327T170102Z_ff.json.gz`;
    harness = s3SourceHarness(new Map([[key, bedrockObject([fixtures[0]?.log ?? {}])]]), {
      remainingMs: () => 5_000,
    });
    const response = await harness.run(sqsEvent([eventBridgeBody(key)]));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(harness.s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('aborts a Firehose put that would run past the deadline: that message fails, the others are done', async () => {
    const keys = ['aa', 'bb', 'cc'].map((id) => `${HOUR_PREFIX}/20260327T170102Z_${id}.json.gz`);
    const object = bedrockObject([fixtures[0]?.log ?? {}]);
    const deadline = Date.now() + 1_500;
    harness = s3SourceHarness(new Map(keys.map((key) => [key, object])), {
      remainingMs: () => deadline - Date.now(),
      // The second call (the second message's object) hangs far past the invocation's end.
      delayMs: (call) => (call === 1 ? 60_000 : 0),
      timeMarginMs: 300,
      answerMarginMs: 400,
    });

    const response = await harness.run(sqsEvent(keys.map((key) => eventBridgeBody(key))));

    // Answered with the answer margin still free, not at (or after) the timeout.
    expect(deadline - Date.now()).toBeGreaterThanOrEqual(300);
    expect(response.batchItemFailures).toContainEqual({ itemIdentifier: 'message-1' });
    expect(response.batchItemFailures).not.toContainEqual({ itemIdentifier: 'message-0' });
    expect(harness.logs.find((l) => l.level === 'error')).toMatchObject({
      message: 'object not forwarded',
      extra: { key: keys[1], failure: 'put' },
    });
  });

  it('sends messages it had no time to start to the queue again, so they spend no receive and wait no visibility timeout', async () => {
    const keys = ['g1', 'g2', 'g3'].map((id) => `${HOUR_PREFIX}/20260327T170102Z_${id}.json.gz`);
    const object = bedrockObject([fixtures[0]?.log ?? {}]);
    // Time for the first message only: the clock drops below the margin once it has been put.
    let remaining = 60_000;
    harness = s3SourceHarness(new Map(keys.map((key) => [key, object])), {
      remainingMs: () => remaining,
      delayMs: () => {
        remaining = 10_000;
        return 0;
      },
      queue: {},
    });
    const bodies = keys.map((key) => eventBridgeBody(key));

    const response = await harness.run(sqsEvent(bodies));

    expect(response.batchItemFailures).toEqual([]);
    expect(harness.s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(harness.requeued).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [
          { Id: '0', MessageBody: bodies[1] },
          { Id: '1', MessageBody: bodies[2] },
        ],
      },
    ]);
  });

  it('reports an untried message as failed when it could not be sent again, or the queue is down', async () => {
    const key = `${HOUR_PREFIX}/20260327T170102Z_gg.json.gz`;
    const objects = new Map([[key, bedrockObject([fixtures[0]?.log ?? {}])]]);
    const event = sqsEvent([eventBridgeBody(key), eventBridgeBody(key)]);
    harness = s3SourceHarness(objects, { remainingMs: () => 5_000, queue: { failEntry: (i) => i === 1 } });
    expect((await harness.run(event)).batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    harness.restore();

    harness = s3SourceHarness(objects, { remainingMs: () => 5_000, queue: { down: true } });
    expect((await harness.run(event)).batchItemFailures).toEqual([
      { itemIdentifier: 'message-0' },
      { itemIdentifier: 'message-1' },
    ]);
    expect(harness.logs.find((l) => l.level === 'warn')?.extra).toMatchObject({ messages: 2 });
  });

  it('gives up sending untried messages again before the timeout, and reports them as failures', async () => {
    const key = `${HOUR_PREFIX}/20260327T170102Z_gh.json.gz`;
    const deadline = Date.now() + 1_300;
    harness = s3SourceHarness(new Map([[key, bedrockObject([fixtures[0]?.log ?? {}])]]), {
      remainingMs: () => deadline - Date.now(),
      queue: { hangs: true },
    });
    const response = await harness.run(sqsEvent([eventBridgeBody(key)]));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(deadline - Date.now()).toBeGreaterThan(500);
  });

  it('sends an unknown message to the dead-letter path and accepts S3 test events', async () => {
    harness = s3SourceHarness(new Map());
    const response = await harness.run(
      sqsEvent(['not json', JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' })]),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(harness.logs.find((l) => l.level === 'error')?.message).toBe(
      'message is not an S3 object-created event',
    );
  });
});

describe('parseQueueMessage', () => {
  it('reads an S3 notification wrapped in SNS, and ignores non-create events', () => {
    const inner = notificationBody(['a%2Bb+c/x.json.gz']);
    expect(parseQueueMessage(JSON.stringify({ Type: 'Notification', Message: inner }))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'bedrock-logs-bucket', key: 'a+b c/x.json.gz' }],
    });
    const removed = JSON.parse(notificationBody(['k'])) as { Records: { eventName: string }[] };
    (removed.Records[0] as { eventName: string }).eventName = 'ObjectRemoved:Delete';
    expect(parseQueueMessage(JSON.stringify(removed))).toEqual({ kind: 'objects', objects: [] });
  });

  it('takes EventBridge keys as given', () => {
    expect(parseQueueMessage(eventBridgeBody('a+b/x.json.gz'))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'bedrock-logs-bucket', key: 'a+b/x.json.gz' }],
    });
  });
});
