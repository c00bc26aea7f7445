import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import type { TransformError } from '../../../functions/transform/firehose/errors.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry, type Telemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';
import { decodeRows } from '../../helpers/rows.ts';

const sample = readJson<Record<string, unknown>>(
  `${FIXTURES_DIR}/anthropic_messages/anthropic-messages-stream.json`,
);
const goodRecord = recordData(
  dataMessage([{ message: JSON.stringify(sample), timestamp: 1_743_096_168_000 }]),
);

async function run(datas: string[], configInput: object = {}) {
  const failures: { recordId: string; error: TransformError }[] = [];
  const telemetry: Telemetry = {
    ...silentTelemetry,
    recordFailed: (recordId, error) => failures.push({ recordId, error }),
  };
  const normaliser = createNormaliser(TransformConfigSchema.parse(configInput));
  const result = await processLogsEvent(firehoseEvent(datas), { normaliser, telemetry });
  return { ...result, failures };
}

function withPrompt(text: string): Record<string, unknown> {
  const log = structuredClone(sample);
  (log['input'] as { inputBodyJson: { messages: unknown[] } }).inputBodyJson.messages = [
    { role: 'user', content: [{ type: 'text', text }] },
  ];
  return log;
}

describe('hostile input fails its own record only, with a clear reason', () => {
  it.each([
    [
      'truncated gzip',
      gzipSync(JSON.stringify(dataMessage([])))
        .subarray(0, 20)
        .toString('base64'),
      /not valid gzip/,
    ],
    ['bad base64', '!!!not base64!!!', /not valid base64/],
    ['not JSON', Buffer.from('hello world').toString('base64'), /neither gzip nor JSON/],
    ['JSON but not an envelope', recordData({ foo: 1 }), /not a CloudWatch Logs envelope/],
    ['an array', recordData([1, 2, 3] as unknown as object), /not a CloudWatch Logs envelope/],
    [
      'unknown messageType',
      recordData({ messageType: 'SURPRISE', logEvents: [] }),
      /unknown CloudWatch Logs messageType/,
    ],
    [
      'logEvents not an array',
      recordData({ messageType: 'DATA_MESSAGE', logEvents: {} }),
      /logEvents: expected an array/,
    ],
    [
      'a non-string message',
      recordData({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', timestamp: 1, message: 7 }] }),
      /logEvents\[0\]\.message/,
    ],
    [
      'a log event without a real time',
      recordData({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', timestamp: 0, message: 'x' }] }),
      /logEvents\[0\]\.timestamp: expected epoch milliseconds/,
    ],
    [
      'non-UTF-8 bytes',
      gzipSync(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])).toString('base64'),
      /not valid UTF-8/,
    ],
  ])('%s', async (_label, bad, reason) => {
    const { response, failures } = await run([goodRecord, bad, goodRecord]);
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed', 'Ok']);
    expect(response.records[1]?.data).toBe(bad);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error.message).toMatch(reason);
  });

  it('bounds decompression: a gzip bomb fails its record, the batch goes on', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)).toString('base64');
    expect(bomb.length).toBeLessThan(100_000);
    const { response, failures } = await run([bomb, goodRecord], { maxDecompressedBytes: 2 * 1024 * 1024 });
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'Ok']);
    expect(failures[0]?.error.message).toMatch(/decompresses to more than 2097152 bytes/);
  });

  it('never puts prompt text into an error message', async () => {
    const secret = 'my-credit-card-4111-1111';
    const broken = gzipSync(`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"${secret}"`).toString(
      'base64',
    );
    const { failures } = await run([broken]);
    expect(failures).toHaveLength(1);
    expect(JSON.stringify({ message: failures[0]?.error.message })).not.toContain(secret);
  });
});

