import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
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

/** An object's body as a stream of chunks (never read whole). */
export async function objectBody(
  s3: S3Client,
  bucket: string,
  key: string,
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
  return body;
}
