import { TransformError } from '../firehose/errors.ts';
import { decodeJsonText, recordBytes, validUtf8Text } from '../firehose/record-bytes.ts';
import { asObject, type JsonObject } from '../json-access.ts';
import { type CloudWatchEnvelope, toEnvelope } from './cloudwatch-envelope.ts';

/**
 * A logs-stream record → what it holds, told apart by content (decisions.md "Sources and replay"):
 *  - one CloudWatch Logs subscription envelope (the subscription path; plain JSON accepted too);
 *  - NDJSON whose lines are Bedrock invocation logs exactly as Bedrock writes them to S3 (the S3 source);
 *  - NDJSON of our own rows (`record_schema_version` present), passed through unchanged (replay).
 * NDJSON lines are read one by one, so a record mixing these shapes keeps every line; a line that is none of
 * them is kept as `other` (a `log` row, record-schema §4.9). A record in which no line is a known shape fails.
 */

export type LogsLine =
  | { readonly kind: 'envelope'; readonly envelope: CloudWatchEnvelope }
  | { readonly kind: 'invocation'; readonly log: JsonObject }
  /** `text` is the line as it came, so a passed-through row keeps its exact bytes. */
  | { readonly kind: 'row'; readonly text: string; readonly row: JsonObject }
  | { readonly kind: 'other'; readonly text: string };

export type LogsRecord =
  | { readonly shape: 'cloudwatch'; readonly envelope: CloudWatchEnvelope }
  | { readonly shape: 'ndjson'; readonly lines: readonly LogsLine[] };

export function decodeLogsRecord(data: unknown, maxDecompressedBytes: number): LogsRecord {
  const bytes = recordBytes(data, maxDecompressedBytes);
  if (bytes.length > maxDecompressedBytes) {
    throw new TransformError('decode', `record is larger than ${maxDecompressedBytes} bytes`);
  }
  const json = decodeJsonText(bytes);
  // The subscription path is the hot one: one JSON.parse of the whole record. NDJSON of more than one line
  // fails that parse and is read line by line, each line decoded on its own.
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.text);
  } catch (error) {
    return { shape: 'ndjson', lines: ndjsonLines(bytes, error) };
  }
  const object = asObject(parsed);
  if (object !== undefined && object['messageType'] === undefined) {
    // A whole parsed object is kept, so it must come from the exact text (only an envelope's few strings
    // are read through `widen`). Text that parsed as Latin-1 parses as UTF-8 too: same JSON tokens.
    const text = json.widen === undefined ? json.text : bytes.toString('utf8');
    const exact = json.widen === undefined ? object : (JSON.parse(text) as JsonObject);
    return singleObject(exact, text) ?? { shape: 'cloudwatch', envelope: toEnvelope(parsed) };
  }
  return { shape: 'cloudwatch', envelope: toEnvelope(parsed, json.widen) };
}

/** One line of NDJSON; written across lines (by hand), it is re-serialised to stay one NDJSON line. */
function singleObject(object: JsonObject, text: string): LogsRecord | undefined {
  const trimmed = text.trim();
  const line = classifyObject(object, trimmed.includes('\n') ? JSON.stringify(object) : trimmed);
  return line.kind === 'other' ? undefined : { shape: 'ndjson', lines: [line] };
}

/**
 * The lines of valid UTF-8 (decodeJsonText checked it), each decoded alone: `\n` never occurs inside a
 * multi-byte character, and an ASCII line then stays one-byte text however the rest of the record is.
 */
function ndjsonLines(bytes: Buffer, parseError: unknown): LogsLine[] {
  const lines: LogsLine[] = [];
  let known = 0;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a /* \n */, start);
    if (end < 0) end = bytes.length;
    const lineEnd = end > start && bytes[end - 1] === 0x0d /* \r */ ? end - 1 : end;
    const raw = validUtf8Text(bytes.subarray(start, lineEnd));
    start = end + 1;
    if (raw.trim() === '') continue;
    const line = classifyLine(raw);
    if (line.kind !== 'other') known++;
    lines.push(line);
  }
  if (known === 0) {
    throw new TransformError(
      'decode',
      'record is neither gzip nor JSON, or its JSON is malformed (not a CloudWatch Logs envelope, nor NDJSON of Bedrock invocation logs or rows)',
      { cause: parseError },
    );
  }
  return lines;
}

function classifyLine(text: string): LogsLine {
  if (text.trimStart()[0] !== '{') return { kind: 'other', text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'other', text };
  }
  const object = asObject(parsed);
  if (object === undefined) return { kind: 'other', text };
  if (object['messageType'] !== undefined) {
    try {
      return { kind: 'envelope', envelope: toEnvelope(object) };
    } catch {
      return { kind: 'other', text }; // a broken envelope line costs only itself
    }
  }
  return classifyObject(object, text);
}

function classifyObject(object: JsonObject, text: string): LogsLine {
  if (object['schemaType'] === 'ModelInvocationLog') return { kind: 'invocation', log: object };
  if (typeof object['record_schema_version'] === 'string')
    return { kind: 'row', text: text.trim(), row: object };
  return { kind: 'other', text };
}
