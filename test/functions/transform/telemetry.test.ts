import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransformError } from '../../../functions/transform/firehose/errors.ts';
import { powertoolsTelemetry } from '../../../functions/transform/telemetry/powertools.ts';
import { addRowStats, newSummary, rowStats } from '../../../functions/transform/telemetry/summary.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** Everything written to stdout and stderr (Powertools' JSON logs, errors included, and EMF documents). */
function captureStdout(): { lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
  }
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

afterEach(() => vi.restoreAllMocks());

describe('powertoolsTelemetry', () => {
  it('publishes the self-metrics the alarms rely on, in namespace BedrockO2', () => {
    const stdout = captureStdout();
    const summary = newSummary();
    Object.assign(summary, {
      recordsIn: 5,
      recordsOk: 3,
      recordsDropped: 1,
      recordsFailed: 1,
      recordsReingested: 1,
    });
    addRowStats(
      summary,
      rowStats([
        {
          gen_ai_response_model: 'anthropic.claude-3-haiku-20240307-v1:0',
          aws_bedrock_inference_profile_type: 'cross_region',
          gen_ai_usage_input_tokens: 100,
          gen_ai_usage_output_tokens: 7,
          normaliser_warnings: '["tokens_from_body","timestamp_outside_ingest_window"]',
        },
      ]),
    );
    powertoolsTelemetry('logs').batchDone(summary);

    const documents = stdout.lines().filter((line) => '_aws' in line);
    const metricNames = documents.flatMap((doc) =>
      (
        (doc['_aws'] as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] })
          .CloudWatchMetrics ?? []
      ).flatMap((m) => {
        expect(m.Namespace).toBe('BedrockO2');
        return m.Metrics.map((metric) => metric.Name);
      }),
    );
    expect(metricNames).toEqual(
      expect.arrayContaining([
        'RecordsIn',
        'RecordsOk',
        'RecordsDropped',
        'RecordsFailed',
        'RecordsReingested',
        'Rows',
        'RowsOutsideIngestWindow',
        'BytesIn',
        'BytesOut',
        'Warnings',
        'InputTokens',
        'OutputTokens',
      ]),
    );
    const main = documents.find((doc) => 'RecordsFailed' in doc);
    expect(main).toMatchObject({
      RecordsIn: 5,
      RecordsFailed: 1,
      RecordsReingested: 1,
      Rows: 1,
      RowsOutsideIngestWindow: 1,
    });
    expect(documents.find((doc) => doc['Code'] === 'tokens_from_body')).toMatchObject({ Warnings: 1 });
    const tokenDimensions = { Model: 'anthropic.claude-3-haiku-20240307-v1:0', ProfileType: 'cross_region' };
    expect(documents.find((doc) => 'InputTokens' in doc)).toMatchObject({
      ...tokenDimensions,
      InputTokens: 100,
    });
    expect(documents.find((doc) => 'OutputTokens' in doc)).toMatchObject({
      ...tokenDimensions,
      OutputTokens: 7,
    });
    expect(stdout.lines().find((line) => line['message'] === 'batch')).toMatchObject({
      recordsIn: 5,
      rows: 1,
    });
  });

  it('logs a failed record with its stage and reason, without the cause’s message', () => {
    const stdout = captureStdout();
    const cause = new SyntaxError('Unexpected token in JSON at "my secret prompt"');
    powertoolsTelemetry('logs').recordFailed(
      'rec-1',
      new TransformError('decode', 'record is not valid gzip', { cause }),
    );
    const line = stdout.lines().find((entry) => entry['message'] === 'record failed');
    expect(line).toMatchObject({
      recordId: 'rec-1',
      stage: 'decode',
      reason: 'decode: record is not valid gzip',
    });
    expect(JSON.stringify(line)).not.toContain('my secret prompt');
  });

  it('logs an invocation that could not be normalised by error type only', () => {
    const stdout = captureStdout();
    powertoolsTelemetry('logs').normaliseFailed(new TypeError('cannot read "my secret prompt"'));
    const line = stdout.lines().find((entry) => String(entry['message']).includes('normalise_failed'));
    expect(String(line?.['cause'])).toMatch(/^TypeError\n\s+at /);
    expect(JSON.stringify(line)).not.toContain('my secret prompt');
  });
});

describe('token self-metrics', () => {
  const profileArn = (id: string) =>
    `arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/${id}`;

  it('an unresolved model is one bounded Model value, not one custom metric per profile ARN or body name', () => {
    const stats = rowStats([
      ...['p1', 'p2', 'p3'].map((id) => ({
        gen_ai_request_model: profileArn(id),
        aws_bedrock_inference_profile_type: 'application',
        gen_ai_usage_input_tokens: 10,
        gen_ai_usage_output_tokens: 1,
        normaliser_warnings: '["model_unresolved"]',
      })),
      {
        gen_ai_request_model: profileArn('p4'),
        gen_ai_response_model: 'whatever-the-body-said',
        aws_bedrock_inference_profile_type: 'application',
        gen_ai_usage_input_tokens: 5,
        normaliser_warnings: '["model_alias_unknown"]',
      },
      {
        gen_ai_request_model: 'us.amazon.nova-pro-v1:0',
        gen_ai_response_model: 'amazon.nova-pro-v1:0',
        aws_bedrock_inference_profile_type: 'cross_region',
        gen_ai_usage_input_tokens: 3,
      },
    ]);
    expect([...stats.tokens.values()]).toEqual([
      { model: 'unresolved', profileType: 'application', input: 35, output: 3 },
      { model: 'amazon.nova-pro-v1:0', profileType: 'cross_region', input: 3, output: 0 },
    ]);
  });
});

describe('the Lambda entry point', () => {
  it('fails its cold start with the offending config path named', () => {
    const result = spawnSync(
      `${REPO}node_modules/.bin/node`,
      ['--input-type=module', '-e', "await import('./functions/transform/handler.ts')"],
      {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, BEDROCK_O2_CONFIG: '{"content":{"contentMode":"all"}}' },
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/invalid configuration in BEDROCK_O2_CONFIG:\s+content\.contentMode/);
  });
});
