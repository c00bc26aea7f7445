/**
 * Put overflow records back into their delivery stream with PutRecordBatch: chunks of at most 500 records
 * and 4 MiB. The SDK client retries whole calls (throttling, 5xx, network) with its own backoff and timeouts
 * (reingest-client.ts); here only the entries a successful call reported as failed are put again. Everything
 * runs inside the invocation's remaining time less a safety margin: a record not accepted by then is not
 * accepted, and the handler answers `ProcessingFailed` for it (it lands in S3, never lost). Returns, per
 * record, whether Firehose accepted it; the handler answers `Dropped` only for accepted ones.
 *
 * A call whose answer is lost (timeout after Firehose accepted it) leaves its records unaccepted here, so
 * they also go to S3 and may be delivered twice: rows carry `aws_request_id` so duplicates can be removed.
 */

export interface PutRecordBatchOutput {
  readonly FailedPutCount?: number | undefined;
  readonly RequestResponses?: readonly { readonly ErrorCode?: string | undefined }[] | undefined;
}

/** The one Firehose call we need; the real client (reingest-client.ts) or a fake. */
export type PutRecordBatch = (
  streamName: string,
  records: readonly Uint8Array[],
  signal?: AbortSignal,
) => Promise<PutRecordBatchOutput>;

export interface ReingestOptions {
  /** Calls per chunk while entries keep failing inside successful answers (first call included). */
  readonly maxEntryAttempts?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds left in this invocation (the Lambda context's getRemainingTimeInMillis). */
  readonly remainingTimeMs?: () => number;
  /** Kept free at the end of the invocation to answer Firehose. */
  readonly safetyMarginMs?: number;
}

export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Firehose's per-record limit (1,000 KiB before base64). */
export const MAX_RECORD_BYTES = 1000 * 1024;
/** Time left for the response: serialising up to 6 MB and returning it takes well under this. */
export const DEFAULT_SAFETY_MARGIN_MS = 3000;

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

/** Entries of one answer that were not accepted; a response list that does not cover one is no proof. */
function unaccepted(pending: readonly number[], output: PutRecordBatchOutput, accepted: boolean[]): number[] {
  const responses = output.RequestResponses ?? [];
  const failing: number[] = [];
  pending.forEach((recordIndex, position) => {
    const response = responses[position];
    if (response === undefined || response.ErrorCode !== undefined) failing.push(recordIndex);
    else accepted[recordIndex] = true;
  });
  return failing;
}

export async function reingestRecords(
  put: PutRecordBatch,
  streamName: string,
  records: readonly Uint8Array[],
  options: ReingestOptions = {},
): Promise<boolean[]> {
  const maxEntryAttempts = options.maxEntryAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? defaultSleep;
  const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  const budgetMs = (): number =>
    options.remainingTimeMs === undefined ? Number.POSITIVE_INFINITY : options.remainingTimeMs() - margin;
  const accepted = records.map(() => false);

  for (const chunk of chunkForBatch(records)) {
    let pending = chunk;
    for (let attempt = 1; attempt <= maxEntryAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) {
        const delay = baseDelayMs * 2 ** (attempt - 2) * (0.5 + Math.random());
        if (delay >= budgetMs()) break;
        await sleep(delay);
      }
      const budget = budgetMs();
      if (budget <= 0) return accepted; // out of time: what is left answers ProcessingFailed
      const signal = Number.isFinite(budget) ? AbortSignal.timeout(Math.floor(budget)) : undefined;
      try {
        const output = await put(
          streamName,
          pending.map((index) => records[index] as Uint8Array),
          signal,
        );
        pending = unaccepted(pending, output, accepted);
      } catch {
        break; // the client has already retried; this chunk stays unaccepted
      }
    }
  }
  return accepted;
}
