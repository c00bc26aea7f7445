import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { RateLimiter } from '../../../functions/replay/rate-limit.ts';
import { firehoseSink } from '../../../functions/replay/sinks.ts';
import { captureIo } from '../../helpers/cli.ts';
import { O2_ENV } from '../../helpers/replay.ts';

// The real SDK clients (no mock in this file) with no region or credentials to find: the CLI must say
// what to set in one line and exit 2, before any network call.
const AWS_KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];
let saved: Record<string, string | undefined>;
let cwd: string;

beforeEach(() => {
  saved = Object.fromEntries(AWS_KEYS.map((key) => [key, process.env[key]]));
  for (const key of AWS_KEYS) delete process.env[key];
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-aws-'));
  process.env['AWS_CONFIG_FILE'] = join(cwd, 'no-config');
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(cwd, 'no-credentials');
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
});
afterEach(() => {
  for (const key of AWS_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  rmSync(cwd, { recursive: true, force: true });
});

describe('AWS configuration errors', () => {
  it('backfill cloudwatch without a region', async () => {
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['backfill', 'cloudwatch', '--log-group', 'g', '--from', '2h', '--to', '1h'], io)).toBe(
      2,
    );
    expect(stderr()).toBe(
      'bedrock-o2 backfill: no AWS region for CloudWatch Logs: set AWS_REGION or pass --region\n',
    );
  });

  it('replay without a region', async () => {
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['replay', 's3://backup-bucket/errors/', '--no-dedupe'], io)).toBe(2);
    expect(stderr()).toMatch(
      /^bedrock-o2 replay: no AWS region for s3:\/\/backup-bucket\/errors\/: set AWS_REGION\n$/,
    );
  });

  it('replay without credentials', async () => {
    process.env['AWS_REGION'] = 'us-east-1';
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['replay', 's3://backup-bucket/errors/', '--no-dedupe'], io)).toBe(2);
    expect(stderr()).toMatch(
      /^bedrock-o2 replay: no AWS credentials for s3:\/\/backup-bucket\/errors\/: set AWS_PROFILE/,
    );
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });

  it('the Firehose sink checks its region and credentials before a run', async () => {
    process.env['AWS_REGION'] = 'us-east-1';
    const sink = firehoseSink(new FirehoseClient({}), 'bedrock-o2-logs', new RateLimiter(1));
    await expect(sink.ready?.()).rejects.toThrow(
      /^no AWS credentials for Firehose delivery stream bedrock-o2-logs: set AWS_PROFILE/,
    );
  });

  it.each([['not a region'], ['']])(
    'backfill cloudwatch --region %j: one line saying what to pass',
    async (region) => {
      const { io, stderr } = captureIo({ env: O2_ENV, cwd });
      const args = [
        'backfill',
        'cloudwatch',
        '--log-group',
        'g',
        '--from',
        '2h',
        '--to',
        '1h',
        '--region',
        region,
      ];
      expect(await main(args, io)).toBe(2);
      expect(stderr()).toBe(
        `bedrock-o2 backfill: "${region}" is not an AWS region name (like eu-west-1) for CloudWatch Logs: pass --region like eu-west-1\n`,
      );
    },
  );

  it('replay with AWS_REGION="bad region": one line saying to set AWS_REGION', async () => {
    process.env['AWS_REGION'] = 'bad region';
    const { io, stderr } = captureIo({ env: O2_ENV, cwd });
    expect(await main(['replay', 's3://backup-bucket/errors/', '--no-dedupe'], io)).toBe(2);
    expect(stderr()).toMatch(
      /^bedrock-o2 replay: "bad region" is not an AWS region name .*: set AWS_REGION\n$/,
    );
  });
});
