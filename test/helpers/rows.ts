import { gunzipSync } from 'node:zlib';
import type { FirehoseTransformationResult } from 'aws-lambda';

/** Decode one Ok record's data: base64 → gunzip → NDJSON → rows. */
export function decodeRows(data: string): Record<string, unknown>[] {
  const text = gunzipSync(Buffer.from(data, 'base64')).toString('utf8');
  if (!text.endsWith('\n')) throw new Error('NDJSON must end with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function rowsOfResponse(response: FirehoseTransformationResult): Record<string, unknown>[] {
  return response.records.flatMap((record) =>
    record.result === 'Ok' && record.data !== undefined ? decodeRows(record.data) : [],
  );
}
