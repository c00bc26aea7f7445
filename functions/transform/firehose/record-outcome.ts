import { TransformError, type TransformStage } from './errors.ts';

/** What became of one Firehose record, before it is turned into the status model (records.ts). */
export type RecordOutcome =
  | { readonly kind: 'ok'; readonly data: Buffer; readonly rows: readonly object[] }
  | { readonly kind: 'dropped'; readonly reason: 'control_message' | 'no_rows' }
  | { readonly kind: 'failed'; readonly error: TransformError };

/** Unexpected exceptions (bugs) keep their type and stack as `cause`; the message names the stage only. */
export function asTransformError(error: unknown, stage: TransformStage): TransformError {
  if (error instanceof TransformError) return error;
  const name = error instanceof Error ? error.name : typeof error;
  return new TransformError(stage, `unexpected ${name}`, { cause: error });
}
