import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allowedDataObject,
  type GetObjectBody,
  getObjectWith,
  type OffloadedObject,
  offloadedPath,
  type ReadPolicy,
  readOffloadedBodies,
  withReadBodies,
} from '../../../functions/s3-source/offloaded-body.ts';
import type { HydrationLocation } from '../../../schemas/transform-config.ts';

const BUCKET = 'acme-bedrock-logs';
const REGION_PREFIX = 'team/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/';
const LOCATION: HydrationLocation = {
  bucketName: BUCKET,
  prefix: 'team',
  accountId: '123456789012',
  region: 'us-east-1',
  logSources: ['s3'],
};
const MIB = 1024 * 1024;

const keyOf = (requestId: string, side: 'input' | 'output') =>
  `${REGION_PREFIX}2026/11/30/01/data/${requestId}_${side}.json.gz`;
const pathOf = (requestId: string, side: 'input' | 'output') => `s3://${BUCKET}/${keyOf(requestId, side)}`;
const objectOf = (requestId: string, side: 'input' | 'output'): OffloadedObject => ({
  bucket: BUCKET,
  key: keyOf(requestId, side),
  requestId,
  side,
});

/** The wanted map a caller builds: path → object. */
function wantedOf(...objects: OffloadedObject[]): Map<string, OffloadedObject> {
  return new Map(objects.map((object) => [`s3://${object.bucket}/${object.key}`, object]));
}

const notFound = () =>
  Object.assign(new Error('The specified key does not exist.'), {
    name: 'NoSuchKey',
    $metadata: { httpStatusCode: 404 },
  });

/** A GetObject over an in-memory bucket: a missing key is NoSuchKey; calls and the most in flight are kept. */
function fakeGet(objects: Map<string, Buffer | (() => AsyncIterable<Uint8Array>)>, delayMs = 0) {
  const stats = { calls: [] as string[], inFlight: 0, mostInFlight: 0 };
  const getObject: GetObjectBody = async (_bucket, key) => {
    stats.calls.push(key);
    stats.inFlight++;
    stats.mostInFlight = Math.max(stats.mostInFlight, stats.inFlight);
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const body = objects.get(key);
      if (body === undefined) throw notFound();
      return typeof body === 'function' ? body() : Readable.from([body]);
    } finally {
      stats.inFlight--;
    }
  };
  return { getObject, stats };
}

function policy(getObject: GetObjectBody, overrides: Partial<ReadPolicy> = {}): ReadPolicy {
  return {
    getObject,
    concurrency: 4,
    maxObjectBytes: MIB,
    budget: { used: 0, max: 4 * MIB },
    retryDelaysMs: [],
    sleep: async () => {},
    ...overrides,
  };
}

