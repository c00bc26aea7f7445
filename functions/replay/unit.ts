/**
 * What a replay or backfill reads, in units of resumable work (an S3 object, an hour of a log group), each a
 * stream of items: input records read, rows made from them, inputs deliberately skipped, notes, and inputs that could
 * not be read (these go to the rejects file; the rest of the unit carries on).
 */

export type Row = Record<string, unknown>;

/** Which OpenObserve stream (or delivery stream) a row belongs to. */
export type Target = 'logs' | 'metrics';

export type UnitItem =
  | { readonly kind: 'read'; readonly count: number }
  | {
      readonly kind: 'row';
      readonly target: Target;
      readonly row: Row;
      /**
       * The input line the deployed logs transform turns into this row (a Bedrock log line, or a CloudWatch
       * Logs envelope holding just this row's log event). `--via firehose` sends it rather than the row, so
       * the deployed configuration (content mode, redaction) applies as on the live path.
       */
      readonly input?: string;
    }
  | { readonly kind: 'skipped'; readonly reason: string }
  /** Something worth counting that did not stop the row (an offloaded body that could not be loaded). */
  | { readonly kind: 'note'; readonly reason: string }
  | { readonly kind: 'unreadable'; readonly reason: string; readonly where: string };

export interface Unit {
  /** Stable across runs for the same input (an object's ETag is part of it). */
  readonly id: string;
  /** What a person reads in messages: `s3://bucket/key`, `group 2026-11-29T10Z`. */
  readonly label: string;
  readonly items: () => AsyncIterable<UnitItem>;
  /**
   * The unit holds only its own slice of time (an hour of a log group): once finished it is done for any
   * later run, whatever that run's --from/--to. S3 objects are finished for the run's range only.
   */
  readonly ownRange?: boolean;
}

/** The units of a run, and what the listing counted on the way (keys skipped, and why). */
export interface UnitSource {
  readonly units: AsyncIterable<Unit>;
  /** Keys or slices passed over while listing, by reason; filled in as the listing goes. */
  readonly passedOver: Map<string, number>;
  /** Units listed so far, and whether the listing is complete (for the ETA). */
  readonly listed: { count: number; complete: boolean };
}
