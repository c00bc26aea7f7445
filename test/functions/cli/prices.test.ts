import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../functions/cli/io.ts';
import { main } from '../../../functions/cli/main.ts';
import { runPrices } from '../../../functions/cli/prices.ts';
import { captureIo } from '../../helpers/cli.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/team-a';

/** A row as the transform writes it (record-schema §2), only the fields pricing reads. */
function row(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    _timestamp: Date.parse('2025-09-18T08:41:02Z') * 1000,
    record_schema_version: '1',
    source_type: 'bedrock_invocation_log',
    cloud_region: 'us-east-1',
    aws_request_id: '11111111-2222-3333-4444-555555555555',
    gen_ai_operation_name: 'chat',
    ...fields,
  };
}

const SONNET_CACHE_ROW = row({
  gen_ai_request_model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
  gen_ai_response_model: 'anthropic.claude-sonnet-4-20250514-v1:0',
  gen_ai_usage_input_tokens: 19 + 4121,
  gen_ai_usage_cache_read_input_tokens: 0,
  gen_ai_usage_cache_creation_input_tokens: 4121,
  gen_ai_usage_output_tokens: 36,
  // 19 × 3 + 4121 × 3.75 + 36 × 15, per 1M
  gen_ai_usage_cost_usd: 0.01605075,
  aws_bedrock_cost_status: 'priced',
  aws_bedrock_price_source: '@pydantic/genai-prices@0.1.8',
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bedrock-o2-prices-'));
}

describe('prices check', () => {
  it('checks the bundled fixtures by default, flags the unpriced ones and exits 1', async () => {
    const { io, stdout } = captureIo({ cwd: REPO });
    const code = await runPrices(['check'], io);
    expect(code).toBe(1);
    const text = stdout();
    expect(text).toMatch(/^MODEL ID \(AS CALLED\)\s+REGION\s+RESOLVED MODEL\s+TIER\s+IN \$\/M/);
    // Claude 3 Haiku from the package, 0.25 / 1.25, and a cross-region profile resolved to its model.
    expect(text).toMatch(
      /anthropic\.claude-3-haiku-20240307-v1:0\s+us-east-1\s+anthropic\.claude-3-haiku-20240307-v1:0\s+regional\s+0\.25\s+0\.25\s+0\.25\s+1\.25\s+—\s+priced\s+@pydantic\/genai-prices@0\.1\.8/,
    );
    expect(text).toMatch(
      /us\.anthropic\.claude-sonnet-4-20250514-v1:0\s+us-east-1\s+anthropic\.claude-sonnet-4-20250514-v1:0\s+regional\s+3\s+0\.3\s+3\.75\s+15/,
    );
    expect(text).toMatch(/amazon\.nova-canvas-v1:0 .*0\.04–0\.08\s+override\s+bedrock-o2-overrides@/);
    expect(text).toMatch(
      /mistral\.mistral-large-2407-v1:0\s+us-west-2\s+mistral\.mistral-large-2407-v1:0\s+regional(\s+—){5}\s+UNPRICED/,
    );
    expect(text).toContain('UNPRICED mistral.mistral-large-2407-v1:0 (us-west-2): no price for');
    expect(text).toContain(
      'UNPRICED arn:aws:bedrock:us-east-1:123456789012:imported-model/x7k2m9p4q1r8 (us-east-1): model not resolved',
    );
  });

  it('prints one JSON object with --json', async () => {
    const { io, stdout } = captureIo({ cwd: REPO });
    const code = await runPrices(['check', '--json', 'test/fixtures/bedrock/anthropic_messages'], io);
    expect(code).toBe(0);
    const report = JSON.parse(stdout());
    expect(report).toMatchObject({ files: 5, invocations: 5, unpriced: 0 });
    // error-validation is a Haiku row too: the model is priced, only that row lacks an output count.
    const haiku = report.models.find(
      (m: { modelId: string }) => m.modelId === 'anthropic.claude-3-haiku-20240307-v1:0',
    );
    expect(haiku).toMatchObject({
      invocations: 2,
      status: 'priced',
      tier: 'regional',
      source: '@pydantic/genai-prices@0.1.8',
      rates: { inputMtok: 0.25, outputMtok: 1.25 },
    });
  });

  it('exits 0 when every model is priced, reading gzip NDJSON rows', async () => {
    const dir = tempDir();
    const lines = [SONNET_CACHE_ROW, row({ gen_ai_request_model: 'cohere.command-r-v1:0' })];
    writeFileSync(
      join(dir, 'rows.ndjson.gz'),
      gzipSync(lines.map((line) => JSON.stringify(line)).join('\n')),
    );
    const { io, stdout } = captureIo({ cwd: dir });
    expect(await runPrices(['check', '.'], io)).toBe(0);
    expect(stdout()).toContain('2 model ids in 2 invocations from 1 files; 0 unpriced.');
    expect(stdout()).toMatch(/cohere\.command-r-v1:0 .*0\.5\s+0\.5\s+0\.5\s+1\.5\s+—\s+override/);
  });

  it('resolves an application profile ARN only with its mapping in --config', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rows.jsonl'), `${JSON.stringify(row({ gen_ai_request_model: APP_PROFILE }))}\n`);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        applicationProfiles: { [APP_PROFILE]: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' },
      }),
    );
    const without = captureIo({ cwd: dir });
    expect(await runPrices(['check', 'rows.jsonl'], without.io)).toBe(1);
    expect(without.stdout()).toContain(`UNPRICED ${APP_PROFILE} (us-east-1): model not resolved`);
    const mapped = captureIo({ cwd: dir });
    expect(await runPrices(['check', '--config', 'config.json', 'rows.jsonl'], mapped.io)).toBe(0);
    expect(mapped.stdout()).toMatch(
      /anthropic\.claude-sonnet-4-5-20250929-v1:0\s+global\s+3\s+0\.3\s+3\.75\s+15/,
    );
  });

  it('reports bad usage as UsageError (exit 2 through main)', async () => {
    const { io } = captureIo({ cwd: REPO });
    await expect(runPrices(['check', 'no/such/path'], io)).rejects.toThrow(UsageError);
    await expect(runPrices(['check', '--bogus'], io)).rejects.toThrow(UsageError);
    await expect(runPrices(['audit'], io)).rejects.toThrow(UsageError);
    await expect(runPrices(['check', tempDir()], io)).rejects.toThrow(/no invocation rows/);
    await expect(runPrices([], io)).rejects.toThrow(/missing subcommand/);
  });

  it('prints help for the command and each subcommand', async () => {
    const top = captureIo({ cwd: REPO });
    expect(await runPrices(['--help'], top.io)).toBe(0);
    expect(top.stdout()).toContain('bedrock-o2 prices check');
    const check = captureIo({ cwd: REPO });
    expect(await runPrices(['check', '--help'], check.io)).toBe(0);
    expect(check.stdout()).toContain('Exit codes: 0 every model priced, 1 some model unpriced');
    const explain = captureIo({ cwd: REPO });
    expect(await runPrices(['explain', '-h'], explain.io)).toBe(0);
    expect(explain.stdout()).toContain('Usage: bedrock-o2 prices explain');
  });
});

