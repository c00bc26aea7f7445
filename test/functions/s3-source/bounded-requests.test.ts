import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedRequests } from '../../../functions/s3-source/bounded-requests.ts';

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
});
