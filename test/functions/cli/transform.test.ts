import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  controlMessage,
  dataMessage,
  firehoseEvent,
  recordData,
} from '../../../functions/cli/firehose-event.ts';
import { main } from '../../../functions/cli/main.ts';
import { FirehoseTransformationResultSchema } from '../../../schemas/firehose.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { captureIo } from '../../helpers/cli.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';
import { decodeRows } from '../../helpers/rows.ts';

const log = readJson<Record<string, unknown>>(`${FIXTURES_DIR}/converse/converse-nova.json`);
const good = recordData(dataMessage([{ message: JSON.stringify(log), timestamp: 1_750_000_000_000 }]));
const eventJson = (datas: string[]) => JSON.stringify(firehoseEvent(datas));

describe('bedrock-o2 transform', () => {
  it('prints exactly what the Lambda answers for an event on stdin', async () => {
    const { io, stdout, stderr } = captureIo({ stdin: eventJson([recordData(controlMessage()), good]) });
    expect(await main(['transform'], io)).toBe(0);
    const response = FirehoseTransformationResultSchema.parse(JSON.parse(stdout()));
    expect(response.records.map((r) => r.result)).toEqual(['Dropped', 'Ok']);
    expect(decodeRows(response.records[1]?.data ?? '')[0]).toMatchObject({
      aws_request_id: log['requestId'],
      normaliser: 'converse',
    });
    expect(stderr()).toMatch(/records: 2 in, 1 ok, 1 dropped, 0 failed; rows: 1/);
  });

  it('reads a FILE and prints rows as NDJSON with --rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o2-'));
    writeFileSync(join(dir, 'event.json'), eventJson([good, good]));
    const { io, stdout } = captureIo({ cwd: dir });
    expect(await main(['transform', '--rows', 'event.json'], io)).toBe(0);
    const lines = stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) InvocationRowSchema.parse(JSON.parse(line));
  });

  it('exits 1 when a record fails, and names it on stderr', async () => {
    const bad = Buffer.from('nope').toString('base64');
    const event = firehoseEvent([good, bad]);
    const { io, stderr } = captureIo({ stdin: JSON.stringify(event) });
    expect(await main(['transform'], io)).toBe(1);
    expect(stderr()).toContain(`record ${event.records[1]?.recordId}: ProcessingFailed: decode:`);
  });

  it('runs the metrics entry point with --source metrics', async () => {
    const line = JSON.stringify({
      metric_stream_name: 's',
      account_id: '123456789012',
      region: 'us-east-1',
      namespace: 'AWS/Bedrock',
      metric_name: 'Invocations',
      dimensions: {},
      timestamp: 1_750_000_000_000,
      value: { min: 1, max: 1, sum: 3, count: 3 },
      unit: 'Count',
    });
    const { io, stdout } = captureIo({ stdin: eventJson([Buffer.from(line).toString('base64')]) });
    expect(await main(['transform', '--source', 'metrics', '--rows'], io)).toBe(0);
    expect(JSON.parse(stdout())).toMatchObject({ metric_name: 'Invocations', metric_avg: 1 });
  });

  it('applies --config (content mode none)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o2-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ content: { contentMode: 'none' } }));
    const { io, stdout } = captureIo({ cwd: dir, stdin: eventJson([good]) });
    expect(await main(['transform', '--rows', '--config', 'config.json'], io)).toBe(0);
    const row = JSON.parse(stdout()) as Record<string, unknown>;
    expect(row['aws_bedrock_content_mode']).toBe('none');
    expect(row).not.toHaveProperty('gen_ai_input_messages');
  });

  it.each([
    [['transform'], 'not json', /stdin is not JSON/],
    [
      ['transform'],
      '{"records":[{"recordId":"a"}]}',
      /not a Firehose transformation event: records\[0\]\.data/,
    ],
    [['transform', 'missing.json'], '', /cannot read .*missing\.json: ENOENT/],
    [['transform', '--source', 'traces'], '', /--source must be logs or metrics/],
    [['transform', '--bogus'], '', /unknown option --bogus; see 'bedrock-o2 transform --help'/],
  ])('usage errors exit 2 with one line: %j', async (argv, stdin, message) => {
    const { io, stderr } = captureIo({ stdin });
    expect(await main(argv, io)).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr().trimEnd().split('\n')).toHaveLength(1);
  });

  it('reports a bad BEDROCK_O2_CONFIG naming the path, exit 2', async () => {
    const { io, stderr } = captureIo({
      stdin: eventJson([good]),
      env: { BEDROCK_O2_CONFIG: JSON.stringify({ content: { contentMode: 'everything' } }) },
    });
    expect(await main(['transform'], io)).toBe(2);
    expect(stderr()).toMatch(/content\.contentMode/);
  });

  it('processes an event over the Lambda limits anyway, with warnings on stderr', async () => {
    // ~7 MB of base64 that is not gzip: over the 6 MB request limit, and each record fails on its own.
    const junk = Buffer.alloc(900_000, 0x41).toString('base64');
    const { io, stdout, stderr } = captureIo({ stdin: eventJson(Array.from({ length: 6 }, () => junk)) });
    expect(await main(['transform'], io)).toBe(1);
    expect(stderr()).toMatch(
      /warning: stdin is \d+ bytes, over the Lambda's 6 MB request limit; processing anyway/,
    );
    expect(stderr()).toMatch(/warning: the response is \d+ bytes, over the Lambda's 6 MB limit/);
    expect(JSON.parse(stdout()).records).toHaveLength(6);
  });

  it('has --help', async () => {
    const { io, stdout } = captureIo();
    expect(await main(['transform', '--help'], io)).toBe(0);
    expect(stdout()).toMatch(/Usage: bedrock-o2 transform/);
  });
});

describe('bedrock-o2', () => {
  it('lists commands with --help and rejects unknown ones', async () => {
    const help = captureIo();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/transform[\s\S]*demo[\s\S]*prices/);
    const unknown = captureIo();
    expect(await main(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toMatch(/unknown command "frobnicate"/);
  });
});
