import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIREHOSE_CLIENT_CONFIG } from '../../../functions/replay/sinks.ts';
import { boundedRequests } from '../../../functions/transform/bounded-requests.ts';
import { REINGEST_CLIENT_CONFIG } from '../../../functions/transform/firehose/reingest-client.ts';
import { HYDRATE_S3_CLIENT_CONFIG } from '../../../functions/transform/logs/hydrate.ts';

/** The real SDK client and real HTTP against a server that takes the request and never answers. */

let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer(() => {
    // No headers, no close.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('boundedRequests', () => {
  it('fails a call whose answer never comes, instead of holding it for ever', async () => {
    const firehose = new FirehoseClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' },
      maxAttempts: 1,
      requestHandler: boundedRequests(1_000, 300),
    });
    const started = Date.now();
    await expect(
      firehose.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: [{ Data: Buffer.from('x') }] }),
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    firehose.destroy();
  }, 10_000);

  it.each([
    ['the logs Lambda’s re-ingest Firehose client', () => REINGEST_CLIENT_CONFIG, 'firehose'],
    ['the logs Lambda’s hydration S3 client', () => HYDRATE_S3_CLIENT_CONFIG, 's3'],
    ['the CLI’s Firehose client (replay/backfill --via firehose)', () => FIREHOSE_CLIENT_CONFIG, 'firehose'],
  ] as const)(
    '%s uses them: a silent call fails',
    async (_name, configOf, kind) => {
      const config = configOf();
      // The Lambda's own options, with only the wait shortened for the test.
      const requestHandler = { ...config.requestHandler, requestTimeout: 300 };
      const common = {
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' },
        maxAttempts: 1,
        requestHandler,
      };
      const started = Date.now();
      if (kind === 'firehose') {
        const firehose = new FirehoseClient({ ...common, retryMode: config.retryMode });
        await expect(
          firehose.send(
            new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: [{ Data: Buffer.from('x') }] }),
          ),
        ).rejects.toMatchObject({ name: 'TimeoutError' });
        firehose.destroy();
      } else {
        const s3 = new S3Client({ ...common, forcePathStyle: true, retryMode: config.retryMode });
        await expect(s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toMatchObject({
          name: 'TimeoutError',
        });
        s3.destroy();
      }
      expect(Date.now() - started).toBeLessThan(5_000);
    },
    10_000,
  );
});
