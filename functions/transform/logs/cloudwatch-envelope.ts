import { TransformError } from '../firehose/errors.ts';
import { asNumber, asObject, asString } from '../json-access.ts';

/** The CloudWatch Logs subscription envelope: its shape check (record-shapes.ts decides a record is one). */

export interface LogEvent {
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
}

export type CloudWatchEnvelope =
  | { readonly messageType: 'CONTROL_MESSAGE' }
  | {
      readonly messageType: 'DATA_MESSAGE';
      readonly owner: string | undefined;
      readonly logGroup: string | undefined;
      readonly logStream: string | undefined;
      readonly logEvents: readonly LogEvent[];
    };

/** A parsed record (or NDJSON line) → the envelope; anything else that claims to be one throws. */
export function toEnvelope(value: unknown): CloudWatchEnvelope {
  const object = asObject(value);
  if (object === undefined)
    throw new TransformError('decode', 'record is not a CloudWatch Logs envelope (not an object)');
  const messageType = object['messageType'];
  if (messageType === 'CONTROL_MESSAGE') return { messageType };
  if (messageType !== 'DATA_MESSAGE') {
    throw new TransformError(
      'decode',
      typeof messageType === 'string'
        ? `unknown CloudWatch Logs messageType "${messageType.slice(0, 64)}"`
        : 'record is not a CloudWatch Logs envelope (no messageType)',
    );
  }
  const events = object['logEvents'];
  if (!Array.isArray(events)) throw new TransformError('decode', 'logEvents: expected an array');
  const logEvents: LogEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) logEvents[i] = toLogEvent(events[i], i);
  return {
    messageType,
    owner: asString(object['owner']),
    logGroup: asString(object['logGroup']),
    logStream: asString(object['logStream']),
    logEvents,
  };
}

function toLogEvent(value: unknown, index: number): LogEvent {
  const event = asObject(value);
  if (event === undefined) throw new TransformError('decode', `logEvents[${index}]: expected an object`);
  const message = event['message'];
  if (typeof message !== 'string')
    throw new TransformError('decode', `logEvents[${index}].message: expected a string`);
  const timestamp = asNumber(event['timestamp']);
  if (timestamp === undefined || timestamp <= 0) {
    throw new TransformError('decode', `logEvents[${index}].timestamp: expected epoch milliseconds`);
  }
  return { id: asString(event['id']) ?? String(index), timestamp, message };
}
