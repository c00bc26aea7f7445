import { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../cli/io.ts';
import { boundedRequests } from '../transform/bounded-requests.ts';

/** AWS set-up for the CLI: client options, resolving region and credentials early, and errors that mean the set-up is wrong. */

/**
 * AWS SDK errors that mean the set-up is wrong (exit 2, one line saying what to set), told apart from errors of
 * one object or call. Everything else is returned unchanged.
 */
export function awsConfigError(error: unknown, what: string, regionHint = 'set AWS_REGION'): Error {
  const name = (error as { name?: unknown } | undefined)?.name;
  const message = (error as Error | undefined)?.message ?? String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message))
    return new UsageError(
      `no AWS credentials for ${what}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    );
  if (/Region is missing/i.test(message)) return new UsageError(`no AWS region for ${what}: ${regionHint}`);
  const notAccepted = /Region not accepted: region="([^"]*)"/.exec(message);
  if (notAccepted !== null) return new UsageError(badRegionMessage(notAccepted[1] ?? '', what, regionHint));
  if (
    name === 'ExpiredToken' ||
    name === 'ExpiredTokenException' ||
    name === 'InvalidClientTokenId' ||
    name === 'UnrecognizedClientException' ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch'
  )
    return new UsageError(
      `AWS refused the credentials for ${what} (${name}): refresh them or set AWS_PROFILE`,
    );
  if (name === 'AccessDenied' || name === 'AccessDeniedException')
    return new UsageError(
      `AWS denied access to ${what} (${name}): check the IAM permissions of your credentials`,
    );
  if (name === 'NoSuchBucket') return new UsageError(`${what}: no such bucket`);
  if (name === 'ResourceNotFoundException')
    return new UsageError(`${what}: not found (${message.split('\n')[0]})`);
  return error instanceof Error ? error : new Error(message);
}

/** A region name as AWS spells them (`eu-west-1`, `us-gov-west-1`, a local stand-in's `local`): one host label. */
const REGION_SHAPE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function badRegionMessage(region: string, what: string, regionHint: string): string {
  return `"${region}" is not an AWS region name (like eu-west-1) for ${what}: ${regionHint}`;
}

/** A region given on the command line, checked before a client is built with it. */
export function checkRegionFlag(region: string | undefined, what: string, regionHint: string): void {
  if (region !== undefined && !REGION_SHAPE.test(region))
    throw new UsageError(badRegionMessage(region, what, regionHint));
}

/**
 * Resolves a client's region and credentials up front, so a run that cannot reach AWS says so in one line
 * before it starts rather than after its first call. Returns the region.
 */
export async function ensureAwsConfig(
  config: { region: () => Promise<string>; credentials: () => Promise<unknown> },
  what: string,
  regionHint = 'set AWS_REGION',
): Promise<string> {
  try {
    const region = await config.region();
    if (!REGION_SHAPE.test(region)) throw new UsageError(badRegionMessage(region, what, regionHint));
    await config.credentials();
    return region;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw awsConfigError(error, what, regionHint);
  }
}

/**
 * S3 client options: the SDK's defaults, plus path-style addressing when an endpoint is set
 * (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`), which S3-compatible stores and local stand-ins need.
 */
export function s3ClientOptions(env: Readonly<Record<string, string | undefined>>): {
  forcePathStyle?: boolean;
} {
  const endpoint = env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
  return endpoint === undefined || endpoint === '' ? {} : { forcePathStyle: true };
}

/** The S3 client a replay or backfill reads `s3://bucket/prefix` with, its region and credentials resolved up front. */
export async function readyS3Client(
  env: Readonly<Record<string, string | undefined>>,
  location: { readonly bucket: string; readonly prefix: string },
  { timeoutMs = 60_000 }: { readonly timeoutMs?: number } = {},
): Promise<S3Client> {
  // A request whose answer does not start within a minute fails and is retried by the SDK instead of hanging
  // the run; a body that stalls later is caught by its reader (sources/list-objects.ts).
  const s3 = new S3Client({
    ...s3ClientOptions(env),
    requestHandler: boundedRequests(10_000, timeoutMs),
  });
  await ensureAwsConfig(s3.config, `s3://${location.bucket}/${location.prefix}`);
  return s3;
}
