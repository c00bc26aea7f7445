import { isAscii, isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { TransformError } from './errors.ts';

/**
 * Firehose record data → its bytes and text: strict base64, gunzip when gzip (bounded, so a gzip bomb fails
 * its own record), strict UTF-8. Every pipeline reads its records through here.
 */

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

/** gunzip with an upper bound, as a value: a gzip bomb is `too_large`, never a process out of memory. */
export type Gunzipped =
  | { readonly kind: 'ok'; readonly bytes: Buffer }
  | { readonly kind: 'too_large' | 'corrupt'; readonly cause: Error };

export function gunzipWithin(bytes: Buffer, maxBytes: number): Gunzipped {
  try {
    return {
      kind: 'ok',
      bytes: gunzipSync(bytes, { maxOutputLength: maxBytes, chunkSize: GUNZIP_CHUNK_BYTES }),
    };
  } catch (error) {
    const cause = error as Error;
    const code = (error as NodeJS.ErrnoException).code;
    return {
      kind: code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError ? 'too_large' : 'corrupt',
      cause,
    };
  }
}

/** gunzip with an upper bound, so a gzip bomb fails its own record instead of the Lambda. */
export function gunzipBounded(bytes: Buffer, maxBytes: number): Buffer {
  const result = gunzipWithin(bytes, maxBytes);
  if (result.kind === 'ok') return result.bytes;
  throw new TransformError(
    'decode',
    result.kind === 'too_large'
      ? `record decompresses to more than ${maxBytes} bytes`
      : `record is not valid gzip (${result.cause.message})`,
    { cause: result.cause },
  );
}

/**
 * Strict UTF-8: invalid bytes fail the record (kept as-is in S3) rather than turn into U+FFFD silently.
 * ASCII (the usual case for machine-written JSON) is copied as Latin-1, which is the same text and several
 * times cheaper than UTF-8 decoding.
 */
export function decodeUtf8(bytes: Buffer): string {
  const text = utf8TextOrUndefined(bytes);
  if (text === undefined) throw new TransformError('decode', 'record is not valid UTF-8');
  return text;
}

/** The text of strict UTF-8 (ASCII copied as Latin-1), or undefined when the bytes are not valid UTF-8. */
export function utf8TextOrUndefined(bytes: Buffer): string | undefined {
  if (isAscii(bytes)) return bytes.toString('latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/** Bytes known to be valid UTF-8 → their text. */
export function validUtf8Text(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * JSON text to parse, and how to read the strings parsed out of it. UTF-8 text beyond ASCII becomes a
 * two-byte string in V8: decoding it costs as much as JSON.parse, and every later pass over it (parse,
 * stringify, encode) works on twice the bytes. Decoded as Latin-1 instead, the JSON still parses to the same
 * structure (every JSON token is ASCII; bytes from 0x80 occur only inside strings), and each parsed string
 * that holds such bytes is re-decoded on its own with `widen`. That is exact as long as no `\u` escape in
 * the text stands for a character from U+0080: such an escape would be indistinguishable from a raw byte,
 * so its presence sends the whole text down the plain UTF-8 path. `widen` is undefined when the text is
 * already exact (ASCII, or decoded as UTF-8).
 */
export interface JsonText {
  readonly text: string;
  readonly widen: ((parsed: string) => string) | undefined;
}

export function decodeJsonText(bytes: Buffer): JsonText {
  if (isAscii(bytes)) return { text: bytes.toString('latin1'), widen: undefined };
  if (!isUtf8(bytes)) throw new TransformError('decode', 'record is not valid UTF-8');
  if (hasNonAsciiEscape(bytes)) return { text: bytes.toString('utf8'), widen: undefined };
  return { text: bytes.toString('latin1'), widen: widenLatin1 };
}

/** A string parsed out of Latin-1-decoded UTF-8 → the string the UTF-8 said. */
export function widenLatin1(parsed: string): string {
  // Each character from U+0080 counts two UTF-8 bytes: equal lengths mean pure ASCII, nothing to do.
  return Buffer.byteLength(parsed, 'utf8') === parsed.length
    ? parsed
    : Buffer.from(parsed, 'latin1').toString('utf8');
}

const BACKSLASH_U = Buffer.from('\\u', 'latin1');

/**
 * Does any `\uXXXX` in the text stand for U+0080 or above? Over-approximates on purpose: an escaped
 * backslash followed by `u` is counted too (it only costs the faster path, never correctness).
 */
export function hasNonAsciiEscape(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(BACKSLASH_U); at >= 0; at = bytes.indexOf(BACKSLASH_U, at + 2)) {
    // `\u00XX` with XX < 0x80 is an ASCII character (JSON writers escape control characters and <>&).
    const hex = bytes.toString('latin1', at + 2, at + 6);
    if (!/^00[0-7][0-9a-fA-F]$/.test(hex)) return true;
  }
  return false;
}

/** The record's bytes, decompressed when gzip. */
export function recordBytes(data: unknown, maxDecompressedBytes: number): Buffer {
  const raw = decodeBase64(data);
  return isGzip(raw) ? gunzipBounded(raw, maxDecompressedBytes) : raw;
}
