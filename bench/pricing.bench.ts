import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type PriceRequest, priceInvocation } from '../functions/transform/pricing/price-invocation.ts';
import { resolveModelId } from '../functions/transform/row/model-id.ts';

/**
 * What pricing costs the Lambda: import time (cold, each in a fresh process: source as Node runs it, and the
 * esbuild bundle as the Lambda ships it) and nanoseconds per priceInvocation call on the hot path.
 * Run: node bench/pricing.bench.ts
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(ROOT, 'functions/transform/pricing/price-invocation.ts');
// What the Lambda loads anyway (zod, the config schema, model resolution): pricing's cost is on top of it.
const BASELINE = "export * from './schemas/config.ts'; export * from './functions/transform/model-id.ts';";
const RUNS = 7;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface ImportCost {
  readonly wallMs: number;
  /** User + system CPU of the process during the import: steadier than wall time on a busy machine. */
  readonly cpuMs: number;
}

/** `import(file)` in a fresh node, median of RUNS. */
function coldImport(file: string): ImportCost {
  const script = [
    'const c=process.cpuUsage(),t=performance.now();',
    `await import(${JSON.stringify(file)});`,
    'const u=process.cpuUsage(c);',
    'process.stdout.write(JSON.stringify([performance.now()-t,(u.user+u.system)/1000]))',
  ].join('');
  const samples = Array.from(
    { length: RUNS },
    () =>
      JSON.parse(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
      ) as [number, number],
  );
  return { wallMs: median(samples.map(([wall]) => wall)), cpuMs: median(samples.map(([, cpu]) => cpu)) };
}

/** Bundle `source` (module text, resolved from the repository root) as the Lambda's esbuild would. */
async function bundle(name: string, source: string): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'pricing-bench-')), `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: `${name}.ts`, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

function requests(): PriceRequest[] {
  const config = { applicationProfiles: {}, modelArns: {} };
  const models = [
    'us.anthropic.claude-sonnet-4-20250514-v1:0',
    'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'amazon.nova-lite-v1:0',
    'cohere.command-r-v1:0',
    'meta.llama3-1-70b-instruct-v1:0',
    'acme.unknown-v1',
  ].map((id) => resolveModelId(id, config));
  const start = Date.parse('2025-09-18T00:00:00Z');
  return Array.from({ length: 1000 }, (_, i) => ({
    model: models[i % models.length] ?? models[0] ?? resolveModelId(undefined, config),
    region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
    // A day and a half of invocations: the per-day cache sees a day change.
    timestampMs: start + i * 130_000,
    operationName: 'chat',
    inputTokens: 2000 + i,
    outputTokens: 100 + (i % 50),
    cacheReadTokens: i % 3 === 0 ? 1000 : 0,
    cacheWriteTokens: i % 5 === 0 ? 500 : 0,
    imageCount: undefined,
    embeddingCount: undefined,
  }));
}

function nsPerCall(batch: readonly PriceRequest[], calls: number): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++)
    sink += priceInvocation(batch[i % batch.length] as PriceRequest).costUsd ?? 0;
  const elapsed = Number(process.hrtime.bigint() - started);
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return elapsed / calls;
}

const batch = requests();
const firstCalls = nsPerCall(batch, batch.length);
const hot = median(Array.from({ length: 5 }, () => nsPerCall(batch, 100_000)));
const baseline = coldImport(await bundle('baseline', BASELINE));
const withPricing = coldImport(
  await bundle(
    'with-pricing',
    `${BASELINE} export * from './functions/transform/pricing/price-invocation.ts';`,
  ),
);
const packageOnly = coldImport(
  await bundle('package-only', "export { calcPrice } from '@pydantic/genai-prices';"),
);
const source = coldImport(ENTRY);
const show = (cost: ImportCost) => `${cost.wallMs.toFixed(1)} ms wall, ${cost.cpuMs.toFixed(1)} ms CPU`;

console.log(
  `priceInvocation: ${hot.toFixed(0)} ns/call (median of 5 × 100k calls, 6 models, 2 regions, 2 days)`,
);
console.log(`  first 1000 calls, including the per-day lookups: ${firstCalls.toFixed(0)} ns/call`);
console.log(
  `cold import, median of ${RUNS} fresh processes (minified esbuild bundles, as the Lambda ships):`,
);
console.log(`  baseline (zod, config schema, model-id):  ${show(baseline)}`);
console.log(`  baseline + pricing:                       ${show(withPricing)}`);
console.log(
  `  => pricing adds:                          ${(withPricing.wallMs - baseline.wallMs).toFixed(1)} ms wall, ${(withPricing.cpuMs - baseline.cpuMs).toFixed(1)} ms CPU`,
);
console.log(`  @pydantic/genai-prices alone:             ${show(packageOnly)}`);
console.log(`  price-invocation.ts from source (node):   ${show(source)}`);
