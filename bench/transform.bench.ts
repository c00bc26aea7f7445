/**
 * npm run bench: throughput of the logs handler versus the minimum work any transform must do, in the same
 * process, on the same generated batch. The baseline per record: base64 → gunzip → JSON.parse the envelope
 * and each log message → JSON.stringify each back as an NDJSON line → gzip (level 1, as the handler) →
 * base64. Reported as MB/s of input for both and the ratio of their median times over alternating rounds
 * (with the spread of the per-round ratios), for content mode `full` (the default and the target, ≤ 1.0)
 * and for `preview`, `hash` and `none`, with the CPU-time ratio also against the same minimum work decoding
 * the way the handler does (so no one mistakes a faster decoder for a cheaper transform). Also: peak RSS of the handler on that batch and on hostile ones, each
 * in a fresh process running the bundled code (bench/memory.ts), and the cold-start import time of the
 * esbuild-bundled Lambda, as our users' Lambda would load it. `--breakdown` instead prints, per mode, the
 * CPU time of the baseline, of the pipeline with a normaliser that costs nothing, of the real pipeline and of
 * normalisation alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { NdjsonWriter } from '../functions/transform/firehose/encode.ts';
import { decodeJsonText, GUNZIP_CHUNK_BYTES } from '../functions/transform/firehose/record-bytes.ts';
import type { JsonObject } from '../functions/transform/json-access.ts';
import { processLogsEvent } from '../functions/transform/logs/process-logs.ts';
import { createNormaliser, type LogEventMeta, type RowMaker } from '../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../schemas/config.ts';
import type { ContentMode } from '../schemas/transform-config.ts';
import { ADVERSARIAL, mixedEvent } from './events.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 120);
const EVENTS_PER_RECORD = Number(process.env['BENCH_EVENTS'] ?? 25);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const WARM_UP_ROUNDS = Number(process.env['BENCH_WARM_UP'] ?? 4);
const TARGET_RATIO = 1.0;
const MODES: readonly ContentMode[] = ['full', 'preview', 'hash', 'none'];

/**
 * The minimum work as the issue that set the target defines it: the record decoded as UTF-8 with
 * `toString`, then parsed. The same zlib settings and the same NDJSON encoder as the handler, so the ratio
 * measures the transform and not zlib tuning or how text becomes bytes.
 */
function baseline(event: FirehoseTransformationEvent): number {
  return minimumWork(event, (raw) => {
    const envelope = JSON.parse(raw.toString('utf8')) as { logEvents: { message: string }[] };
    return envelope.logEvents.map((logEvent) => logEvent.message);
  });
}

/**
 * The same minimum work, decoding as the handler does (Latin-1, each message widened back to UTF-8; see
 * firehose/record-bytes.ts): the ratio against it leaves out what the handler gains over a plain decode.
 */
function baselineSameDecoder(event: FirehoseTransformationEvent): number {
  return minimumWork(event, (raw) => {
    const json = decodeJsonText(raw);
    const envelope = JSON.parse(json.text) as { logEvents: { message: string }[] };
    const widen = json.widen;
    return envelope.logEvents.map((logEvent) =>
      widen === undefined ? logEvent.message : widen(logEvent.message),
    );
  });
}

function minimumWork(event: FirehoseTransformationEvent, messagesOf: (raw: Buffer) => string[]): number {
  let outBytes = 0;
  for (const record of event.records) {
    const raw = gunzipSync(Buffer.from(record.data, 'base64'), { chunkSize: GUNZIP_CHUNK_BYTES });
    const ndjson = new NdjsonWriter();
    for (const message of messagesOf(raw)) ndjson.add(JSON.parse(message) as object);
    outBytes += ndjson.gzip().toString('base64').length;
  }
  return outBytes;
}

/** User + system CPU time of this process, in ms. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function handlerFor(event: FirehoseTransformationEvent, contentMode: ContentMode): () => Promise<number> {
  const normaliser = createNormaliser(TransformConfigSchema.parse({ content: { contentMode } }));
  return async () =>
    (await processLogsEvent(event, { normaliser, telemetry: silentTelemetry })).summary.bytesOut;
}

/**
 * Warm-up of every path before any timing: two rounds were not enough for the handler's many functions to
 * reach the optimising compiler, so whichever mode was timed first looked up to 1.5× slower than when timed
 * last. The Lambda handles batch after batch in one process, so steady state is what is compared.
 */
async function warmUp(event: FirehoseTransformationEvent, modes: readonly ContentMode[]): Promise<void> {
  const handlers = modes.map((mode) => handlerFor(event, mode));
  for (let i = 0; i < WARM_UP_ROUNDS; i++) {
    baseline(event);
    baselineSameDecoder(event);
    for (const handler of handlers) await handler();
  }
}

