import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { TransformError } from '../firehose/errors.ts';
import { type BatchSummary, errorWithoutMessage, safeCause, type Telemetry } from './summary.ts';

/**
 * Lambda telemetry: one structured log line per invocation (plus one per failed record) and EMF metrics in
 * namespace BedrockO2 with the names the alarms and dashboards rely on (decisions.md).
 */
export function powertoolsTelemetry(source: 'logs' | 'metrics'): Telemetry {
  const serviceName = process.env['POWERTOOLS_SERVICE_NAME'] ?? 'bedrock-o2';
  const logger = new Logger({ serviceName, persistentKeys: { source } });
  const metrics = new Metrics({
    namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] ?? 'BedrockO2',
    serviceName,
  });
  return {
    recordFailed(recordId: string, error: TransformError) {
      logger.error('record failed', {
        recordId,
        stage: error.stage,
        reason: error.message,
        cause: safeCause(error),
      });
    },
    normaliseFailed(error: unknown) {
      logger.error(
        'invocation could not be normalised; written with envelope fields only (normalise_failed)',
        {
          cause: errorWithoutMessage(error) ?? typeof error,
        },
      );
    },
    reingestFailed(count: number, streamName: string) {
      logger.error('re-ingest failed; records marked ProcessingFailed', { count, streamName });
    },
    batchDone(summary: BatchSummary) {
      logger.info('batch', {
        recordsIn: summary.recordsIn,
        recordsOk: summary.recordsOk,
        recordsDropped: summary.recordsDropped,
        recordsFailed: summary.recordsFailed,
        recordsReingested: summary.recordsReingested,
        rows: summary.rows,
        warnings: Object.fromEntries(summary.warnings),
        bytesIn: summary.bytesIn,
        bytesOut: summary.bytesOut,
      });
      publish(metrics, summary);
    },
  };
}

function publish(metrics: Metrics, summary: BatchSummary): void {
  const counts: [string, number][] = [
    ['RecordsIn', summary.recordsIn],
    ['RecordsOk', summary.recordsOk],
    ['RecordsDropped', summary.recordsDropped],
    ['RecordsFailed', summary.recordsFailed],
    ['RecordsReingested', summary.recordsReingested],
    ['Rows', summary.rows],
    ['RowsOutsideIngestWindow', summary.rowsOutsideIngestWindow],
  ];
  for (const [name, value] of counts) metrics.addMetric(name, MetricUnit.Count, value);
  metrics.addMetric('BytesIn', MetricUnit.Bytes, summary.bytesIn);
  metrics.addMetric('BytesOut', MetricUnit.Bytes, summary.bytesOut);
  metrics.publishStoredMetrics();

  for (const [code, count] of summary.warnings) {
    const single = metrics.singleMetric();
    single.addDimension('Code', code);
    single.addMetric('Warnings', MetricUnit.Count, count);
  }
  // A single metric is flushed by its first addMetric, so each token metric gets its own.
  for (const { model, profileType, input, output } of summary.tokens.values()) {
    for (const [name, value] of [
      ['InputTokens', input],
      ['OutputTokens', output],
    ] as const) {
      const single = metrics.singleMetric();
      single.addDimensions({ Model: model, ProfileType: profileType });
      single.addMetric(name, MetricUnit.Count, value);
    }
  }
}
