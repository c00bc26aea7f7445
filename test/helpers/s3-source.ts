import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { SourceLogger } from '../../functions/s3-source/process-queue.ts';
import { createS3SourceHandler } from '../../functions/s3-source/source.ts';

/** Test doubles for the S3 source: Bedrock-shaped objects, SQS events, captured logs and puts. */

export const BUCKET = 'bedrock-logs-bucket';
export const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/bedrock-o2-s3-source';
export const HOUR_PREFIX = 'team/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/27/17';

/** An object as Bedrock writes it: gzip of NDJSON, one invocation log per line. */
export function bedrockObject(logs: readonly object[]): Buffer {
  return gzipSync(logs.map((log) => `${JSON.stringify(log)}\n`).join(''));
}

/** The body as S3 streams it: several chunks. */
export function streamed(bytes: Buffer, chunkBytes = 64 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes)
    chunks.push(bytes.subarray(offset, offset + chunkBytes));
  return Readable.from(chunks);
}

export function eventBridgeBody(key: string, bucket = BUCKET): string {
  return JSON.stringify({
    version: '0',
    id: 'c9888434-815d-c6f4-9fc2-4dd7bdeccaaf',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-03-27T17:05:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: '0', bucket: { name: bucket }, object: { key, size: 1 }, reason: 'PutObject' },
  });
}

export function notificationBody(encodedKeys: readonly string[], bucket = BUCKET): string {
  return JSON.stringify({
    Records: encodedKeys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: { s3SchemaVersion: '1.0', bucket: { name: bucket }, object: { key, size: 1 } },
    })),
  });
}

export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map(
      (body, i) =>
        ({
          messageId: `message-${i}`,
          receiptHandle: `handle-${i}`,
          body,
          attributes: {},
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:bedrock-o2-s3-source',
          awsRegion: 'us-east-1',
        }) as unknown as SQSRecord,
    ),
  };
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

export function captureLogger(): { logger: SourceLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, extra: Record<string, unknown> = {}) =>
      lines.push({ level, message, extra });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** S3 and Firehose mocked; objects by key; every PutRecordBatch input kept; `fail` decides entry errors. */
export function s3SourceHarness(
  objects: ReadonlyMap<string, Buffer>,
  options: {
    fail?: (call: number, entry: number) => boolean;
    remainingMs?: () => number;
    /** How long Firehose takes to answer a call. */
    delayMs?: (call: number) => number;
    /** Overrides of the time margins, so a test can run against a deadline of a second. */
    timeMarginMs?: number;
    answerMarginMs?: number;
    /** Give the handler its queue: SendMessageBatch answers per entry (`failEntry`) or throws (`down`). */
    queue?: { failEntry?: (entry: number) => boolean; down?: boolean; hangs?: boolean };
  } = {},
) {
  const s3 = mockClient(S3Client);
  const firehose = mockClient(FirehoseClient);
  const bodies: Readable[] = [];
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const bytes = input.Bucket === BUCKET ? objects.get(input.Key) : undefined;
    if (bytes === undefined) {
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    }
    const body = streamed(bytes);
    bodies.push(body);
    return { Body: body };
  });
  const puts: PutRecordBatchCommandInput[] = [];
  firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
    const call = puts.length;
    puts.push(input);
    const responses = (input.Records ?? []).map((_, entry) =>
      options.fail?.(call, entry) === true
        ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
        : { RecordId: `r-${call}-${entry}` },
    );
    const output = {
      FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
      Encrypted: false,
      RequestResponses: responses,
    };
    const delay = options.delayMs?.(call) ?? 0;
    if (delay === 0) return output;
    return new Promise((resolve) => setTimeout(() => resolve(output), delay).unref());
  });
  const sqs = mockClient(SQSClient);
  const requeued: SendMessageBatchCommandInput[] = [];
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    requeued.push(input);
    if (options.queue?.down === true)
      throw Object.assign(new Error('Service unavailable'), { name: 'QueueDown' });
    const entries = input.Entries ?? [];
    const failed = (i: number) => options.queue?.failEntry?.(i) === true;
    if (options.queue?.hangs === true) return new Promise(() => undefined);
    return {
      Successful: entries.flatMap((e, i) =>
        failed(i) ? [] : [{ Id: e.Id, MessageId: `new-${i}`, MD5OfMessageBody: '' }],
      ),
      Failed: entries.flatMap((e, i) =>
        failed(i) ? [{ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' }] : [],
      ),
    };
  });
  const { logger, lines } = captureLogger();
  const handler = createS3SourceHandler({
    s3: new S3Client({ region: 'us-east-1' }),
    firehose: new FirehoseClient({ region: 'us-east-1' }),
    streamName: 'bedrock-o2-logs',
    logger,
    reingest: {
      sleep: async () => undefined,
      ...(options.answerMarginMs === undefined ? {} : { safetyMarginMs: options.answerMarginMs }),
    },
    ...(options.timeMarginMs === undefined ? {} : { timeMarginMs: options.timeMarginMs }),
    ...(options.queue === undefined
      ? {}
      : { queue: { sqs: new SQSClient({ region: 'us-east-1' }), url: QUEUE_URL } }),
  });
  const context = { getRemainingTimeInMillis: options.remainingMs ?? (() => 900_000) };
  return {
    run: (event: SQSEvent) => handler(event, context),
    puts,
    /** Every body handed out, to check none is left open. */
    bodies,
    logs: lines,
    s3,
    firehose,
    /** Every SendMessageBatch input (messages sent to the queue again). */
    requeued,
    restore: () => {
      s3.restore();
      firehose.restore();
      sqs.restore();
    },
  };
}
