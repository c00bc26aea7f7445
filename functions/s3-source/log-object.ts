import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { utf8TextOrUndefined } from '../transform/firehose/record-bytes.ts';
import { asObject, type JsonObject } from '../transform/json-access.ts';

/**
 * Reading Bedrock's own S3 log objects (bedrock-log-schema.md §7): which keys are invocation-log batches, and
 * their lines as a stream. One module for the S3 source Lambda and `backfill s3`, so both read the same way.
 *
 * Layout: `<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/<batch>.json.gz`,
 * bodies offloaded under `…/HH/data/`, and a zero-byte `amazon-bedrock-logs-permission-check` canary.
 */

export type BedrockLogKeyKind = 'log' | 'data' | 'permission-check' | 'other';

export interface BedrockLogKey {
  readonly kind: BedrockLogKeyKind;
  /** What precedes `AWSLogs/`, with its trailing slash (`''` for none). */
  readonly prefix?: string;
  readonly accountId?: string;
  readonly region?: string;
  /** Start of the key's hour partition, epoch ms (UTC). */
  readonly hourStartMs?: number;
}

const PERMISSION_CHECK = 'amazon-bedrock-logs-permission-check';
const LOG_KEY =
  /^(.*?)AWSLogs\/(\d{12}|[^/]+)\/BedrockModelInvocationLogs\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(.+)$/;

export function classifyBedrockLogKey(key: string): BedrockLogKey {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (name.startsWith(PERMISSION_CHECK)) return { kind: 'permission-check' };
  const match = LOG_KEY.exec(key);
  if (match === null) return { kind: 'other' };
  const [, prefix, accountId, region, year, month, day, hour, rest] = match as unknown as string[];
  const hourStartMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour));
  const where = {
    prefix: prefix ?? '',
    accountId: accountId ?? '',
    region: region ?? '',
    hourStartMs,
  } as const;
  if (rest?.startsWith('data/')) return { kind: 'data', ...where };
  if (rest === undefined || rest.includes('/') || !/\.json(\.gz)?$/.test(rest))
    return { kind: 'other', ...where };
  return { kind: 'log', ...where };
}

