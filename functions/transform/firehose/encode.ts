import { gzipSync, type ZlibOptions } from 'node:zlib';

/**
 * Rows → the bytes of one Firehose output record: NDJSON (compact, one object per line, `\n` after each) in
 * one gzip member at level 1. The caller base64-encodes them for the response.
 */

/** Level 1 (decisions.md): zlib is the transform's largest cost; level 1 trades ~20% size for ~15% time. */
export const GZIP_OPTIONS: ZlibOptions = { level: 1 };

export function encodeRows(rows: readonly object[]): Buffer {
  let ndjson = '';
  for (const row of rows) ndjson += ndjsonLine(row);
  return gzipNdjson(ndjson);
}

/** One row as an NDJSON line. */
export function ndjsonLine(row: object): string {
  return `${JSON.stringify(row)}\n`;
}

/** NDJSON text → one gzip member. */
export function gzipNdjson(ndjson: string): Buffer {
  // zlib converts a string input more slowly than Buffer.from does.
  return gzipSync(Buffer.from(ndjson, 'utf8'), GZIP_OPTIONS);
}
