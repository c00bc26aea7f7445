import { isUtf8 } from 'node:buffer';
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
