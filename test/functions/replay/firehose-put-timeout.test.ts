import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../functions/replay/rate-limit.ts';
import {
  FIREHOSE_CLIENT_CONFIG,
  firehoseSink,
  putRequestTimeoutMs,
} from '../../../functions/replay/sinks.ts';

// The SDK's request timeout runs from the start of the upload to the answer's headers: a call's wait must
// grow with its size, or a slow uplink fails every attempt of a large PutRecordBatch alike.

const ANSWER_AFTER_MS = 800;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  // Reads the whole call, then answers late, as a slow upload would: every record accepted.
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const records = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Records: unknown[] }).Records;
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(
          JSON.stringify({
            FailedPutCount: 0,
            RequestResponses: records.map((_, index) => ({ RecordId: `r${index}` })),
          }),
        );
      }, ANSWER_AFTER_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the CLI Firehose sink', () => {
  it('gives a call the time its size needs, beyond the client’s own request timeout', async () => {
    const client = new FirehoseClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' },
      maxAttempts: 1,
      // The client's fixed wait, shorter than this server takes to answer.
      requestHandler: { ...FIREHOSE_CLIENT_CONFIG.requestHandler, requestTimeout: ANSWER_AFTER_MS / 4 },
    });
    // Incompressible rows, so the gzip'd call is as large as they are.
    const rows = Array.from({ length: 20 }, (_, index) =>
      JSON.stringify({ aws_request_id: `id-${index}`, noise: randomBytes(8 * 1024).toString('base64') }),
    );
    const sink = firehoseSink(client, 'bedrock-o2-logs', new RateLimiter(0), { baseDelayMs: 1 });
    const results = await sink.send('logs', rows, []);
    expect(results).toEqual(rows.map(() => ({ ok: true })));
    client.destroy();
  }, 10_000);

  it('waits long enough for 4 MiB over a 256 kbit/s uplink, and not for ever', () => {
    const fourMiB = 4 * 1024 * 1024;
    const uploadMs = (fourMiB / (256_000 / 8)) * 1000;
    expect(putRequestTimeoutMs(fourMiB)).toBeGreaterThan(uploadMs);
    expect(putRequestTimeoutMs(fourMiB)).toBeLessThan(10 * 60_000);
    expect(putRequestTimeoutMs(1)).toBeGreaterThanOrEqual(30_000);
  });
});