async function throughput(event: FirehoseTransformationEvent, inputBytes: number, contentMode: ContentMode) {
  const handler = handlerFor(event, contentMode);
  const baseTimes: number[] = [];
  const handlerTimes: number[] = [];
  const roundRatios: number[] = [];
  const baseCpu: number[] = [];
  const sameDecoderCpu: number[] = [];
  const handlerCpu: number[] = [];
  let handlerOut = 0;
  let baseOut = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate so machine noise hits both alike.
    let t = performance.now();
    let cpu = cpuMs();
    baseOut = baseline(event);
    const baseTime = performance.now() - t;
    baseCpu.push(cpuMs() - cpu);
    cpu = cpuMs();
    baselineSameDecoder(event);
    sameDecoderCpu.push(cpuMs() - cpu);
    t = performance.now();
    cpu = cpuMs();
    handlerOut = await handler();
    const handlerTime = performance.now() - t;
    handlerCpu.push(cpuMs() - cpu);
    baseTimes.push(baseTime);
    handlerTimes.push(handlerTime);
    roundRatios.push(handlerTime / baseTime);
  }
  const base = median(baseTimes);
  const ours = median(handlerTimes);
  const mb = inputBytes / 1e6;
  const sorted = [...roundRatios].sort((a, b) => a - b);
  return {
    contentMode,
    baselineMBps: Number((mb / (base / 1000)).toFixed(1)),
    handlerMBps: Number((mb / (ours / 1000)).toFixed(1)),
    ratio: Number((ours / base).toFixed(2)),
    // CPU time of this process (zlib included, it runs on the main thread here): steadier than wall time on
    // a machine shared with other work, where a round can wait for a core.
    cpuRatio: Number((median(handlerCpu) / median(baseCpu)).toFixed(2)),
    cpuRatioSameDecoder: Number((median(handlerCpu) / median(sameDecoderCpu)).toFixed(2)),
    roundRatioMin: Number((sorted[0] ?? Number.NaN).toFixed(2)),
    roundRatioMax: Number((sorted.at(-1) ?? Number.NaN).toFixed(2)),
    baselineOutputMB: Number((baseOut / 1e6).toFixed(2)),
    handlerOutputMB: Number((handlerOut / 1e6).toFixed(2)),
  };
}

/**
 * `--breakdown`: where the handler's time goes, per mode, in CPU ms per batch (median of alternating rounds):
 * the baseline; the real pipeline with a normaliser that costs nothing (it returns the rows made beforehand
 * for each log, so parsing, encoding and everything around normalisation still run); the real pipeline; and
 * normalisation alone over logs parsed beforehand. The second is the floor any normaliser could reach.
 */
async function breakdown(event: FirehoseTransformationEvent, contentMode: ContentMode) {
  const normaliser = createNormaliser(TransformConfigSchema.parse({ content: { contentMode } }));
  const logs: { log: JsonObject; meta: LogEventMeta }[] = [];
  for (const record of event.records) {
    const envelope = JSON.parse(gunzipSync(Buffer.from(record.data, 'base64')).toString('utf8')) as {
      logGroup: string;
      logStream: string;
      logEvents: { id: string; timestamp: number; message: string }[];
    };
    for (const e of envelope.logEvents)
      logs.push({
        log: JSON.parse(e.message) as JsonObject,
        meta: {
          logSource: 'cloudwatch_logs',
          logGroup: envelope.logGroup,
          logStream: envelope.logStream,
          eventId: e.id,
          eventTimestampMs: e.timestamp,
        },
      });
  }
  // Keyed by the log's request id (the bench gives every log its own).
  const made = new Map(logs.map(({ log, meta }) => [log['requestId'], normaliser.invocationRow(log, meta)]));
  const free: RowMaker = {
    config: normaliser.config,
    invocationRow: (log) => made.get(log['requestId']) ?? normaliser.invocationRow(log, {}),
  };
  const timings = {
    baseline: [] as number[],
    freeNormalise: [] as number[],
    handler: [] as number[],
    normaliseAlone: [] as number[],
  };
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
    const warm = round >= WARM_UP_ROUNDS;
    let cpu = cpuMs();
    baseline(event);
    if (warm) timings.baseline.push(cpuMs() - cpu);
    cpu = cpuMs();
    await processLogsEvent(event, { normaliser: free, telemetry: silentTelemetry });
    if (warm) timings.freeNormalise.push(cpuMs() - cpu);
    cpu = cpuMs();
    await processLogsEvent(event, { normaliser, telemetry: silentTelemetry });
    if (warm) timings.handler.push(cpuMs() - cpu);
    cpu = cpuMs();
    for (const { log, meta } of logs) normaliser.invocationRow(log, meta);
    if (warm) timings.normaliseAlone.push(cpuMs() - cpu);
  }
  const ms = (values: number[]) => Number(median(values).toFixed(1));
  return {
    contentMode,
    baselineMs: ms(timings.baseline),
    freeNormaliseMs: ms(timings.freeNormalise),
    handlerMs: ms(timings.handler),
    normaliseAloneMs: ms(timings.normaliseAlone),
  };
}

