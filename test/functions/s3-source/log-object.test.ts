import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  bedrockLogRegionPrefix,
  classifyBedrockLogKey,
  readInvocationLogs,
  readObjectLines,
} from '../../../functions/s3-source/log-object.ts';
import { allFixtures } from '../../helpers/fixtures.ts';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const BASE = 'logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/27/17';

describe('classifyBedrockLogKey', () => {
  it.each([
    [`${BASE}/20260327T170102Z_9f2ab3c4d5e6f708.json.gz`, 'log'],
    [`${BASE}/20260327T170102Z_9f2a.json`, 'log'],
    [`${BASE}/data/8457577c-6177-4c3d-bde0-8261654673e0_input.json.gz`, 'data'],
    [`${BASE}/data/8457577c_input_media_00.pdf`, 'data'],
    [
      'logs/AWSLogs/123456789012/BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check',
      'permission-check',
    ],
    ['amazon-bedrock-logs-permission-check', 'permission-check'],
    ['logs/other/thing.json.gz', 'other'],
    [`${BASE}/notes.txt`, 'other'],
  ])('%s → %s', (key, kind) => {
    expect(classifyBedrockLogKey(key).kind).toBe(kind);
  });

  it('reads the prefix, account, region and hour partition from a batch key', () => {
    expect(classifyBedrockLogKey(`${BASE}/20260327T170102Z_9f2a.json.gz`)).toEqual({
      kind: 'log',
      prefix: 'logs/',
      accountId: '123456789012',
      region: 'us-east-1',
      hourStartMs: Date.UTC(2026, 2, 27, 17),
    });
  });

  it('builds the region prefix with or without a trailing slash on the user prefix', () => {
    expect(bedrockLogRegionPrefix('logs', '123456789012', 'eu-west-1')).toBe(
      'logs/AWSLogs/123456789012/BedrockModelInvocationLogs/eu-west-1/',
    );
    expect(bedrockLogRegionPrefix('', '1', 'r')).toBe('AWSLogs/1/BedrockModelInvocationLogs/r/');
  });
});

describe('readInvocationLogs', () => {
  const logs = allFixtures().map((fixture) => fixture.log);
  const ndjson = `${logs.map((log) => JSON.stringify(log)).join('\n')}\n`;

  it.each([1, 7, 4096, 1 << 20])(
    'reads every log of a gzip object delivered in %i-byte chunks',
    async (size) => {
      const items = await collect(readInvocationLogs(chunksOf(gzipSync(ndjson), size)));
      expect(items.map((item) => (item.kind === 'log' ? item.log : item))).toEqual(logs);
      expect(items.map((item) => item.line)).toEqual(logs.map((_, index) => index + 1));
    },
  );

  it('reads plain NDJSON, multi-member gzip, CRLF and a missing final newline alike', async () => {
    const lines = logs.slice(0, 3).map((log) => JSON.stringify(log));
    const multi = Buffer.concat([gzipSync(`${lines[0]}\n`), gzipSync(`${lines[1]}\r\n${lines[2]}`)]);
    for (const bytes of [Buffer.from(lines.join('\n')), multi]) {
      const items = await collect(readInvocationLogs(chunksOf(bytes, 100)));
      expect(items.map((item) => (item.kind === 'log' ? item.log : item))).toEqual(logs.slice(0, 3));
    }
  });

  it('accepts an object that is one JSON array of logs', async () => {
    const items = await collect(readInvocationLogs(chunksOf(gzipSync(JSON.stringify(logs.slice(0, 2))), 50)));
    expect(items.map((item) => (item.kind === 'log' ? item.log : item))).toEqual(logs.slice(0, 2));
  });

  it('reports lines that are not JSON or not invocation logs, and keeps reading', async () => {
    const text = `not json\n{"schemaType":"Other"}\n\n${JSON.stringify(logs[0])}\n`;
    const items = await collect(readInvocationLogs(chunksOf(Buffer.from(text), 5)));
    expect(items).toEqual([
      { kind: 'skipped', line: 1, reason: 'line is not JSON' },
      { kind: 'skipped', line: 2, reason: 'line is not a ModelInvocationLog' },
      { kind: 'log', line: 4, text: JSON.stringify(logs[0]), log: logs[0] },
    ]);
  });

  it('skips an over-long line without buffering it and reads the next one', async () => {
    const long = `{"schemaType":"ModelInvocationLog","x":"${'a'.repeat(50_000)}"}`;
    const text = `${long}\n${JSON.stringify(logs[0])}\n${long}`;
    const items = await collect(readObjectLines(chunksOf(Buffer.from(text), 300), { maxLineBytes: 20_000 }));
    expect(items.map((item) => item.kind)).toEqual(['skipped', 'line', 'skipped']);
    expect(items[1]).toEqual({ kind: 'line', line: 2, text: JSON.stringify(logs[0]) });
  });

  it('reports a line of invalid UTF-8 instead of reading it with replacement characters', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"schemaType":"ModelInvocationLog","x":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const good = Buffer.from(JSON.stringify({ ...logs[0], note: 'ünïcode ✓' }));
    const bytes = Buffer.concat([bad, Buffer.from('\n'), good, Buffer.from('\n')]);
    const items = await collect(readObjectLines(chunksOf(bytes, 7)));
    expect(items).toEqual([
      { kind: 'skipped', line: 1, reason: 'line is not valid UTF-8' },
      { kind: 'line', line: 2, text: good.toString('utf8') },
    ]);
    const array = Buffer.concat([Buffer.from('[{"a":"'), Buffer.from([0xff]), Buffer.from('"}]')]);
    expect(await collect(readObjectLines(chunksOf(array, 4)))).toEqual([
      { kind: 'skipped', line: 1, reason: 'object starts with [ but is not valid UTF-8' },
    ]);
  });

  it('destroys a body it gives up on (corrupt gzip, or a reader that stops), so its connection is freed', async () => {
    const corrupt = new PassThrough();
    corrupt.write(Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(512, 0xff)]));
    await expect(collect(readObjectLines(corrupt))).rejects.toThrow();
    expect(corrupt.destroyed).toBe(true);

    const open = new PassThrough();
    open.write(`${JSON.stringify(logs[0])}\n${JSON.stringify(logs[1])}\n`);
    for await (const _ of readObjectLines(open)) break;
    expect(open.destroyed).toBe(true);
  });

  it('throws on a corrupt gzip object so the caller can name it', async () => {
    const bytes = gzipSync(ndjson);
    const corrupt = Buffer.concat([bytes.subarray(0, 40), Buffer.alloc(200, 7)]);
    await expect(collect(readInvocationLogs(chunksOf(corrupt, 64)))).rejects.toThrow();
  });

  it('reads an empty object (the permission check) as no lines', async () => {
    expect(await collect(readObjectLines(chunksOf(Buffer.alloc(0), 10)))).toEqual([]);
  });
});
