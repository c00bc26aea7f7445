import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { processMetricsEvent } from './metrics/process-metrics.ts';
import { loadTransformConfig } from './runtime-config.ts';
import { powertoolsTelemetry } from './telemetry/powertools.ts';

/** Lambda entry for the metrics delivery stream (CloudWatch Metric Stream, JSON output format). */

const config = loadTransformConfig(process.env);
const telemetry = powertoolsTelemetry('metrics');

export async function handler(event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> {
  return processMetricsEvent(event, { telemetry, maxDecompressedBytes: config.maxDecompressedBytes })
    .response;
}
