/** The stage of the pipeline a record failed in. */
export type TransformStage = 'decode' | 'parse' | 'normalise' | 'encode';

/**
 * A record-level failure. The message names the record and where in it (stage, log event index, field
 * path) and never carries prompt or completion text.
 */
export class TransformError extends Error {
  override name = 'TransformError';
  readonly stage: TransformStage;

  constructor(stage: TransformStage, message: string, options?: { cause?: unknown }) {
    super(`${stage}: ${message}`, options);
    this.stage = stage;
  }
}
