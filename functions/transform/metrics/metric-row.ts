import type { MetricRow } from '../../../schemas/metric-row.ts';
import { RECORD_SCHEMA_VERSION } from '../../../schemas/row-constants.ts';
import { TransformError } from '../firehose/errors.ts';
import { asNumber, asObject, asString, safeStringify } from '../json-access.ts';
import { sanitiseMetadataKey } from '../row/request-metadata.ts';
import { isRowTimeMs, rowTimestamp } from '../row/row-time.ts';
import { FORWARDER_VERSION } from '../row/version.ts';

/** One metric-stream JSON line → one metric row (record-schema §3). */

const BASE_STATISTICS = new Set(['min', 'max', 'sum', 'count']);

/** `p99.9` → `p99_9`, `TM(25%:75%)` → `tm_25_75`. */
export function statisticColumn(statistic: string): string {
  const cleaned = statistic
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `metric_${cleaned.slice(0, 64)}`;
}

export function metricRow(line: string, lineNumber: number): MetricRow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new TransformError(
      'parse',
      `line ${lineNumber}: not JSON (is the metric stream's output format json?)`,
      {
        cause: error,
      },
    );
  }
  const datapoint = asObject(parsed);
  if (datapoint === undefined)
    throw new TransformError('parse', `line ${lineNumber}: expected a JSON object`);
  const timestamp = asNumber(datapoint['timestamp']);
  if (!isRowTimeMs(timestamp))
    throw new TransformError('parse', `line ${lineNumber}: timestamp: expected epoch milliseconds`);
  const namespace = asString(datapoint['namespace']);
  const metricName = asString(datapoint['metric_name']);
  if (namespace === undefined || metricName === undefined) {
    throw new TransformError('parse', `line ${lineNumber}: namespace and metric_name: expected strings`);
  }
  const value = asObject(datapoint['value']);
  if (value === undefined) throw new TransformError('parse', `line ${lineNumber}: value: expected an object`);
  const dimensions = asObject(datapoint['dimensions']) ?? {};

  const row: Record<string, unknown> = {
    _timestamp: rowTimestamp(timestamp),
    record_schema_version: RECORD_SCHEMA_VERSION,
    source_type: 'cloudwatch_metric_stream',
  };
  putString(row, 'cloud_account_id', datapoint['account_id']);
  putString(row, 'cloud_region', datapoint['region']);
  putString(row, 'metric_stream_name', datapoint['metric_stream_name']);
  row['metric_namespace'] = namespace;
  row['metric_name'] = metricName;
  putString(row, 'metric_unit', datapoint['unit']);
  row['metric_dimensions'] = safeStringify(dimensions);
  putString(row, 'aws_bedrock_model_id', dimensions['ModelId']);
  for (const name of Object.keys(dimensions).sort()) {
    const column = `dimension_${sanitiseMetadataKey(name)}`;
    if (column !== 'dimension_' && !Object.hasOwn(row, column)) putString(row, column, dimensions[name]);
  }

  const min = asNumber(value['min']);
  const max = asNumber(value['max']);
  const sum = asNumber(value['sum']);
  const count = asNumber(value['count']);
  putNumber(row, 'metric_min', min);
  putNumber(row, 'metric_max', max);
  putNumber(row, 'metric_sum', sum);
  putNumber(row, 'metric_count', count);
  if (sum !== undefined && count !== undefined && count !== 0) row['metric_avg'] = sum / count;
  for (const statistic of Object.keys(value)) {
    if (BASE_STATISTICS.has(statistic)) continue;
    const column = statisticColumn(statistic);
    if (column !== 'metric_' && !Object.hasOwn(row, column))
      putNumber(row, column, asNumber(value[statistic]));
  }
  row['forwarder_version'] = FORWARDER_VERSION;
  return row as MetricRow;
}

function putString(row: Record<string, unknown>, key: string, value: unknown): void {
  if (typeof value === 'string') row[key] = value;
  else if (typeof value === 'number' || typeof value === 'boolean') row[key] = String(value);
}

function putNumber(row: Record<string, unknown>, key: string, value: number | undefined): void {
  if (value !== undefined) row[key] = value;
}
