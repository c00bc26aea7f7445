import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { metricRowsOfLines } from '../../functions/cli/demo.ts';
import { dataMessage, firehoseEvent, recordData } from '../../functions/cli/firehose-event.ts';
import { DASHBOARD_METADATA_FIELDS } from '../../functions/openobserve/assets.ts';
import type { LocalStream } from '../../functions/openobserve/local-sql.ts';
import { processLogsEvent } from '../../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../schemas/transform-config.ts';
import { allFixtures } from './fixtures.ts';
import { rowsOfResponse } from './rows.ts';

/**
 * A generic metric-stream event's records (JSON output format): AWS/Bedrock datapoints of a few models for 20
 * minutes, with throttles on one model and EstimatedTPMQuotaUsage, so every metric panel and alert has data.
 * They do not describe the fixtures' invocations (the demo makes its own from its rows).
 */
export const GENERIC_METRIC_STREAM = fileURLToPath(
  new URL('../fixtures/metric-stream/bedrock-metrics.ndjson', import.meta.url),
);

/**
 * Rows the real transformations produce: every ModelInvocationLog fixture through processLogsEvent (one log
 * event each, as CloudWatch Logs would send them), and the generic metric-stream sample through
 * processMetricsEvent. Computed once per test file.
 */
let cached:
  | Promise<{ invocations: Record<string, unknown>[]; metrics: Record<string, unknown>[] }>
  | undefined;

export function transformedRows() {
  cached ??= (async () => {
    const datas = allFixtures().map((fixture) => {
      const timestamp = Date.parse(String(fixture.log['timestamp']));
      return recordData(dataMessage([{ message: JSON.stringify(fixture.log), timestamp }]));
    });
    const { response } = await processLogsEvent(firehoseEvent(datas), {
      normaliser: createNormaliser(TransformConfigSchema.parse({})),
      telemetry: silentTelemetry,
    });
    const lines = readFileSync(GENERIC_METRIC_STREAM, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const metrics = metricRowsOfLines(lines, silentTelemetry);
    return { invocations: rowsOfResponse(response), metrics: metrics.rows };
  })();
  return cached;
}

export function localStreams(rows: {
  invocations: readonly Record<string, unknown>[];
  metrics: readonly Record<string, unknown>[];
}): LocalStream[] {
  return [
    {
      name: 'bedrock_invocations',
      kind: 'invocation',
      rows: rows.invocations,
      extraColumns: DASHBOARD_METADATA_FIELDS,
    },
    { name: 'bedrock_metrics', kind: 'metric', rows: rows.metrics },
  ];
}
