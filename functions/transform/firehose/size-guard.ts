/**
 * The Lambda response must stay under 6 MB (6,291,456 bytes, the synchronous invocation limit). Decompressed
 * and normalised rows can outgrow their gzip input, so when the response would be too large, Ok records are
 * taken out in input order and re-ingested into the stream as their original data (AWS's blueprint
 * approach). Those records answer `Dropped` with their original data (record-schema §4.11), so each one
 * moved saves (output size − original size) bytes.
 */

export const RESPONSE_LIMIT_BYTES = 6_291_456;
// Headroom for the JSON punctuation estimate and Lambda's own envelope.
export const RESPONSE_BUDGET_BYTES = 6_000_000;

export interface SizedRecord {
  readonly recordId: string;
  /** base64 length of what the record would return as Ok, or undefined when it is not Ok. */
  readonly okDataLength: number | undefined;
  /** base64 length of the original input data. */
  readonly originalDataLength: number;
}

const PER_RECORD_OVERHEAD = 48; // {"recordId":"","result":"ProcessingFailed","data":""},

export function responseSize(records: readonly SizedRecord[], moved: ReadonlySet<number>): number {
  let size = 16; // {"records":[]}
  records.forEach((record, index) => {
    const data =
      record.okDataLength !== undefined && !moved.has(index)
        ? record.okDataLength
        : record.originalDataLength;
    size += record.recordId.length + data + PER_RECORD_OVERHEAD;
  });
  return size;
}

/** Indices of Ok records to re-ingest, in input order, so that the response fits the budget. */
export function selectOverflow(records: readonly SizedRecord[], budget = RESPONSE_BUDGET_BYTES): number[] {
  const moved = new Set<number>();
  let size = responseSize(records, moved);
  for (let index = 0; index < records.length && size > budget; index++) {
    const record = records[index];
    if (record?.okDataLength === undefined || record.okDataLength <= record.originalDataLength) continue;
    moved.add(index);
    size -= record.okDataLength - record.originalDataLength;
  }
  return [...moved];
}
