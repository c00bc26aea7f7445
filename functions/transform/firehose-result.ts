import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import type { RecordOutcome } from './transform-record.ts';

/**
 * Outcome → the Firehose status model. Dropped and ProcessingFailed carry the input's original data
 * (record-schema §4.11), so a failed record in S3 `processing-failed/` can be replayed as it came.
 */
export function toFirehoseResult(
  recordId: string,
  outcome: RecordOutcome,
  originalData: string,
): FirehoseTransformationResultRecord {
  switch (outcome.kind) {
    case 'ok':
      return { recordId, result: 'Ok', data: outcome.data.toString('base64') };
    case 'dropped':
      return { recordId, result: 'Dropped', data: originalData };
    case 'failed':
      return { recordId, result: 'ProcessingFailed', data: originalData };
  }
}
