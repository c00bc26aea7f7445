/**
 * Put overflow records back into their delivery stream with PutRecordBatch: chunks of at most 500 records
 * and 4 MiB, failed entries retried with exponential backoff and jitter. Returns, per record, whether
 * Firehose accepted it; the handler answers `Dropped` only for accepted ones. Firehose may deliver a
 * re-ingested record twice if a retry follows a lost success; rows carry `aws_request_id` for dedupe.
 */

export interface PutRecordBatchOutput {
  readonly FailedPutCount?: number | undefined;
  readonly RequestResponses?: readonly { readonly ErrorCode?: string | undefined }[] | undefined;
}

/** The one Firehose call we need; the real client or a fake. */
export type PutRecordBatch = (
  streamName: string,
  records: readonly Uint8Array[],
) => Promise<PutRecordBatchOutput>;

export interface ReingestOptions {
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Firehose's per-record limit (1,000 KiB before base64). */
export const MAX_RECORD_BYTES = 1000 * 1024;

/** Split into chunks that respect both PutRecordBatch limits; indices refer to the input. */
export function chunkForBatch(records: readonly Uint8Array[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  records.forEach((record, index) => {
    if (record.length > MAX_RECORD_BYTES) return; // cannot be put at all; the caller sees it as not accepted
    if (current.length === MAX_BATCH_RECORDS || bytes + record.length > MAX_BATCH_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += record.length;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function reingestRecords(
  put: PutRecordBatch,
  streamName: string,
  records: readonly Uint8Array[],
  options: ReingestOptions = {},
): Promise<boolean[]> {
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? defaultSleep;
  const accepted = records.map(() => false);

  for (const chunk of chunkForBatch(records)) {
    let pending = chunk;
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(baseDelayMs * 2 ** (attempt - 2) * (0.5 + Math.random()));
      let output: PutRecordBatchOutput;
      try {
        output = await put(
          streamName,
          pending.map((index) => records[index] as Uint8Array),
        );
      } catch {
        continue; // throttling or a network error: retry the whole chunk
      }
      const responses = output.RequestResponses ?? [];
      const stillFailing: number[] = [];
      pending.forEach((recordIndex, position) => {
        const response = responses[position];
        // A response list that does not cover the entry is not proof of acceptance.
        if (response === undefined || response.ErrorCode !== undefined) stillFailing.push(recordIndex);
        else accepted[recordIndex] = true;
      });
      pending = stillFailing;
    }
  }
  return accepted;
}