describe('large and odd but valid input still becomes rows', () => {
  it('a 10 MB prompt becomes a bounded row, cut with the marker', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const record = recordData(dataMessage([{ message: JSON.stringify(withPrompt(huge)), timestamp: 1 }]));
    const { response } = await run([record]);
    expect(response.records[0]?.result).toBe('Ok');
    const [row] = decodeRows(response.records[0]?.data ?? '');
    expect(InvocationRowSchema.safeParse(row).success).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(row))).toBeLessThan(256 * 1024);
    expect(row?.['aws_bedrock_content_truncated']).toBe(true);
    expect(String(row?.['gen_ai_input_messages'])).toMatch(/…\[truncated \d+ bytes\]/);
    expect(JSON.parse(String(row?.['normaliser_warnings']))).toContain('content_truncated');
  });

  it('a row with every content field at the largest budget and hostile metadata stays under 256 KiB', async () => {
    const huge = 'é'.repeat(300_000);
    const log = withPrompt(huge);
    const body = (log['input'] as { inputBodyJson: Record<string, unknown> }).inputBodyJson;
    body['system'] = huge;
    (log['output'] as { outputBodyJson: unknown }).outputBodyJson = {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: huge }],
    };
    log['requestMetadata'] = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`key${i}${'k'.repeat(300)}`, 'v'.repeat(5000)]),
    );
    log['requestId'] = 'r'.repeat(100_000);
    const record = recordData(dataMessage([{ message: JSON.stringify(log), timestamp: 1 }]));
    const { response } = await run([record], { content: { maxContentBytes: 40 * 1024 } });
    const [row] = decodeRows(response.records[0]?.data ?? '');
    expect(Buffer.byteLength(JSON.stringify(row))).toBeLessThan(256 * 1024);
    expect(InvocationRowSchema.safeParse(row).success).toBe(true);
  });

  it('10,000 log events in one record → 10,000 rows', async () => {
    const message = JSON.stringify(sample);
    const events = Array.from({ length: 10_000 }, (_, i) => ({ message, timestamp: 1_743_096_168_000 + i }));
    const { response } = await run([recordData(dataMessage(events))]);
    expect(response.records[0]?.result).toBe('Ok');
    expect(decodeRows(response.records[0]?.data ?? '')).toHaveLength(10_000);
  });

  it('deeply nested JSON in a body, tool input and metadata does not fail the record', async () => {
    // Built as text: JSON.stringify itself cannot write 100,000 levels, JSON.parse can read them.
    const depth = 100_000;
    const deep = `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
    const message =
      '{"schemaType":"ModelInvocationLog","timestamp":"2025-01-01T00:00:00Z","requestId":"r","operation":"Converse",' +
      `"modelId":"anthropic.claude-3-haiku-20240307-v1:0","requestMetadata":{"deep":${deep}},` +
      `"input":{"inputBodyJson":{"messages":[{"role":"user","content":[{"text":"hi"},{"toolResult":{"toolUseId":"t","content":[{"json":${deep}}]}}]}],"deep":${deep}},"inputTokenCount":1},` +
      `"output":{"outputBodyJson":{"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"t","name":"f","input":${deep}}}]}},"stopReason":"tool_use"},"outputTokenCount":1}}`;
    const { response } = await run([recordData(dataMessage([{ message, timestamp: 1 }]))]);
    expect(response.records[0]?.result).toBe('Ok');
    const [row] = decodeRows(response.records[0]?.data ?? '');
    expect(InvocationRowSchema.safeParse(row).success).toBe(true);
    expect(row?.['aws_bedrock_request_metadata_deep']).toContain('unserialisable');
  });

  it('prototype-pollution keys stay data', async () => {
    const message =
      '{"schemaType":"ModelInvocationLog","timestamp":"2025-01-01T00:00:00Z","requestId":"r","modelId":"anthropic.claude-3-haiku-20240307-v1:0",' +
      '"operation":"InvokeModel","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
      '"requestMetadata":{"__proto__":{"polluted":true},"constructor":"x","toString":"y"},' +
      '"input":{"inputBodyJson":{"__proto__":{"polluted":true},"messages":[{"role":"user","content":"hi","__proto__":{"x":1}}]},"inputTokenCount":1},' +
      '"output":{"outputBodyJson":{"__proto__":{"polluted":true}},"outputTokenCount":1}}';
    const { response } = await run([recordData(dataMessage([{ message, timestamp: 1 }]))]);
    expect(response.records[0]?.result).toBe('Ok');
    const [row] = decodeRows(response.records[0]?.data ?? '');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(row?.['polluted']).toBeUndefined();
    expect(row?.['aws_bedrock_request_metadata_constructor']).toBe('x');
    expect(InvocationRowSchema.safeParse(row).success).toBe(true);
  });

  it('metadata keys with odd characters become sanitised, bounded columns', async () => {
    const log = withPrompt('hi');
    log['requestMetadata'] = {
      'Team Name!': 'a',
      'ünïcode-key': 'b',
      'a.b-c': 'c',
      [`long${'k'.repeat(200)}`]: 'd',
      '': 'e',
      nested: { x: [1, 2] },
    };
    const { response } = await run([
      recordData(dataMessage([{ message: JSON.stringify(log), timestamp: 1 }])),
    ]);
    const [row] = decodeRows(response.records[0]?.data ?? '');
    expect(row).toMatchObject({
      aws_bedrock_request_metadata_team_name_: 'a',
      aws_bedrock_request_metadata__n_code_key: 'b',
      aws_bedrock_request_metadata_a_b_c: 'c',
      aws_bedrock_request_metadata_nested: '{"x":[1,2]}',
    });
    expect(row?.[`aws_bedrock_request_metadata_long${'k'.repeat(60)}`]).toBe('d');
    expect(InvocationRowSchema.safeParse(row).success).toBe(true);
  });
});
