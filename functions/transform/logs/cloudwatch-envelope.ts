import { TransformError } from '../firehose/errors.ts';
import { asNumber, asObject, asString } from '../json-access.ts';
import { isRowTimeMs } from '../row/row-time.ts';

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

/**
 * A parsed record (or NDJSON line) → the envelope; anything else that claims to be one throws. `widen`
 * turns each string read from it into the text it stands for, when it was parsed from Latin-1-decoded
 * UTF-8 (firehose/record-bytes.ts `decodeJsonText`).
 */
export function toEnvelope(value: unknown, widen: (parsed: string) => string = same): CloudWatchEnvelope {
  const object = asObject(value);
  if (object === undefined)
    throw new TransformError('decode', 'record is not a CloudWatch Logs envelope (not an object)');
  const messageType = object['messageType'];
  if (messageType === 'CONTROL_MESSAGE') return { messageType };
  if (messageType !== 'DATA_MESSAGE') {
    throw new TransformError(
      'decode',
      typeof messageType === 'string'
        ? `unknown CloudWatch Logs messageType "${widen(messageType).slice(0, 64)}"`
        : 'record is not a CloudWatch Logs envelope (no messageType)',
    );
  }
  const events = object['logEvents'];
  if (!Array.isArray(events)) throw new TransformError('decode', 'logEvents: expected an array');
  const logEvents: LogEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) logEvents[i] = toLogEvent(events[i], i, widen);
  return {
    messageType,
    owner: widenString(object['owner'], widen),
    logGroup: widenString(object['logGroup'], widen),
    logStream: widenString(object['logStream'], widen),
    logEvents,
  };
}

const same = (text: string): string => text;

function widenString(value: unknown, widen: (parsed: string) => string): string | undefined {
  const text = asString(value);
  return text === undefined ? undefined : widen(text);
}

function toLogEvent(value: unknown, index: number, widen: (parsed: string) => string): LogEvent {
  const event = asObject(value);
  if (event === undefined) throw new TransformError('decode', `logEvents[${index}]: expected an object`);
  const message = event['message'];
  if (typeof message !== 'string')
    throw new TransformError('decode', `logEvents[${index}].message: expected a string`);
  // A quoted time is read from its widened text: Number() trims Unicode whitespace such as U+00A0.
  const rawTimestamp = event['timestamp'];
  const timestamp = asNumber(typeof rawTimestamp === 'string' ? widen(rawTimestamp) : rawTimestamp);
  // CloudWatch Logs takes no event from beyond two hours ahead: a time a row cannot carry is no envelope's.
  if (!isRowTimeMs(timestamp)) {
    throw new TransformError('decode', `logEvents[${index}].timestamp: expected epoch milliseconds`);
  }
  return { id: widenString(event['id'], widen) ?? String(index), timestamp, message: widen(message) };
}
