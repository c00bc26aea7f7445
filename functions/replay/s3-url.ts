import { UsageError } from '../cli/io.ts';

export interface S3Location {
  readonly bucket: string;
  /** Key prefix, possibly empty. */
  readonly prefix: string;
}

/** `s3://bucket/prefix` → bucket and prefix; anything else is a usage error. */
export function parseS3Url(url: string | undefined): S3Location {
  if (url === undefined || url === '') throw new UsageError('missing s3://bucket/prefix');
  const bucket = /^s3:\/\/([^/]*)/.exec(url)?.[1];
  if (bucket !== undefined && (bucket.length < 3 || bucket.length > 63))
    throw new UsageError(`"${url}": S3 bucket names are 3 to 63 characters, not ${bucket.length}`);
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (match === null)
    throw new UsageError(`"${url}" is not an S3 URL (expected s3://bucket/prefix, bucket in lower case)`);
  return { bucket: match[1] as string, prefix: match[2] ?? '' };
}

/** `s3://bucket/key` of an object (the form Bedrock writes in `*BodyS3Path`). */
export function parseS3ObjectUrl(url: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return match === null ? undefined : { bucket: match[1] as string, key: match[2] as string };
}
