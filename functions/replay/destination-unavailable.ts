/**
 * The destination (OpenObserve or Firehose) stayed unavailable through every retry: the run stops, with what
 * was acknowledged in the checkpoint, so the same command resumes later. Not an error of one row or object.
 */
export class DestinationUnavailable extends Error {
  override name = 'DestinationUnavailable';
}
