import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';

/**
 * Build what Firehose would hand the Lambda from readable inputs: log event messages → a CloudWatch Logs
 * subscription envelope → gzip → base64 record data → a transformation event. Used by the demo, the
 * tests and the benchmark.
 */

export const DEFAULT_LOG_GROUP = 'bedrock/model-invocations';
export const BEDROCK_LOG_STREAM = 'aws/bedrock/modelinvocations';

export interface LogEventInput {
  readonly message: string;
  readonly timestamp: number;
  readonly id?: string;
}

export interface EnvelopeOptions {
  readonly owner?: string;
  readonly logGroup?: string;
  readonly logStream?: string;
  readonly subscriptionFilter?: string;
}

let eventSequence = 0;

export function dataMessage(events: readonly LogEventInput[], options: EnvelopeOptions = {}): object {
  return {
    messageType: 'DATA_MESSAGE',
    owner: options.owner ?? '123456789012',
    logGroup: options.logGroup ?? DEFAULT_LOG_GROUP,
    logStream: options.logStream ?? BEDROCK_LOG_STREAM,
    subscriptionFilters: [options.subscriptionFilter ?? 'bedrock-o2'],
    logEvents: events.map((event) => ({
      id:
        event.id ??
        String(38_000_000_000_000_000_000_000_000_000_000_000_000_000_000n + BigInt(++eventSequence)),
      timestamp: event.timestamp,
      message: event.message,
    })),
  };
}

export function controlMessage(): object {
  return {
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [
      {
        id: '',
        timestamp: Date.now(),
        message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.',
      },
    ],
  };
}

/** Record data as CloudWatch Logs sends it: gzip of the JSON envelope, base64. */
export function recordData(envelope: object, options: { gzip?: boolean } = {}): string {
  const json = Buffer.from(JSON.stringify(envelope));
  return (options.gzip === false ? json : gzipSync(json)).toString('base64');
}

export function firehoseEvent(
  datas: readonly string[],
  options: { streamName?: string; region?: string; account?: string } = {},
): FirehoseTransformationEvent {
  const region = options.region ?? 'us-east-1';
  const arrival = Date.now();
  return {
    invocationId: randomUUID(),
    deliveryStreamArn: `arn:aws:firehose:${region}:${options.account ?? '123456789012'}:deliverystream/${options.streamName ?? 'bedrock-o2-logs'}`,
    region,
    records: datas.map((data, index) => ({
      recordId: `${String(index).padStart(6, '0')}-${randomUUID()}`,
      approximateArrivalTimestamp: arrival,
      data,
    })),
  };
}
