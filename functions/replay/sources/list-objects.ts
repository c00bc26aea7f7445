import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type GetObjectBody, getObjectWith } from '../../s3-source/offloaded-body.ts';
import { awsConfigError } from '../aws-setup.ts';

export interface ListedObject {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** Every object under a prefix, page by page (ListObjectsV2, 1,000 a page): memory holds one page. */
export async function* listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
    } catch (error) {
      throw awsConfigError(error, `s3://${bucket}/${prefix}`);
    }
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith('/')) continue;
      yield { key: object.Key, etag: (object.ETag ?? '').replaceAll('"', ''), size: object.Size ?? 0 };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** How long a body may send nothing before its read fails (the SDK's request timeout ends at the headers). */
const BODY_STALL_MS = 60_000;

/** An object's body as a stream of chunks (never read whole); a body that stalls fails instead of hanging. */
export async function objectBody(
  s3: S3Client,
  bucket: string,
  key: string,
  { stallMs = BODY_STALL_MS }: { readonly stallMs?: number } = {},
): Promise<AsyncIterable<Uint8Array>> {
  let output: { Body?: unknown };
  try {
    output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    const config = awsConfigError(error, `s3://${bucket}/${key}`);
    // Credentials or region: the whole run is mis-configured. Anything else concerns this object only.
    if (/credentials|region/i.test(config.message) && config.name === 'UsageError') throw config;
    throw new Error(
      `cannot read s3://${bucket}/${key}: ${(error as Error).name ?? ''} ${(error as Error).message ?? ''}`.trim(),
    );
  }
  const body = output.Body as AsyncIterable<Uint8Array> | undefined;
  if (
    body === undefined ||
    typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function'
  )
    return (async function* () {})();
  return stallGuarded(body, stallMs, `s3://${bucket}/${key}`);
}

/**
 * GetObject for the offloaded-body reader (backfill s3 --hydrate), whose bodies fail as `objectBody`'s do when
 * they stall: the reader has no time budget of its own in the CLI.
 */
export function stallGuardedGetObject(
  s3: S3Client,
  { stallMs = BODY_STALL_MS }: { readonly stallMs?: number } = {},
): GetObjectBody {
  const getObject = getObjectWith(s3);
  return async (bucket, key, signal) =>
    stallGuarded(await getObject(bucket, key, signal), stallMs, `s3://${bucket}/${key}`);
}

/**
 * `body` read through failOnStall, keeping its `destroy`: a reader that gives up while a chunk is awaited
 * must end the stream itself (a generator cannot be returned while it waits).
 */
function stallGuarded(
  body: AsyncIterable<Uint8Array>,
  stallMs: number,
  where: string,
): AsyncIterable<Uint8Array> & { destroy(): void } {
  return {
    [Symbol.asyncIterator]: () => failOnStall(body, stallMs, where),
    destroy: () => (body as { destroy?: () => void }).destroy?.(),
  };
}

/**
 * The chunks of `body`, failing when none comes for `stallMs`. The stream is destroyed whenever it is left
 * before its end (a stall, or a reader that gave up), so its connection is not held for ever.
 */
async function* failOnStall(
  body: AsyncIterable<Uint8Array>,
  stallMs: number,
  where: string,
): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  let ended = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`cannot read ${where}: no data for ${stallMs / 1000} s`)),
          stallMs,
        );
      });
      let next: IteratorResult<Uint8Array>;
      try {
        next = await Promise.race([iterator.next(), stalled]);
      } finally {
        clearTimeout(timer);
      }
      if (next.done === true) {
        ended = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!ended) (body as { destroy?: () => void }).destroy?.();
  }
}
