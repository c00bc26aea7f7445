import { gzipSync, type ZlibOptions } from 'node:zlib';

/**
 * Rows → one Firehose output record: NDJSON (compact, one object per line, `\n` after each) in one gzip
 * member at level 1 (zlib is the transform's largest cost; level 1 trades ~20% size for ~15% total time),
 * base64-encoded.
 */

/** Level 1 (decisions.md); one large output chunk saves zlib's per-16-KiB round trips. */
export const GZIP_OPTIONS: ZlibOptions = { level: 1 };

export function encodeRows(rows: readonly object[]): Buffer {
  let ndjson = '';
  for (const row of rows) ndjson += `${JSON.stringify(row)}\n`;
  // zlib converts a string input more slowly than Buffer.from does.
  return gzipSync(Buffer.from(ndjson, 'utf8'), GZIP_OPTIONS);
}
