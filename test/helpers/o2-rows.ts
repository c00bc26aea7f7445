import { BUNDLED_METRIC_STREAM, bundledMetricRows } from '../../functions/cli/demo.ts';
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
 * Rows the real transformations produce: every ModelInvocationLog fixture through processLogsEvent (one log
 * event each, as CloudWatch Logs would send them), and the bundled metric-stream sample through
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
    const metrics = await bundledMetricRows(silentTelemetry, BUNDLED_METRIC_STREAM);
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