describe('readOffloadedBodies', () => {
  it('reads gzip JSON objects and arrays (a stream output) by path, with the request they belong to', async () => {
    const chunks = [{ type: 'message_start' }, { type: 'content_block_delta', delta: { text: 'hi' } }];
    const objects = new Map<string, Buffer>([
      [keyOf('r1', 'input'), gzipSync(JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }))],
      [keyOf('r1', 'output'), gzipSync(JSON.stringify(chunks))],
    ]);
    const { getObject } = fakeGet(objects);
    const budget = { used: 0, max: 4 * MIB };

    const result = await readOffloadedBodies(
      wantedOf(objectOf('r1', 'input'), objectOf('r1', 'output')),
      policy(getObject, { budget }),
    );

    expect(result.failures).toEqual(new Map());
    expect(result.bodies.get(pathOf('r1', 'input'))).toEqual({
      requestId: 'r1',
      side: 'input',
      body: { messages: [{ role: 'user', content: 'x' }] },
    });
    expect(result.bodies.get(pathOf('r1', 'output'))).toEqual({
      requestId: 'r1',
      side: 'output',
      body: chunks,
    });
    // The plain bytes of both bodies stay counted: they are what the caller now holds.
    const plainBytes =
      JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }).length + JSON.stringify(chunks).length;
    expect(budget.used).toBe(plainBytes);
  });

  it('takes a body stored without gzip as it is', async () => {
    const { getObject } = fakeGet(new Map([[keyOf('r1', 'input'), Buffer.from('{"prompt":"hello"}')]]));
    const result = await readOffloadedBodies(wantedOf(objectOf('r1', 'input')), policy(getObject));
    expect(result.bodies.get(pathOf('r1', 'input'))?.body).toEqual({ prompt: 'hello' });
  });

  it('runs at most `concurrency` GetObject calls at a time, and reads every one', async () => {
    const objects = new Map<string, Buffer>();
    const wanted: OffloadedObject[] = [];
    for (let i = 0; i < 7; i++) {
      objects.set(keyOf(`r${i}`, 'input'), gzipSync(JSON.stringify({ i })));
      wanted.push(objectOf(`r${i}`, 'input'));
    }
    const { getObject, stats } = fakeGet(objects, 5);

    const result = await readOffloadedBodies(wantedOf(...wanted), policy(getObject, { concurrency: 2 }));

    expect(result.bodies.size).toBe(7);
    expect(stats.calls).toHaveLength(7);
    expect(stats.mostInFlight).toBe(2);
  });

  it('looks again after each of the policy’s waits while the object is not there, then gives not_found', async () => {
    const { getObject, stats } = fakeGet(new Map());
    const sleeps: number[] = [];
    const result = await readOffloadedBodies(
      wantedOf(objectOf('r1', 'input')),
      policy(getObject, { retryDelaysMs: [10, 30], sleep: async (ms) => void sleeps.push(ms) }),
    );
    expect(stats.calls).toHaveLength(3);
    expect(sleeps).toEqual([10, 30]);
    expect(result.failures.get(pathOf('r1', 'input'))).toBe('not_found');
  });

  it('with no waits, a missing object is asked for once; an object that lands between tries is read', async () => {
    const once = fakeGet(new Map());
    const single = await readOffloadedBodies(wantedOf(objectOf('r1', 'input')), policy(once.getObject));
    expect(once.stats.calls).toHaveLength(1);
    expect(single.failures.get(pathOf('r1', 'input'))).toBe('not_found');

    const objects = new Map<string, Buffer>();
    const late = fakeGet(objects);
    const landed = await readOffloadedBodies(
      wantedOf(objectOf('r1', 'input')),
      policy(late.getObject, {
        retryDelaysMs: [10],
        sleep: async () => void objects.set(keyOf('r1', 'input'), gzipSync('{"late":true}')),
      }),
    );
    expect(late.stats.calls).toHaveLength(2);
    expect(landed.bodies.get(pathOf('r1', 'input'))?.body).toEqual({ late: true });
  });

  it('classifies S3 answers: 403 is looked at again like a missing key, any other error is not', async () => {
    let calls = 0;
    const denied: GetObjectBody = async (_bucket, key) => {
      calls++;
      if (key.includes('_input'))
        throw Object.assign(new Error('Access Denied'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        });
      throw Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    };
    const result = await readOffloadedBodies(
      wantedOf(objectOf('r1', 'input'), objectOf('r1', 'output')),
      policy(denied, { retryDelaysMs: [1] }),
    );
    expect(calls).toBe(3); // input twice, output once
    expect(result.failures).toEqual(
      new Map([
        [pathOf('r1', 'input'), 'access_denied'],
        [pathOf('r1', 'output'), 's3_error'],
      ]),
    );
  });

  it('a body over the per-object bound is too_large, stored or gunzipped (a gzip bomb stops at the bound)', async () => {
    const objects = new Map<string, Buffer>([
      [keyOf('stored', 'input'), Buffer.alloc(MIB + 1, 0x20)],
      [keyOf('bomb', 'input'), gzipSync(`{"a":"${'a'.repeat(32 * MIB)}"}`)],
    ]);
    expect(objects.get(keyOf('bomb', 'input'))?.length).toBeLessThan(MIB);
    const { getObject } = fakeGet(objects);
    const budget = { used: 0, max: 64 * MIB };

    const result = await readOffloadedBodies(
      wantedOf(objectOf('stored', 'input'), objectOf('bomb', 'input')),
      policy(getObject, { budget }),
    );

    expect([...result.failures.values()]).toEqual(['too_large', 'too_large']);
    expect(budget.used).toBe(0);
  });

  it('the shared budget: once the bodies held reach it, the rest are batch_budget', async () => {
    const body = (n: number) => gzipSync(JSON.stringify({ n, pad: 'x'.repeat(600 * 1024) }));
    const objects = new Map<string, Buffer>();
    for (let i = 0; i < 3; i++) objects.set(keyOf(`r${i}`, 'input'), body(i));
    const { getObject } = fakeGet(objects);
    const budget = { used: 0, max: MIB + 256 * 1024 };

    const result = await readOffloadedBodies(
      wantedOf(objectOf('r0', 'input'), objectOf('r1', 'input'), objectOf('r2', 'input')),
      policy(getObject, { budget, concurrency: 1 }),
    );

    expect([...result.bodies.keys()]).toEqual([pathOf('r0', 'input'), pathOf('r1', 'input')]);
    expect(result.failures).toEqual(new Map([[pathOf('r2', 'input'), 'batch_budget']]));
    expect(budget.used).toBeLessThanOrEqual(budget.max);
  });

  it('not gzip JSON, not JSON, a JSON scalar or invalid UTF-8 is corrupt, and its bytes are given back', async () => {
    const objects = new Map<string, Buffer>([
      [keyOf('a', 'input'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8])],
      [keyOf('b', 'input'), gzipSync('not json')],
      [keyOf('c', 'input'), gzipSync('42')],
      [keyOf('d', 'input'), gzipSync(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))],
    ]);
    const { getObject } = fakeGet(objects);
    const budget = { used: 0, max: 4 * MIB };
    const result = await readOffloadedBodies(
      wantedOf(
        objectOf('a', 'input'),
        objectOf('b', 'input'),
        objectOf('c', 'input'),
        objectOf('d', 'input'),
      ),
      policy(getObject, { budget }),
    );
    expect(result.bodies.size).toBe(0);
    expect([...result.failures.values()]).toEqual(['corrupt', 'corrupt', 'corrupt', 'corrupt']);
    expect(budget.used).toBe(0);
  });

  it('an abort stops a stalled body stream and what is still queued: time_budget', async () => {
    const stalled = async function* (): AsyncGenerator<Uint8Array> {
      yield Buffer.from([0x1f, 0x8b]);
      await new Promise(() => undefined); // never ends
    };
    const objects = new Map<string, Buffer | (() => AsyncIterable<Uint8Array>)>([
      [keyOf('r0', 'input'), stalled],
      [keyOf('r1', 'input'), gzipSync('{}')],
    ]);
    const { getObject, stats } = fakeGet(objects);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const result = await readOffloadedBodies(
      wantedOf(objectOf('r0', 'input'), objectOf('r1', 'input')),
      policy(getObject, { concurrency: 1, signal: controller.signal }),
    );

    expect(result.failures).toEqual(
      new Map([
        [pathOf('r0', 'input'), 'time_budget'],
        [pathOf('r1', 'input'), 'time_budget'],
      ]),
    );
    expect(stats.calls).toEqual([keyOf('r0', 'input')]);
  });

  it('an abort while a stream body is waiting for data destroys it, so its connection is not held', async () => {
    // A stream, as the SDK's body is: its iterator cannot be returned while a read waits on it.
    const stream = new PassThrough();
    stream.write(Buffer.from([0x1f, 0x8b]));
    const objects = new Map<string, Buffer | (() => AsyncIterable<Uint8Array>)>([
      [keyOf('r0', 'input'), () => stream],
    ]);
    const { getObject } = fakeGet(objects);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const result = await readOffloadedBodies(
      wantedOf(objectOf('r0', 'input')),
      policy(getObject, { signal: controller.signal }),
    );

    expect(result.failures).toEqual(new Map([[pathOf('r0', 'input'), 'time_budget']]));
    expect(stream.destroyed).toBe(true);
  });

  it('nothing wanted: no call', async () => {
    const { getObject, stats } = fakeGet(new Map());
    const result = await readOffloadedBodies(new Map(), policy(getObject));
    expect(result).toEqual({ bodies: new Map(), failures: new Map() });
    expect(stats.calls).toHaveLength(0);
  });
});