describe('prices explain', () => {
  it('shows the arithmetic of a row and that it matches the row’s cost', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'row.json'), JSON.stringify(SONNET_CACHE_ROW));
    const { io, stdout } = captureIo({ cwd: dir });
    expect(await runPrices(['explain', 'row.json'], io)).toBe(0);
    const text = stdout();
    expect(text).toContain(
      'Price: priced from @pydantic/genai-prices@0.1.8, entry regional.anthropic.claude-sonnet-4-20250514-v1:0',
    );
    expect(text).toMatch(/input \(not cached\)\s+19 tokens\s+× \$3 \/ 1M\s+= \$0\.000057/);
    expect(text).toMatch(/cache write\s+4121 tokens\s+× \$3\.75 \/ 1M\s+= \$0\.01545375/);
    expect(text).toMatch(/output\s+36 tokens\s+× \$15 \/ 1M\s+= \$0\.00054/);
    expect(text).toMatch(/total\s+\$0\.01605075/);
    expect(text).toContain('calcPrice cross-check: $0.01605075 (matches)');
    expect(text).toContain(
      'Row: gen_ai_usage_cost_usd $0.01605075 (priced, @pydantic/genai-prices@0.1.8): matches',
    );
  });

  it('prices by the invocation’s own time when _timestamp was moved (demo, replay)', async () => {
    const dir = tempDir();
    const moved = {
      ...SONNET_CACHE_ROW,
      aws_bedrock_event_time: '2025-09-18T08:41:02Z',
      _timestamp: Date.parse('2031-01-01T00:00:00Z') * 1000,
    };
    writeFileSync(join(dir, 'row.json'), JSON.stringify(moved));
    const { io, stdout } = captureIo({ cwd: dir });
    expect(await runPrices(['explain', 'row.json'], io)).toBe(0);
    expect(stdout()).toContain('at 2025-09-18T08:41:02.000Z');
    expect(stdout()).toContain('): matches');
  });

  it('exits 1 and says DIFFERS when the row’s cost is not what the table gives', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'rows.ndjson'),
      `${JSON.stringify({ ...SONNET_CACHE_ROW, gen_ai_usage_cost_usd: 0.0165 })}\n{}\n`,
    );
    const { io, stdout } = captureIo({ cwd: dir });
    expect(await runPrices(['explain', 'rows.ndjson'], io)).toBe(1);
    expect(stdout()).toContain(
      'Row: gen_ai_usage_cost_usd $0.0165 (priced, @pydantic/genai-prices@0.1.8): DIFFERS',
    );
  });

  it('explains a ModelInvocationLog too: Nova Canvas premium at 1024 × 1024', async () => {
    const { io, stdout } = captureIo({ cwd: REPO });
    const code = await runPrices(
      ['explain', 'test/fixtures/bedrock/titan_image/nova-canvas-image-s3-offload.json'],
      io,
    );
    expect(code).toBe(0);
    expect(stdout()).toMatch(
      /image \(premium, up to 1048576 px\)\s+1 images\s+× \$0\.06 per image\s+= \$0\.06/,
    );
  });

  it('explains why an unpriced row has no cost, exits 1, and prints JSON with --json', async () => {
    const dir = tempDir();
    const unknown = row({
      gen_ai_request_model: 'acme.frontier-v1',
      gen_ai_usage_input_tokens: 5,
      gen_ai_usage_output_tokens: 5,
    });
    writeFileSync(join(dir, 'row.json'), JSON.stringify(unknown));
    const text = captureIo({ cwd: dir });
    expect(await runPrices(['explain', 'row.json'], text.io)).toBe(1);
    expect(text.stdout()).toContain('UNPRICED: no price for acme.frontier-v1');
    expect(text.stdout()).toContain('Row: no gen_ai_usage_cost_usd (no status, no source): matches');
    const json = captureIo({ cwd: dir });
    expect(await runPrices(['explain', '--json', 'row.json'], json.io)).toBe(1);
    const report = JSON.parse(json.stdout());
    expect(report.result).toMatchObject({ status: 'unpriced', warnings: ['price_missing'] });
    expect(report.result.explanation.reason).toContain('acme.frontier-v1');
    expect(report.matchesRow).toBe(true);
  });

  it('needs exactly one file', async () => {
    const { io } = captureIo({ cwd: REPO });
    await expect(runPrices(['explain'], io)).rejects.toThrow(UsageError);
    await expect(runPrices(['explain', 'a.json', 'b.json'], io)).rejects.toThrow(UsageError);
  });
});

