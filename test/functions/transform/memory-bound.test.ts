import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import {
  boundByMemory,
  loadTransformConfig,
  MEMORY_ENV,
} from '../../../functions/transform/runtime-config.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';

// The gunzip bound per record follows the function's memory, so a batch of large records cannot exhaust the
// smallest function (128 MiB): each record too large for it fails alone (to S3, original data kept).
const MIB = 1024 * 1024;
const defaults = TransformConfigSchema.parse({});

describe('the per-record gunzip bound follows the function memory', () => {
  it.each([
    [128, 16 * MIB],
    [256, 32 * MIB],
    [1024, 32 * MIB],
    [undefined, 32 * MIB],
  ])('%s MiB → %i bytes', (memory, bound) => {
    expect(boundByMemory(defaults, memory).maxDecompressedBytes).toBe(bound);
  });

  it('never raises a lower configured bound', () => {
    const config = TransformConfigSchema.parse({ maxDecompressedBytes: 4 * MIB });
    expect(boundByMemory(config, 10_240).maxDecompressedBytes).toBe(4 * MIB);
  });

  it('is applied at cold start from AWS_LAMBDA_FUNCTION_MEMORY_SIZE', () => {
    expect(loadTransformConfig({ [MEMORY_ENV]: '128' }).maxDecompressedBytes).toBe(16 * MIB);
    expect(loadTransformConfig({ [MEMORY_ENV]: 'not a number' }).maxDecompressedBytes).toBe(32 * MIB);
  });

  it('a batch of several large records on a 128 MiB function: the ones over the bound fail alone', async () => {
    const log = readJson<Record<string, unknown>>(
      `${FIXTURES_DIR}/anthropic_messages/anthropic-messages-invoke.json`,
    );
    const message = JSON.stringify(log);
    /** One record of invocation logs that gunzips to about `mib` MiB. */
    const recordOf = (mib: number) =>
      recordData(
        dataMessage(
          Array.from({ length: Math.ceil((mib * MIB) / message.length) }, () => ({ message, timestamp: 1 })),
        ),
      );
    const large = recordOf(20);
    const fits = recordOf(2);
    const bomb = gzipSync(Buffer.alloc(64 * MIB, 0x20)).toString('base64');
    const datas = [large, fits, large, bomb, fits];
    const normaliser = createNormaliser(loadTransformConfig({ [MEMORY_ENV]: '128' }));
    const { response } = await processLogsEvent(firehoseEvent(datas), {
      normaliser,
      telemetry: silentTelemetry,
    });
    expect(response.records.map((r) => r.result)).toEqual([
      'ProcessingFailed',
      'Ok',
      'ProcessingFailed',
      'ProcessingFailed',
      'Ok',
    ]);
    response.records.forEach((record, i) => {
      if (record.result === 'ProcessingFailed') expect(record.data).toBe(datas[i]);
    });
  });

  it('holds each record’s output once (as the base64 answer), not also as the encoded bytes and rows', async () => {
    const log = readJson<Record<string, unknown>>(
      `${FIXTURES_DIR}/anthropic_messages/anthropic-messages-invoke.json`,
    );
    const data = recordData(dataMessage([{ message: JSON.stringify(log), timestamp: 1 }]));
    const normaliser = createNormaliser(defaults);
    const { response, outcomes } = await processLogsEvent(firehoseEvent([data, data]), {
      normaliser,
      telemetry: silentTelemetry,
    });
    expect(response.records.every((r) => r.result === 'Ok' && (r.data ?? '').length > 0)).toBe(true);
    for (const outcome of outcomes) {
      if (outcome.kind !== 'ok') throw new Error('expected Ok');
      expect(outcome.data.length).toBe(0);
      expect(outcome.rows).toHaveLength(0);
    }
  });
});