describe('getObjectWith (an S3 client)', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('asks S3 for exactly the bucket and key, and S3’s NoSuchKey reads as not_found', async () => {
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: keyOf('r1', 'input') }).resolves({
      Body: Readable.from([gzipSync('{"ok":1}')]) as never,
    });
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: keyOf('r1', 'output') }).rejects(notFound());
    const getObject = getObjectWith(new S3Client({ region: 'us-east-1' }));

    const result = await readOffloadedBodies(
      wantedOf(objectOf('r1', 'input'), objectOf('r1', 'output')),
      policy(getObject),
    );

    expect(result.bodies.get(pathOf('r1', 'input'))?.body).toEqual({ ok: 1 });
    expect(result.failures.get(pathOf('r1', 'output'))).toBe('not_found');
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: keyOf('r1', 'input') },
      { Bucket: BUCKET, Key: keyOf('r1', 'output') },
    ]);
  });
});

describe('which path may be read', () => {
  it('only the log’s own body, under the location’s prefix (with or without its slash), for its source', () => {
    expect(allowedDataObject(pathOf('r-1', 'input'), 'input', 'r-1', 's3', [LOCATION])).toEqual(
      objectOf('r-1', 'input'),
    );
    expect(allowedDataObject(pathOf('r-1', 'input'), 'input', 'r-2', 's3', [LOCATION])).toBeUndefined();
    expect(allowedDataObject(pathOf('r-1', 'input'), 'output', 'r-1', 's3', [LOCATION])).toBeUndefined();
    expect(
      allowedDataObject(pathOf('r-1', 'input'), 'input', 'r-1', 'cloudwatch_logs', [LOCATION]),
    ).toBeUndefined();
    expect(
      allowedDataObject(pathOf('r-1', 'input').replace('team/', 'teams/'), 'input', 'r-1', 's3', [LOCATION]),
    ).toBeUndefined();
    expect(allowedDataObject(pathOf('r-1', 'input'), 'input', 'r-1', 's3', [])).toBeUndefined();
  });

  it('offloadedPath: the path only while the body itself is missing or null', () => {
    const path = pathOf('r1', 'output');
    expect(offloadedPath({ output: { outputBodyS3Path: path } }, 'output')).toBe(path);
    expect(offloadedPath({ output: { outputBodyS3Path: path, outputBodyJson: null } }, 'output')).toBe(path);
    expect(
      offloadedPath({ output: { outputBodyS3Path: path, outputBodyJson: {} } }, 'output'),
    ).toBeUndefined();
    expect(offloadedPath({ output: { outputBodyS3Path: 7 } }, 'output')).toBeUndefined();
    expect(offloadedPath({ output: { outputBodyS3Path: path } }, 'input')).toBeUndefined();
  });
});