describe('prices explain reproduces every row the demo makes', () => {
  it('cost and cost status of each row, image and $0 error rows included', async () => {
    const dir = tempDir();
    const demo = captureIo({ cwd: dir });
    expect(await main(['demo', '--out', 'demo'], demo.io)).toBe(0);
    const lines = readFileSync(join(dir, 'demo', 'bedrock_invocations.ndjson'), 'utf8')
      .trimEnd()
      .split('\n');
    const kinds = new Set<string>();
    for (const [index, line] of lines.entries()) {
      const row = JSON.parse(line) as Record<string, unknown>;
      writeFileSync(join(dir, `row-${index}.json`), line);
      const { io, stdout } = captureIo({ cwd: dir });
      const code = await runPrices(['explain', '--json', `row-${index}.json`], io);
      const explained = JSON.parse(stdout()) as { matchesRow: boolean; result: { status: string } };
      const label = `${row['aws_request_id']} (${row['gen_ai_request_model']})`;
      expect(explained.matchesRow, label).toBe(true);
      expect(explained.result.status, label).toBe(row['aws_bedrock_cost_status']);
      // The documented exit codes: 0 priced and equal to the row, 1 unpriced.
      expect(code, label).toBe(row['aws_bedrock_cost_status'] === 'unpriced' ? 1 : 0);
      if (row['aws_bedrock_image_width'] !== undefined) kinds.add('image');
      if (row['error_type'] !== undefined && row['gen_ai_usage_cost_usd'] === 0) kinds.add('$0 error');
    }
    expect([...kinds].sort()).toEqual(['$0 error', 'image']);
  });
});
