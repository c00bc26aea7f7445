import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runReplay } from '../../../functions/cli/replay.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';
import {
  fakeOpenObserve,
  fakeS3,
  httpEndpointFailedDoc,
  invocationLog,
  O2_ENV,
  rowsFor,
  useFakeAwsEnvironment,
} from '../../helpers/replay.ts';

useFakeAwsEnvironment();
const server = useMswServer();
const OBJECTS = 20;
const DOCS_PER_OBJECT = 50;
const ROWS_PER_DOC = 100; // 20 × 50 × 100 = 100,000 rows

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-memory-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

describe('replay of 100,000 rows', () => {
  it('streams: the heap grows far less than the rows would take if held', async () => {
    const template = rowsFor([invocationLog('tmpl', Date.now() - 3_600_000)])[0] as Record<string, unknown>;
    const rowBytes = JSON.stringify(template).length;
    // Objects are generated as they are read, so the input itself is never in memory either.
    const objects = new Map<string, () => AsyncIterable<Buffer>>();
    for (let o = 0; o < OBJECTS; o++) {
      objects.set(`errors/http-endpoint-failed/2026/11/30/00/object-${o}`, async function* () {
        for (let d = 0; d < DOCS_PER_OBJECT; d++) {
          const rows = Array.from({ length: ROWS_PER_DOC }, (_, r) => ({
            ...template,
            aws_request_id: `mem-${o}-${d}-${r}`,
          }));
          yield gzipSync(`${httpEndpointFailedDoc(rows)}\n`);
        }
      });
    }
    fakeS3(objects);
    const o2 = fakeOpenObserve(server);
    o2.keepRows = false;

    // Live heap, not heap plus garbage awaiting collection: collect before each sample.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 1000);
    const { io, stdout } = captureIo({ env: O2_ENV, cwd });
    const started = Date.now();
    const code = await runReplay(['s3://backup-bucket', '--no-dedupe', '--json', '--rate', '10000'], io, {
      sleep: async () => {},
    });
    clearInterval(sampler);

    expect(code).toBe(0);
    expect(JSON.parse(stdout())).toMatchObject({ rowsTransformed: 100_000, accepted: 100_000 });
    expect(o2.bulkRowsReceived.length).toBe(100_000);
    const held = 100_000 * rowBytes;
    const growth = peak - baseline;
    // Holding the rows as JSON text alone would take `held` bytes (~400 MB); a streaming run stays far below.
    expect(
      growth,
      `peak live heap growth ${(growth / 1048576).toFixed(1)} MiB; the rows held would be ${(held / 1048576).toFixed(0)} MiB`,
    ).toBeLessThan(held / 4);
    expect(Date.now() - started).toBeLessThan(25_000);
  }, 60_000);
});
