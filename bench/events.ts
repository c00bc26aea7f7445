import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { dataMessage, firehoseEvent, recordData } from '../functions/cli/firehose-event.ts';

/** The events the bench runs the logs handler on: the mixed batch it times, and hostile ones for memory. */

// Bundled into a temporary directory by the bench, this module finds the repository through the environment.
const ROOT = process.env['BEDROCK_O2_ROOT'] ?? fileURLToPath(new URL('..', import.meta.url));

const WORDS =
  'the quick brown fox jumps over lazy dogs while invoices ship orders refund latency tokens region model'.split(
    ' ',
  );

function fixtureLogs(): Record<string, unknown>[] {
  const fixturesDir = join(ROOT, 'test/fixtures/bedrock');
  return readdirSync(fixturesDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(fixturesDir, f), 'utf8')) as Record<string, unknown>);
}

/** Fixtures with fresh ids and prompts of varied length, so the batch looks like a day of mixed traffic. */
export function mixedEvent(
  records: number,
  eventsPerRecord: number,
): { event: FirehoseTransformationEvent; inputBytes: number } {
  const logs = fixtureLogs();
  let n = 0;
  const datas: string[] = [];
  for (let r = 0; r < records; r++) {
    const events = [];
    for (let e = 0; e < eventsPerRecord; e++) {
      const log = structuredClone(logs[n % logs.length] ?? {});
      log['requestId'] = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const input = log['input'] as { inputBodyJson?: Record<string, unknown> } | undefined;
      const body = input?.inputBodyJson;
      if (body !== undefined && body !== null) {
        const words = 20 + ((n * 37) % 600);
        body['bench_padding'] = undefined;
        const text = Array.from({ length: words }, (_, i) => WORDS[(i * 7 + n) % WORDS.length]).join(' ');
        if (Array.isArray(body['messages']))
          body['messages'] = [...body['messages'], { role: 'user', content: text }];
        else if (typeof body['prompt'] === 'string') body['prompt'] = `${body['prompt']} ${text}`;
        else if (typeof body['inputText'] === 'string') body['inputText'] = `${body['inputText']} ${text}`;
      }
      events.push({ message: JSON.stringify(log), timestamp: Date.now() });
      n++;
    }
    datas.push(recordData(dataMessage(events)));
  }
  const event = firehoseEvent(datas);
  return { event, inputBytes: datas.reduce((sum, d) => sum + d.length, 0) };
}

function anthropicLog(prompt: string): Record<string, unknown> {
  const log = JSON.parse(
    readFileSync(
      join(ROOT, 'test/fixtures/bedrock/anthropic_messages/anthropic-messages-stream.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  (log['input'] as { inputBodyJson: { messages: unknown[] } }).inputBodyJson.messages = [
    { role: 'user', content: [{ type: 'text', text: prompt }] },
  ];
  return log;
}

const one = (message: string) => recordData(dataMessage([{ message, timestamp: 1_743_096_168_000 }]));

/**
 * Hostile but possible batches, each as large as Firehose allows a Lambda batch to be (6 MB of request):
 * what the transform must survive within the smallest memory it may be given.
 */
export const ADVERSARIAL: Readonly<Record<string, () => FirehoseTransformationEvent>> = {
  // Four records with a 1.2 MB prompt each (highly compressible, so the batch stays small on the wire).
  'huge-prompts': () =>
    firehoseEvent(Array.from({ length: 4 }, () => one(JSON.stringify(anthropicLog('x'.repeat(1_200_000)))))),
  // One record with a 10 MB prompt, cut to the content budget.
  'prompt-10mb': () => firehoseEvent([one(JSON.stringify(anthropicLog('y'.repeat(10 * 1024 * 1024))))]),
  // 10,000 log events in one record → 10,000 rows.
  'events-10000': () => {
    const message = JSON.stringify(anthropicLog('hello'));
    const events = Array.from({ length: 10_000 }, (_, i) => ({ message, timestamp: 1_743_096_168_000 + i }));
    return firehoseEvent([recordData(dataMessage(events))]);
  },
  // 100,000 levels of nesting in a body, a tool input and the metadata.
  'deep-nesting': () => {
    const depth = 100_000;
    const deep = `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
    const message =
      '{"schemaType":"ModelInvocationLog","timestamp":"2025-01-01T00:00:00Z","requestId":"r","operation":"Converse",' +
      `"modelId":"anthropic.claude-3-haiku-20240307-v1:0","requestMetadata":{"deep":${deep}},` +
      `"input":{"inputBodyJson":{"messages":[{"role":"user","content":[{"text":"hi"},{"toolResult":{"toolUseId":"t","content":[{"json":${deep}}]}}]}],"deep":${deep}},"inputTokenCount":1},` +
      `"output":{"outputBodyJson":{"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"t","name":"f","input":${deep}}}]}},"stopReason":"tool_use"},"outputTokenCount":1}}`;
    return firehoseEvent([one(message)]);
  },
  // Eight gzip bombs of 64 MiB of zeros each: every one fails its record at the 32 MiB bound.
  'gzip-bombs': () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString('base64');
    return firehoseEvent(Array.from({ length: 8 }, () => bomb));
  },
};
