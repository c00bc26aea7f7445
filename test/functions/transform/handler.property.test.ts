import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firehoseEvent } from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema, LogRowSchema } from '../../../schemas/invocation-row.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import { decodeRows } from '../../helpers/rows.ts';

// Whatever arrives, the handler answers every recordId once, in order, and every row it writes is valid.
const normaliser = createNormaliser(TransformConfigSchema.parse({}));
const fixtureLogs = allFixtures().map((f) => f.log);

const anyJson = fc.jsonValue({ maxDepth: 4 });
const bodyLike = fc.oneof(
  anyJson,
  fc.constantFrom(
    ...fixtureLogs.map((log) => (log['input'] as Record<string, unknown> | undefined)?.['inputBodyJson']),
  ),
  fc.constantFrom(
    ...fixtureLogs.map((log) => (log['output'] as Record<string, unknown> | undefined)?.['outputBodyJson']),
  ),
);

/** An invocation log: a real fixture with fields swapped for arbitrary values. */
const invocationLog = fc
  .record({
    base: fc.constantFrom(...fixtureLogs),
    modelId: fc.oneof(
      fc.string(),
      fc.constantFrom(
        'us.anthropic.x',
        'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc',
        'global.amazon.nova-pro-v1:0',
        '',
      ),
    ),
    operation: fc.constantFrom(
      'InvokeModel',
      'InvokeModelWithResponseStream',
      'Converse',
      'ConverseStream',
      'Other',
      '',
    ),
    inputBody: bodyLike,
    outputBody: bodyLike,
    timestamp: fc.oneof(fc.string(), fc.constant('2025-01-01T00:00:00Z')),
    tokens: fc.oneof(fc.integer({ min: -5, max: 1e9 }), fc.constant(null), fc.string(), fc.double()),
    metadata: fc.oneof(anyJson, fc.dictionary(fc.string(), fc.string())),
    drop: fc.subarray(['identity', 'requestId', 'input', 'output', 'region', 'modelId']),
  })
  .map(({ base, modelId, operation, inputBody, outputBody, timestamp, tokens, metadata, drop }) => {
    const log: Record<string, unknown> = {
      ...base,
      modelId,
      operation,
      timestamp,
      requestMetadata: metadata,
      input: { inputBodyJson: inputBody, inputTokenCount: tokens },
      output: { outputBodyJson: outputBody, outputTokenCount: tokens },
    };
    for (const key of drop) delete log[key];
    return JSON.stringify(log);
  });

const message = fc.oneof(
  invocationLog,
  fc.string(),
  anyJson.map((value) => JSON.stringify(value)),
);

const envelope = fc.record({
  messageType: fc.constantFrom('DATA_MESSAGE', 'CONTROL_MESSAGE', 'OTHER'),
  owner: fc.string(),
  logGroup: fc.string(),
  logStream: fc.string(),
  subscriptionFilters: fc.array(fc.string()),
  logEvents: fc.array(fc.record({ id: fc.string(), timestamp: fc.integer({ min: 0, max: 4e12 }), message }), {
    maxLength: 5,
  }),
});

/** NDJSON as the S3 source and replay send it: invocation logs, arbitrary lines, envelopes, our own rows. */
const ndjsonRecord = fc
  .array(
    fc.oneof(
      invocationLog,
      message,
      envelope.map((env) => JSON.stringify(env)),
      fc
        .constantFrom(...fixtureLogs.slice(0, 5))
        .map((log) => JSON.stringify(normaliser.invocationRow(log, { logSource: 's3' }))),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((lines) => gzipSync(lines.join('\n')).toString('base64'));

const recordDataArb = fc.oneof(
  ndjsonRecord,
  envelope.map((env) => gzipSync(JSON.stringify(env)).toString('base64')),
  envelope.map((env) => Buffer.from(JSON.stringify(env)).toString('base64')),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => gzipSync(bytes).toString('base64')),
  fc.string(),
);

describe('logs handler properties', () => {
  it('never throws, never loses or repeats an id, and only writes valid rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordDataArb, { minLength: 1, maxLength: 6 }), async (datas) => {
        const event = firehoseEvent(datas);
        const { response } = await processLogsEvent(event, { normaliser, telemetry: silentTelemetry });
        expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
        response.records.forEach((record, i) => {
          expect(['Ok', 'Dropped', 'ProcessingFailed']).toContain(record.result);
          if (record.result !== 'Ok') {
            expect(record.data).toBe(datas[i]);
            return;
          }
          for (const row of decodeRows(record.data ?? '')) {
            const schema = row['source_type'] === 'log' ? LogRowSchema : InvocationRowSchema;
            const parsed = schema.safeParse(row);
            if (!parsed.success)
              throw new Error(`invalid row: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
