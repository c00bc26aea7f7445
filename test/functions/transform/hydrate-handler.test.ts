import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firehoseEvent } from '../../../functions/cli/firehose-event.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import { rowsOfResponse } from '../../helpers/rows.ts';

// The Lambda entry point reads BEDROCK_O2_CONFIG at import: each case imports a fresh copy.
const s3 = mockClient(S3Client);
afterEach(() => {
  s3.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

const fixture = allFixtures().find((f) => f.name === 'anthropic-messages-invoke');
const log = fixture?.log ?? {};
const requestId = String(log['requestId']);
const key = `AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/27/17/data/${requestId}_input.json.gz`;
const offloaded = {
  ...log,
  input: { ...(log['input'] as object), inputBodyJson: null, inputBodyS3Path: `s3://acme-logs/${key}` },
};
const event = (): FirehoseTransformationEvent =>
  firehoseEvent([gzipSync(`${JSON.stringify(offloaded)}\n`).toString('base64')]);
const context = { getRemainingTimeInMillis: () => 60_000 };

async function handlerWith(config: object | undefined) {
  if (config !== undefined) vi.stubEnv('BEDROCK_O2_CONFIG', JSON.stringify(config));
  else vi.stubEnv('BEDROCK_O2_CONFIG', '');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return (await import('../../../functions/transform/handler.ts')).handler;
}

describe('the logs Lambda with hydrateLargeBodies', () => {
  it('on: reads the body through the lazily created S3 client and fills the row', async () => {
    s3.on(GetObjectCommand).callsFake(() => ({
      Body: Readable.from([
        gzipSync(JSON.stringify((log['input'] as Record<string, unknown>)['inputBodyJson'])),
      ]),
    }));
    const handler = await handlerWith({
      hydrateLargeBodies: {
        locations: [
          { bucketName: 'acme-logs', accountId: '123456789012', region: 'us-east-1', logSources: ['s3'] },
        ],
      },
    });
    const rows = rowsOfResponse(await handler(event(), context));
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'acme-logs', Key: key },
    ]);
    expect(rows[0]).toMatchObject({ aws_bedrock_input_hydrated: true, aws_request_id: requestId });
    expect(rows[0]?.['gen_ai_input_messages']).toBeTypeOf('string');
  });

  it('off (the default): no S3 call, the row keeps body_offloaded', async () => {
    const handler = await handlerWith(undefined);
    const rows = rowsOfResponse(await handler(event(), context));
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(rows[0]?.['normaliser_warnings']).toContain('body_offloaded');
    expect(rows[0]?.['aws_bedrock_input_hydrated']).toBeUndefined();
  });
});