/** `<prefix>AWSLogs/<account>/BedrockModelInvocationLogs/<region>/` — where one region's objects live. */
export function bedrockLogRegionPrefix(prefix: string, accountId: string, region: string): string {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${base}AWSLogs/${accountId}/BedrockModelInvocationLogs/${region}/`;
}

export interface ReadLinesOptions {
  /** A longer line is skipped (reported, not buffered whole). Default 16 MiB. */
  readonly maxLineBytes?: number;
  /** An object that is one JSON array (some writers do this) is read whole up to this size. Default 64 MiB. */
  readonly maxArrayBytes?: number;
}

export type ObjectLine =
  | { readonly kind: 'line'; readonly line: number; readonly text: string }
  | { readonly kind: 'skipped'; readonly line: number; readonly reason: string };

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_ARRAY_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * The non-blank lines of one object, gunzipped when it starts with the gzip magic bytes (multi-member gzip
 * included). Memory holds one line at a time, never the object. A corrupt gzip stream throws: the caller
 * names the object and moves on.
 */
export async function* readObjectLines(
  body: AsyncIterable<Uint8Array>,
  options: ReadLinesOptions = {},
): AsyncGenerator<ObjectLine> {
  let readToEnd = false;
  try {
    yield* linesOf(body, options);
    readToEnd = true;
  } finally {
    // Given up early (corrupt gzip, an array too large, a reader that stops): the body's connection goes
    // back only when the body is destroyed, and a client whose connections all hang on abandoned bodies
    // waits for ever on the next GetObject.
    if (!readToEnd) releaseBody(body);
  }
}

async function* linesOf(
  body: AsyncIterable<Uint8Array>,
  options: ReadLinesOptions,
): AsyncGenerator<ObjectLine> {
  const maxArrayBytes = options.maxArrayBytes ?? DEFAULT_MAX_ARRAY_BYTES;
  const splitter = lineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const arrayChunks: Buffer[] = [];
  let arrayBytes = 0;
  let mode: 'unknown' | 'lines' | 'array' = 'unknown';

  for await (const chunk of decompressed(body)) {
    if (mode === 'unknown') mode = startsArray(chunk);
    if (mode === 'array') {
      arrayBytes += chunk.length;
      if (arrayBytes > maxArrayBytes)
        throw new Error(`JSON array object is larger than ${maxArrayBytes} bytes`);
      arrayChunks.push(chunk);
    } else yield* splitter.push(chunk);
  }
  if (mode === 'array') yield* arrayLines(Buffer.concat(arrayChunks));
  else yield* splitter.end();
}

/** A stream is destroyed; an async generator (a wrapped body) is returned, which runs its own clean-up. */
export function releaseBody(body: AsyncIterable<Uint8Array>): void {
  const handle = body as { destroy?: () => void; return?: () => Promise<unknown> };
  if (typeof handle.destroy === 'function') handle.destroy();
  else if (typeof handle.return === 'function') handle.return().catch(() => undefined);
}

/** `[` first: a JSON-array object; other non-space: lines; all space so far: still unknown. */
function startsArray(chunk: Buffer): 'unknown' | 'lines' | 'array' {
  for (const byte of chunk) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x5b ? 'array' : 'lines';
  }
  return 'unknown';
}

/** Splits chunks on `\n`, holding only the current line; a line over the bound is skipped and reported. */
function lineSplitter(maxLineBytes: number): { push(chunk: Buffer): ObjectLine[]; end(): ObjectLine[] } {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let lineNumber = 0;

  const finishLine = (last: Buffer | undefined): ObjectLine | undefined => {
    lineNumber++;
    const bytes = pendingBytes + (last?.length ?? 0);
    const wasOverlong = overlong || bytes > maxLineBytes;
    const parts = last === undefined ? pending : [...pending, last];
    pending = [];
    pendingBytes = 0;
    overlong = false;
    if (wasOverlong)
      return { kind: 'skipped', line: lineNumber, reason: `line is longer than ${maxLineBytes} bytes` };
    // Decoding would turn invalid bytes into U+FFFD without a word: the line is reported instead.
    const text = utf8TextOrUndefined(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
    if (text === undefined) return { kind: 'skipped', line: lineNumber, reason: 'line is not valid UTF-8' };
    return text.trim() === '' ? undefined : { kind: 'line', line: lineNumber, text };
  };

  return {
    push(chunk) {
      const out: ObjectLine[] = [];
      let start = 0;
      for (let index = chunk.indexOf(NEWLINE); index >= 0; index = chunk.indexOf(NEWLINE, start)) {
        const line = finishLine(chunk.subarray(start, index));
        if (line !== undefined) out.push(line);
        start = index + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length === 0) return out;
      if (overlong || pendingBytes + rest.length > maxLineBytes) {
        // Keep counting, not bytes: the line is reported as skipped when it ends.
        overlong = true;
        pending = [];
        pendingBytes = 0;
      } else {
        pending.push(rest);
        pendingBytes += rest.length;
      }
      return out;
    },
    end() {
      if (!overlong && pendingBytes === 0) return [];
      const line = finishLine(undefined);
      return line === undefined ? [] : [line];
    },
  };
}

export type ObjectLog =
  | { readonly kind: 'log'; readonly line: number; readonly text: string; readonly log: JsonObject }
  | { readonly kind: 'skipped'; readonly line: number; readonly reason: string };

/** The invocation logs of one object; a line that is not JSON or not a ModelInvocationLog is reported. */
export async function* readInvocationLogs(
  body: AsyncIterable<Uint8Array>,
  options: ReadLinesOptions = {},
): AsyncGenerator<ObjectLog> {
  for await (const item of readObjectLines(body, options)) {
    if (item.kind === 'skipped') {
      yield item;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(item.text);
    } catch {
      yield { kind: 'skipped', line: item.line, reason: 'line is not JSON' };
      continue;
    }
    const log = asObject(parsed);
    if (log === undefined || log['schemaType'] !== 'ModelInvocationLog') {
      yield { kind: 'skipped', line: item.line, reason: 'line is not a ModelInvocationLog' };
      continue;
    }
    yield { kind: 'log', line: item.line, text: item.text, log };
  }
}

async function* decompressed(body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const iterator = body[Symbol.asyncIterator]();
  let first = await nextChunk(iterator);
  if (first === undefined) return;
  // The gzip magic is two bytes; a stream may hand them over one at a time.
  while (first.length < 2) {
    const more = await nextChunk(iterator);
    if (more === undefined) break;
    first = Buffer.concat([first, more]);
  }
  const isGzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  if (!isGzip) {
    yield first;
    for (let chunk = await nextChunk(iterator); chunk !== undefined; chunk = await nextChunk(iterator))
      yield chunk;
    return;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield first as Buffer;
    for (let chunk = await nextChunk(iterator); chunk !== undefined; chunk = await nextChunk(iterator))
      yield chunk;
  }
  const gunzip = createGunzip();
  // pipeline handles back-pressure and destroys the gunzip stream with the source's or zlib's error.
  pipeline(Readable.from(rest()), gunzip, () => undefined);
  for await (const chunk of gunzip) yield chunk as Buffer;
}

async function nextChunk(iterator: AsyncIterator<Uint8Array>): Promise<Buffer | undefined> {
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return undefined;
    const chunk = next.value;
    if (chunk.length > 0) return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
  }
}

function* arrayLines(bytes: Buffer): Generator<ObjectLine> {
  const text = utf8TextOrUndefined(bytes);
  if (text === undefined) {
    yield { kind: 'skipped', line: 1, reason: 'object starts with [ but is not valid UTF-8' };
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    yield { kind: 'skipped', line: 1, reason: 'object starts with [ but is not a JSON array' };
    return;
  }
  if (!Array.isArray(parsed)) return;
  let line = 0;
  for (const element of parsed) {
    line++;
    yield { kind: 'line', line, text: JSON.stringify(element) };
  }
}