describe('withReadBodies', () => {
  const log = {
    requestId: 'r1',
    input: {
      inputBodyJson: null,
      inputBodyS3Path: pathOf('r1', 'input'),
      inputContentType: 'application/json',
    },
    output: { outputBodyS3Path: pathOf('r1', 'output') },
  };

  it('a copy of the log with the bodies in place, saying which sides; the log itself is left as it was', () => {
    const before = structuredClone(log);
    const filled = withReadBodies(
      log,
      new Map([[pathOf('r1', 'input'), { requestId: 'r1', side: 'input' as const, body: { messages: [] } }]]),
    );
    expect(filled).toEqual({
      log: {
        ...log,
        input: { ...log.input, inputBodyJson: { messages: [] } },
      },
      hydrated: { input: true, output: false },
    });
    expect(log).toEqual(before);
  });

  it('a body read for one side is not put into the other, even when the log names its path there', () => {
    const bodies = new Map([
      [pathOf('r1', 'input'), { requestId: 'r1', side: 'input' as const, body: { messages: [] } }],
    ]);
    const both = { ...log, output: { outputBodyS3Path: pathOf('r1', 'input') } };
    expect(withReadBodies(both, bodies)).toEqual({
      log: { ...both, input: { ...log.input, inputBodyJson: { messages: [] } } },
      hydrated: { input: true, output: false },
    });
  });

  it('a body read for another request is not put into this log, even at the same path', () => {
    const bodies = new Map([
      [pathOf('r1', 'input'), { requestId: 'r1', side: 'input' as const, body: { messages: [] } }],
    ]);
    expect(withReadBodies({ ...log, requestId: 'r2' }, bodies)).toBeUndefined();
    expect(withReadBodies(log, new Map())).toBeUndefined();
  });
});
