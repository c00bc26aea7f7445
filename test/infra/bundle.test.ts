import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { BundledFunction, ESM_REQUIRE_BANNER, projectPath } from '../../infra/constructs/bundled-function.ts';
import { BUCKET_EVENTBRIDGE_ENTRY, S3_SOURCE_ENTRY } from '../../infra/constructs/s3-log-source.ts';
import { transformConfigFor } from '../../infra/defaults.ts';
import { PROCESSOR_ENTRIES } from '../../infra/ingest-stack.ts';
import { cdkJson, defaultConfigInput, PROJECT_NODE, parse } from './build-app.ts';

// The only infra test that runs esbuild: every Lambda entry must bundle (ESM, minified, source maps, no
// Docker) and the bundle must load on Node 22 the way the Lambda runtime loads index.mjs.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// [entry, bundleAwsSdk as the constructs set it]: the processors use the runtime's SDK; the custom-resource
// handlers bundle theirs, because they send fields a runtime SDK may not know yet (see bedrock-logging.ts).
const ENTRIES = {
  LogsProcessor: [PROCESSOR_ENTRIES.logs, false],
  MetricsProcessor: [PROCESSOR_ENTRIES.metrics, false],
  SlotGuard: ['infra/handlers/subscription-filter-guard.ts', true],
  BedrockLogging: ['infra/handlers/bedrock-logging.ts', true],
  S3Source: [S3_SOURCE_ENTRY, false],
  BucketEventBridge: [BUCKET_EVENTBRIDGE_ENTRY, false],
} as const;
const allEntriesExist = Object.values(ENTRIES).every(([entry]) => existsSync(projectPath(entry)));

// Inside the repository, so a bundle resolves the runtime-provided @aws-sdk/* from node_modules when loaded.
mkdirSync(join(ROOT, 'out'), { recursive: true });
const outdir = mkdtempSync(join(ROOT, 'out', 'bundle-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const app = new App({ outdir, context: { ...cdkJson().context, 'aws:cdk:enable-asset-metadata': true } });
const stack = new Stack(app, 'Bundles', { env: { account: '123456789012', region: 'us-east-1' } });
const functions = allEntriesExist
  ? Object.entries(ENTRIES).map(
      ([id, [entry, bundleAwsSdk]]) =>
        [
          id,
          new BundledFunction(stack, id, { entry: projectPath(entry), description: id, bundleAwsSdk }),
          bundleAwsSdk,
        ] as const,
    )
  : [];

let assembly: ReturnType<App['synth']> | undefined;
/** Directory of a function's bundle (synthesizes, and so bundles, once). */
function bundleOf(fn: BundledFunction): string {
  assembly ??= app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, { Metadata?: Record<string, string> }>;
  };
  const logicalId = stack.getLogicalId(fn.function.node.defaultChild as CfnElement);
  const assetPath = template.Resources[logicalId]?.Metadata?.['aws:asset:path'];
  if (!assetPath) throw new Error(`no asset for ${logicalId}`);
  return join(outdir, assetPath);
}

function runModule(script: string, env: Record<string, string>) {
  return spawnSync(PROJECT_NODE, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', AWS_REGION: 'us-east-1', ...env },
  });
}

describe.runIf(allEntriesExist)('Lambda bundles', () => {
  it.each(functions)(
    '%s bundles to a minified ESM index.mjs with a source map and the require banner',
    (_, fn) => {
      const dir = bundleOf(fn);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    },
  );

  it.each(functions)(
    '%s imports @aws-sdk from the runtime only when it does not bundle it',
    (_, fn, bundled) => {
      const code = readFileSync(join(bundleOf(fn), 'index.mjs'), 'utf8');
      const runtimeImports = code.match(/from\s*"@aws-sdk\/[a-z-]+"|import\(\s*"@aws-sdk\/[a-z-]+"\)/g) ?? [];
      if (bundled) expect(runtimeImports).toEqual([]);
      else expect(code).not.toMatch(/@aws-sdk\/client-[a-z-]+\/dist-cjs/);
    },
  );

  it.each(functions)('%s loads on Node 22 and exports handler', (_, fn) => {
    const bundle = JSON.stringify(join(bundleOf(fn), 'index.mjs'));
    const result = runModule(`const m = await import(${bundle}); process.stdout.write(typeof m.handler);`, {
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('function');
  });

  it('runs the S3 source and emits the metric its alarm watches', () => {
    const source = functions.find(([id]) => id === 'S3Source')?.[1];
    if (!source) throw new Error('no S3Source');
    const bundle = JSON.stringify(join(bundleOf(source), 'index.mjs'));
    // S3's test event (sent when a notification is configured) is accepted without reading anything.
    const script = `
      const { handler } = await import(${bundle});
      const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' });
      const result = await handler({ Records: [{ messageId: 'm1', body }] }, { getRemainingTimeInMillis: () => 60000 });
      process.stdout.write('RESULT ' + JSON.stringify(result));`;
    const result = runModule(script, {
      DELIVERY_STREAM_NAME: 'bedrock-o2-logs',
      POWERTOOLS_SERVICE_NAME: 'bedrock-o2',
      POWERTOOLS_METRICS_NAMESPACE: 'BedrockO2',
    });
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('RESULT {"batchItemFailures":[]}');
    const emf = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry['_aws'] !== undefined);
    expect(emf).toMatchObject({ service: 'bedrock-o2', S3LinesNotForwarded: 0 });
  });

  it('runs the logs processor with the synthesized config and emits the metric the alarm watches', () => {
    const config = parse(defaultConfigInput());
    const region = config.regions[0] as (typeof config.regions)[number];
    const logs = functions.find(([id]) => id === 'LogsProcessor')?.[1];
    if (!logs) throw new Error('no LogsProcessor');
    const bundle = JSON.stringify(join(bundleOf(logs), 'index.mjs'));
    // A CONTROL_MESSAGE envelope (CloudWatch Logs testing the subscription) must come back Dropped.
    const script = `
      import { gzipSync } from 'node:zlib';
      const { handler } = await import(${bundle});
      const envelope = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '',
        subscriptionFilters: [], logEvents: [] };
      const data = gzipSync(JSON.stringify(envelope)).toString('base64');
      const result = await handler({
        invocationId: 'i', region: 'us-east-1',
        deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/bedrock-o2-logs',
        records: [{ recordId: 'r1', approximateArrivalTimestamp: Date.now(), data }],
      }, { functionName: 'f', awsRequestId: 'a', getRemainingTimeInMillis: () => 60000 });
      process.stdout.write('RESULT ' + JSON.stringify(result.records.map((r) => [r.recordId, r.result])));`;
    const result = runModule(script, {
      POWERTOOLS_SERVICE_NAME: 'bedrock-o2',
      POWERTOOLS_METRICS_NAMESPACE: 'BedrockO2',
      BEDROCK_O2_CONFIG: JSON.stringify(transformConfigFor(config, region, 'bedrock-o2-logs')),
    });
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('RESULT [["r1","Dropped"]]');
    const emf = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry['_aws'] !== undefined);
    expect(emf).toMatchObject({ service: 'bedrock-o2', RecordsFailed: 0 });
    expect(JSON.stringify(emf?.['_aws'])).toContain('"Namespace":"BedrockO2","Dimensions":[["service"]]');
  });
});
