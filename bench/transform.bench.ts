/**
 * npm run bench: throughput of the logs handler versus the minimum work any transform must do, in the same
 * process, on the same generated batch. The baseline per record: base64 → gunzip → JSON.parse the envelope
 * and each log message → JSON.stringify each back as an NDJSON line → gzip (level 1, as the handler) →
 * base64. Reported as MB/s of input for both and the ratio of their times (target ≤ 1.5). Also: cold-start
 * import time of the esbuild-bundled Lambda, as our users' Lambda would load it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { dataMessage, firehoseEvent, recordData } from '../functions/cli/firehose-event.ts';
import { GZIP_OPTIONS } from '../functions/transform/firehose/encode.ts';
import { GUNZIP_CHUNK_BYTES } from '../functions/transform/firehose/record-bytes.ts';
import { processLogsEvent } from '../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../schemas/config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 120);
const EVENTS_PER_RECORD = Number(process.env['BENCH_EVENTS'] ?? 25);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const TARGET_RATIO = 1.5;

const WORDS =
  'the quick brown fox jumps over lazy dogs while invoices ship orders refund latency tokens region model'.split(
    ' ',
  );

/** Fixtures with fresh ids and prompts of varied length, so the batch looks like a day of mixed traffic. */
function generatedEvent(): { event: FirehoseTransformationEvent; inputBytes: number } {
  const fixturesDir = join(ROOT, 'test/fixtures/bedrock');
  const logs = readdirSync(fixturesDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(fixturesDir, f), 'utf8')) as Record<string, unknown>);
  let n = 0;
  const datas: string[] = [];
  for (let r = 0; r < RECORDS; r++) {
    const events = [];
    for (let e = 0; e < EVENTS_PER_RECORD; e++) {
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

function baseline(event: FirehoseTransformationEvent): number {
  let outBytes = 0;
  for (const record of event.records) {
    // The same zlib settings as the handler, so the ratio measures the transform and not zlib tuning.
    const raw = gunzipSync(Buffer.from(record.data, 'base64'), { chunkSize: GUNZIP_CHUNK_BYTES });
    const envelope = JSON.parse(raw.toString('utf8')) as {
      logEvents: { message: string }[];
    };
    let ndjson = '';
    for (const logEvent of envelope.logEvents) ndjson += `${JSON.stringify(JSON.parse(logEvent.message))}\n`;
    outBytes += gzipSync(Buffer.from(ndjson, 'utf8'), GZIP_OPTIONS).toString('base64').length;
  }
  return outBytes;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function throughput() {
  const { event, inputBytes } = generatedEvent();
  const normaliser = createNormaliser(TransformConfigSchema.parse({}));
  const handler = async () =>
    (await processLogsEvent(event, { normaliser, telemetry: silentTelemetry })).summary.bytesOut;
  // Warm-up: JIT both paths before timing.
  for (let i = 0; i < 2; i++) {
    baseline(event);
    await handler();
  }
  const baseTimes: number[] = [];
  const handlerTimes: number[] = [];
  let handlerOut = 0;
  let baseOut = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate so machine noise hits both alike.
    let t = performance.now();
    baseOut = baseline(event);
    baseTimes.push(performance.now() - t);
    t = performance.now();
    handlerOut = await handler();
    handlerTimes.push(performance.now() - t);
  }
  const base = median(baseTimes);
  const ours = median(handlerTimes);
  const mb = inputBytes / 1e6;
  return {
    records: event.records.length,
    logEvents: event.records.length * EVENTS_PER_RECORD,
    inputMB: Number(mb.toFixed(2)),
    baselineMBps: Number((mb / (base / 1000)).toFixed(1)),
    handlerMBps: Number((mb / (ours / 1000)).toFixed(1)),
    ratio: Number((ours / base).toFixed(2)),
    baselineOutputMB: Number((baseOut / 1e6).toFixed(2)),
    handlerOutputMB: Number((handlerOut / 1e6).toFixed(2)),
  };
}

/** Bundle the Lambda as CDK would (esbuild, ESM, minified) and time its import in fresh processes. */
function coldStart() {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-bench-'));
  try {
    const bundle = join(dir, 'index.mjs');
    execFileSync(
      join(ROOT, 'node_modules/.bin/esbuild'),
      [
        join(ROOT, 'functions/transform/handler.ts'),
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node22',
        '--minify',
        '--external:@aws-sdk/*',
        "--banner:js=import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        `--outfile=${bundle}`,
      ],
      { stdio: 'pipe' },
    );
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => ({});\n');
    const timeImport = (file: string) => {
      const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
      return Number(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
      );
    };
    const runs = 7;
    const bundleTimes = Array.from({ length: runs }, () => timeImport(bundle));
    const emptyTimes = Array.from({ length: runs }, () => timeImport(empty));
    return {
      bundleKB: Math.round(statSync(bundle).size / 1024),
      importMs: Number(median(bundleTimes).toFixed(1)),
      emptyModuleImportMs: Number(median(emptyTimes).toFixed(1)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const result = {
  throughput: await throughput(),
  coldStart: args.has('--no-cold-start') ? undefined : coldStart(),
};
if (args.has('--json')) {
  console.log(JSON.stringify(result));
} else {
  const t = result.throughput;
  console.log(`batch: ${t.records} records, ${t.logEvents} log events, ${t.inputMB} MB of base64 input`);
  console.log(`baseline (decode + gunzip + parse + stringify + gzip): ${t.baselineMBps} MB/s`);
  console.log(`handler  (decode + normalise + price + encode):         ${t.handlerMBps} MB/s`);
  console.log(
    `ratio handler/baseline time: ${t.ratio} (target ≤ ${TARGET_RATIO}) ${t.ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`,
  );
  if (result.coldStart !== undefined) {
    const c = result.coldStart;
    console.log(
      `cold start: bundle ${c.bundleKB} KB, import ${c.importMs} ms (an empty module: ${c.emptyModuleImportMs} ms)`,
    );
  }
}
if (args.has('--check') && result.throughput.ratio > TARGET_RATIO) process.exitCode = 1;
