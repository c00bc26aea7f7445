import { asArray, asObject, asString, type JsonObject } from '../transform/json-access.ts';

/**
 * One SQS message body → the S3 objects it announces. The queue is fed by an EventBridge rule on the bucket's
 * "Object Created" events (what the stack deploys); S3 event notifications delivered to the queue directly or
 * through SNS are read too, so a user who wires the bucket that way gets the same result.
 */

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

export type QueueMessage =
  | { readonly kind: 'objects'; readonly objects: readonly ObjectRef[] }
  /** S3's `s3:TestEvent`, sent once when a notification is configured: nothing to read. */
  | { readonly kind: 'test' }
  | { readonly kind: 'unknown'; readonly reason: string };

export function parseQueueMessage(body: string): QueueMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'unknown', reason: 'body is not JSON' };
  }
  const message = asObject(parsed);
  if (message === undefined) return { kind: 'unknown', reason: 'body is not a JSON object' };
  return fromMessage(message, true);
}

function fromMessage(message: JsonObject, mayBeSns: boolean): QueueMessage {
  if (message['source'] === 'aws.s3' && message['detail-type'] !== undefined) return fromEventBridge(message);
  if (message['Event'] === 's3:TestEvent') return { kind: 'test' };
  const records = asArray(message['Records']);
  if (records !== undefined) return fromNotification(records);
  const snsMessage = asString(message['Message']);
  if (mayBeSns && message['Type'] === 'Notification' && snsMessage !== undefined) {
    const inner = parseQueueMessage(snsMessage);
    return inner.kind === 'unknown' ? { kind: 'unknown', reason: `SNS message: ${inner.reason}` } : inner;
  }
  return { kind: 'unknown', reason: 'neither an EventBridge S3 event nor an S3 event notification' };
}

/**
 * The key is taken as EventBridge gives it. Bedrock's keys, under a prefix the config limits to S3's safe
 * characters, read the same whether or not the event URL-encodes them.
 */
function fromEventBridge(event: JsonObject): QueueMessage {
  if (event['detail-type'] !== 'Object Created') return { kind: 'objects', objects: [] };
  const detail = asObject(event['detail']);
  const bucket = asString(asObject(detail?.['bucket'])?.['name']);
  const key = asString(asObject(detail?.['object'])?.['key']);
  if (bucket === undefined || key === undefined)
    return { kind: 'unknown', reason: 'EventBridge event without detail.bucket.name and detail.object.key' };
  return { kind: 'objects', objects: [{ bucket, key }] };
}

/** S3 event notifications URL-encode the key, with spaces as `+`. Only object-created events are read. */
function fromNotification(records: readonly unknown[]): QueueMessage {
  const objects: ObjectRef[] = [];
  for (const item of records) {
    const record = asObject(item);
    const eventName = asString(record?.['eventName']);
    if (eventName !== undefined && !eventName.startsWith('ObjectCreated:')) continue;
    const s3 = asObject(record?.['s3']);
    const bucket = asString(asObject(s3?.['bucket'])?.['name']);
    const encodedKey = asString(asObject(s3?.['object'])?.['key']);
    if (bucket === undefined || encodedKey === undefined)
      return { kind: 'unknown', reason: 'S3 event record without s3.bucket.name and s3.object.key' };
    const key = decodeNotificationKey(encodedKey);
    if (key === undefined)
      return { kind: 'unknown', reason: 'S3 event record with a malformed key encoding' };
    objects.push({ bucket, key });
  }
  return { kind: 'objects', objects };
}

export function decodeNotificationKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
