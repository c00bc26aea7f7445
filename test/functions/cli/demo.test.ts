import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { shiftIntoWindow } from '../../../functions/cli/demo.ts';
import { main } from '../../../functions/cli/main.ts';
import { FirehoseHttpRequestSchema } from '../../../schemas/firehose.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { MetricRowSchema } from '../../../schemas/metric-row.ts';
import { captureIo } from '../../helpers/cli.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import { useMswServer } from '../../helpers/msw.ts';
import { decodeRows } from '../../helpers/rows.ts';

const server = useMswServer();
const fixtureCount = allFixtures().length;
const ENDPOINT = 'https://o2.example.test/aws/acme/bedrock_invocations/_kinesis_firehose';
const METRICS_ENDPOINT = 'https://o2.example.test/aws/acme/bedrock_metrics/_kinesis_firehose';
const env = {
  OPENOBSERVE_URL: 'https://o2.example.test/',
  OPENOBSERVE_ORG: 'acme',
  OPENOBSERVE_USER: 'ops@example.com',
  OPENOBSERVE_PASSWORD: 'pa55',
};

function readRows(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'bedrock_invocations.ndjson'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('bedrock-o2 demo', () => {
  it('runs the handler over the samples, writes valid rows and a per-model summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o2-demo-'));
    const { io, stdout, stderr } = captureIo({ cwd: dir });
    const before = Date.now();
    expect(await main(['demo'], io)).toBe(0);

    const rows = readRows(join(dir, 'out/demo'));
    expect(rows).toHaveLength(fixtureCount);
    for (const row of rows) InvocationRowSchema.parse(row);
    const newest = Math.max(...rows.map((r) => Number(r['_timestamp'])));
    const oldest = Math.min(...rows.map((r) => Number(r['_timestamp'])));
    expect(newest / 1000).toBeGreaterThanOrEqual(before);
    expect((newest - oldest) / 1000).toBeLessThanOrEqual(5 * 3_600_000);
    expect(
      rows.every((r) => r['_timestamp'] !== Date.parse(String(r['aws_bedrock_event_time'])) * 1000),
    ).toBe(true);
    expect(
      rows.some((r) => String(r['normaliser_warnings']).includes('timestamp_outside_ingest_window')),
    ).toBe(false);

    expect(stdout()).toMatch(
      /model\s+invocations\s+input tok\s+output tok\s+cost USD\s+cost status\s+warnings/,
    );
    expect(stdout()).toContain('anthropic.claude-3-haiku-20240307-v1:0');
    expect(stdout()).toMatch(/estimated total: \$\d+\.\d{6} over \d+ invocations/);
    expect(stderr()).toMatch(/moved _timestamp .* aws_bedrock_event_time/);

    const metricRows = readFileSync(join(dir, 'out/demo', 'bedrock_metrics.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => MetricRowSchema.parse(JSON.parse(line)));
    expect(new Set(metricRows.map((r) => r.metric_name))).toEqual(
      new Set([
        'Invocations',
        'InputTokenCount',
        'OutputTokenCount',
        'InvocationLatency',
        'InvocationClientErrors',
        'ModelInvocationLogsCloudWatchDeliverySuccess',
      ]),
    );
    // Datapoints are per minute: the newest is the minute of the newest invocation row.
    expect(Math.max(...metricRows.map((r) => r._timestamp))).toBe(
      Math.floor(newest / 60_000_000) * 60_000_000,
    );
    expect(metricRows.every((r) => r._timestamp % 60_000_000 === 0)).toBe(true);
    expect(stderr()).toContain('OPENOBSERVE_URL not set');
  });

  it('delivers with the Firehose HTTP endpoint protocol when OpenObserve is configured', async () => {
    let received: { headers: Headers; body: unknown } | undefined;
    let metricRowsDelivered = 0;
    server.use(
      http.post(ENDPOINT, async ({ request }) => {
        const raw = Buffer.from(await request.arrayBuffer());
        const text =
          request.headers.get('content-encoding') === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        received = { headers: request.headers, body: JSON.parse(text) };
        const { requestId } = FirehoseHttpRequestSchema.parse(received.body);
        return HttpResponse.json({ requestId, timestamp: Date.now() });
      }),
      http.post(METRICS_ENDPOINT, async ({ request }) => {
        const raw = Buffer.from(await request.arrayBuffer());
        const text =
          request.headers.get('content-encoding') === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        const body = FirehoseHttpRequestSchema.parse(JSON.parse(text));
        metricRowsDelivered = body.records.flatMap((r) => decodeRows(r.data)).length;
        return HttpResponse.json({ requestId: body.requestId, timestamp: Date.now() });
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'o2-demo-'));
    const { io, stderr } = captureIo({ cwd: dir, env });
    expect(await main(['demo'], io)).toBe(0);

    expect(received?.headers.get('x-amz-firehose-access-key')).toBe(
      Buffer.from('ops@example.com:pa55').toString('base64'),
    );
    expect(received?.headers.get('x-amz-firehose-protocol-version')).toBe('1.0');
    expect(received?.headers.get('content-type')).toBe('application/json');
    const body = FirehoseHttpRequestSchema.parse(received?.body);
    expect(received?.headers.get('x-amz-firehose-request-id')).toBe(body.requestId);
    const delivered = body.records.flatMap((r) => decodeRows(r.data));
    expect(delivered).toEqual(readRows(join(dir, 'out/demo')));
    const metricRows = readFileSync(join(dir, 'out/demo', 'bedrock_metrics.ndjson'), 'utf8')
      .trim()
      .split('\n');
    expect(metricRowsDelivered).toBe(metricRows.length);
    expect(stderr()).toMatch(
      new RegExp(
        `delivered ${fixtureCount} rows to https://o2.example.test org acme stream bedrock_invocations`,
      ),
    );
  });

  it('exits 1 and says why when OpenObserve rejects the delivery', async () => {
    server.use(
      http.post(ENDPOINT, () => new HttpResponse('ingester busy', { status: 503 })),
      http.post(METRICS_ENDPOINT, () => new HttpResponse('ingester busy', { status: 503 })),
    );
    const { io, stderr } = captureIo({ cwd: mkdtempSync(join(tmpdir(), 'o2-demo-')), env });
    expect(await main(['demo'], io)).toBe(1);
    expect(stderr()).toMatch(/delivery to https:\/\/o2\.example\.test failed: HTTP 503: ingester busy/);
  });

  it('treats a 200 that does not echo the requestId as not delivered', async () => {
    server.use(
      http.post(ENDPOINT, () => HttpResponse.json({ code: 200, status: [] })),
      http.post(METRICS_ENDPOINT, () => HttpResponse.json({ code: 200, status: [] })),
    );
    const { io } = captureIo({ cwd: mkdtempSync(join(tmpdir(), 'o2-demo-')), env });
    expect(await main(['demo'], io)).toBe(1);
  });

  it('prints the summary as JSON with --json', async () => {
    const { io, stdout } = captureIo({ cwd: mkdtempSync(join(tmpdir(), 'o2-demo-')) });
    expect(await main(['demo', '--json'], io)).toBe(0);
    const summary = JSON.parse(stdout()) as {
      rows: number;
      records: { failed: number };
      models: { model: string }[];
    };
    expect(summary.rows).toBe(fixtureCount);
    expect(summary.records.failed).toBe(0);
    expect(summary.models.length).toBeGreaterThan(10);
  });

  it('refuses a URL without credentials (exit 2)', async () => {
    const { io, stderr } = captureIo({ env: { OPENOBSERVE_URL: 'https://o2.example.test' } });
    expect(await main(['demo'], io)).toBe(2);
    expect(stderr()).toMatch(
      /OPENOBSERVE_URL is set but neither OPENOBSERVE_USER \+ OPENOBSERVE_PASSWORD nor OPENOBSERVE_TOKEN is/,
    );
  });
});

describe('shiftIntoWindow', () => {
  const hour = 3_600_000;
  it('keeps spacing when the samples fit the window', () => {
    const rows: Record<string, unknown>[] = [
      { _timestamp: 1_000 * hour * 1000, normaliser_warnings: '["timestamp_outside_ingest_window"]' },
      {
        _timestamp: 1_002 * hour * 1000,
        normaliser_warnings: '["body_offloaded","timestamp_outside_ingest_window"]',
      },
    ];
    const shift = shiftIntoWindow(rows, 5_000 * hour, 5);
    expect(rows.map((r) => Number(r['_timestamp']) / 1000)).toEqual([4_998 * hour, 5_000 * hour]);
    expect(rows.map((r) => r['normaliser_warnings'])).toEqual([undefined, '["body_offloaded"]']);
    expect(shift.compressed).toBe(false);
  });

  it('scales a wider spread into the window, order kept', () => {
    const rows = [
      { _timestamp: 0 + 1000 },
      { _timestamp: 500 * hour * 1000 },
      { _timestamp: 1_000 * hour * 1000 },
    ];
    const shift = shiftIntoWindow(rows, 5_000 * hour, 5);
    const times = rows.map((r) => r._timestamp / 1000);
    expect(times[2]).toBe(5_000 * hour);
    expect(times[0]).toBeGreaterThanOrEqual(5_000 * hour - 5 * hour);
    expect(times[0]).toBeLessThan(times[1] ?? 0);
    expect(shift.compressed).toBe(true);
  });
});