/** Bundle an entry as CDK would (esbuild, ESM, minified, AWS SDK external) into `outfile`. */
function bundle(entry: string, outfile: string): void {
  execFileSync(
    join(ROOT, 'node_modules/.bin/esbuild'),
    [
      join(ROOT, entry),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node22',
      '--minify',
      '--external:@aws-sdk/*',
      "--banner:js=import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      `--outfile=${outfile}`,
    ],
    { stdio: 'pipe' },
  );
}

/**
 * Peak RSS of the handler on each event, each in a fresh process running the bundled code (the TypeScript
 * loader alone would add tens of MB that a Lambda does not have).
 */
function memory() {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-bench-'));
  try {
    const runner = join(dir, 'memory.mjs');
    bundle('bench/memory.ts', runner);
    return ['mixed', ...Object.keys(ADVERSARIAL)].map((scenario) => {
      const output = execFileSync(process.execPath, ['--stack-size=984', runner, scenario], {
        encoding: 'utf8',
        env: { ...process.env, BEDROCK_O2_ROOT: ROOT },
        maxBuffer: 1 << 20,
      });
      return JSON.parse(output) as { scenario: string; rssBeforeMB: number; peakRssMB: number };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bundle the Lambda as CDK would (esbuild, ESM, minified) and time its import in fresh processes. */
function coldStart() {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-bench-'));
  try {
    const bundleFile = join(dir, 'index.mjs');
    bundle('functions/transform/handler.ts', bundleFile);
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => ({});\n');
    const timeImport = (file: string) => {
      const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
      return Number(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
      );
    };
    const runs = 7;
    const bundleTimes = Array.from({ length: runs }, () => timeImport(bundleFile));
    const emptyTimes = Array.from({ length: runs }, () => timeImport(empty));
    return {
      bundleKB: Math.round(statSync(bundleFile).size / 1024),
      importMs: Number(median(bundleTimes).toFixed(1)),
      emptyModuleImportMs: Number(median(emptyTimes).toFixed(1)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { event, inputBytes } = mixedEvent(RECORDS, EVENTS_PER_RECORD);
if (args.has('--breakdown')) {
  console.log('CPU ms per batch, median of alternating rounds:');
  console.log('mode     baseline  pipeline, free normaliser  pipeline  normalise alone');
  for (const mode of MODES) {
    const b = await breakdown(event, mode);
    console.log(
      `${mode.padEnd(8)} ${String(b.baselineMs).padStart(8)}  ${`${b.freeNormaliseMs} (${(b.freeNormaliseMs / b.baselineMs).toFixed(2)}×)`.padStart(25)}  ${`${b.handlerMs} (${(b.handlerMs / b.baselineMs).toFixed(2)}×)`.padStart(8)}  ${String(b.normaliseAloneMs).padStart(15)}`,
    );
  }
  process.exit(0);
}
const timedModes = MODES.filter((mode) => mode === 'full' || !args.has('--full-only'));
await warmUp(event, timedModes);
const modes = [];
for (const mode of timedModes) modes.push(await throughput(event, inputBytes, mode));
const result = {
  batch: {
    records: event.records.length,
    logEvents: event.records.length * EVENTS_PER_RECORD,
    inputMB: Number((inputBytes / 1e6).toFixed(2)),
  },
  throughput: modes,
  memory: args.has('--no-memory') ? undefined : memory(),
  coldStart: args.has('--no-cold-start') ? undefined : coldStart(),
};
const full = modes[0];
if (args.has('--json')) {
  console.log(JSON.stringify(result));
} else {
  const b = result.batch;
  console.log(`batch: ${b.records} records, ${b.logEvents} log events, ${b.inputMB} MB of base64 input`);
  console.log(`baseline (decode + gunzip + parse + stringify + gzip): ${full?.baselineMBps} MB/s`);
  for (const t of modes) {
    const verdict =
      t.contentMode === 'full'
        ? ` (target ≤ ${TARGET_RATIO}) ${t.ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`
        : '';
    console.log(
      `handler, content ${t.contentMode.padEnd(7)} ${String(t.handlerMBps).padStart(5)} MB/s  ratio ${t.ratio} (rounds ${t.roundRatioMin}–${t.roundRatioMax}; CPU time ${t.cpuRatio}, ${t.cpuRatioSameDecoder} against the same decoder)${verdict}  output ${t.handlerOutputMB} MB (baseline ${t.baselineOutputMB} MB)`,
    );
  }
  for (const m of result.memory ?? [])
    console.log(
      `peak RSS ${m.scenario.padEnd(13)} ${m.peakRssMB} MB (before the handler: ${m.rssBeforeMB} MB)`,
    );
  if (result.coldStart !== undefined) {
    const c = result.coldStart;
    console.log(
      `cold start: bundle ${c.bundleKB} KB, import ${c.importMs} ms (an empty module: ${c.emptyModuleImportMs} ms)`,
    );
  }
}
if (args.has('--check') && (full?.ratio ?? Number.POSITIVE_INFINITY) > TARGET_RATIO) process.exitCode = 1;
