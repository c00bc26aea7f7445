import { isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { TransformError } from './errors.ts';
import { asNumber, asObject, asString } from './json-access.ts';

/**
 * Firehose record data → CloudWatch Logs subscription envelope: base64 → gunzip (bounded) → UTF-8 → JSON →
 * shape check. Plain JSON (a stream with Firehose's own decompression on) is accepted too.
 */

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

/** Strict base64: Buffer.from silently skips bad characters, so check the decoded length adds up. */
export function decodeBase64(data: unknown): Buffer {
  if (typeof data !== 'string') throw new TransformError('decode', 'record data is not a string');
  const bytes = Buffer.from(data, 'base64');
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  if (data.length % 4 !== 0 || bytes.length !== (data.length / 4) * 3 - padding) {
    throw new TransformError('decode', 'record data is not valid base64');
  }
  return bytes;
}

export function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Output chunk for gunzip: records inflate to ~1 MB, so 1 MiB chunks halve zlib's round trips. */
export const GUNZIP_CHUNK_BYTES = 1 << 20;

/** gunzip with an upper bound, so a gzip bomb fails its own record instead of the Lambda. */
export function gunzipBounded(bytes: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes, chunkSize: GUNZIP_CHUNK_BYTES });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new TransformError('decode', `record decompresses to more than ${maxBytes} bytes`, {
        cause: error,
      });
    }
    throw new TransformError('decode', `record is not valid gzip (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/** Strict UTF-8: invalid bytes fail the record (kept as-is in S3) rather than turn into U+FFFD silently. */
export function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new TransformError('decode', 'record is not valid UTF-8');
  return bytes.toString('utf8');
}

/** The record's bytes, decompressed when gzip. */
export function recordBytes(data: unknown, maxDecompressedBytes: number): Buffer {
  const raw = decodeBase64(data);
  return isGzip(raw) ? gunzipBounded(raw, maxDecompressedBytes) : raw;
}

export function decodeEnvelope(data: unknown, maxDecompressedBytes: number): CloudWatchEnvelope {
  const bytes = recordBytes(data, maxDecompressedBytes);
  if (bytes.length > maxDecompressedBytes) {
    throw new TransformError('decode', `record is larger than ${maxDecompressedBytes} bytes`);
  }
  const text = decodeUtf8(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TransformError('decode', 'record is neither gzip nor JSON, or its JSON is malformed', {
      cause: error,
    });
  }
  return toEnvelope(parsed);
}

function toEnvelope(value: unknown): CloudWatchEnvelope {
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
