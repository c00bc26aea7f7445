import { TransformError } from '../../transform/firehose/errors.ts';
import { decodeUtf8, recordBytes } from '../../transform/firehose/record-bytes.ts';
import type { RowMaker } from '../../transform/row/normalise.ts';
import { logsRecordItems, metricsRecordItems } from '../transform-input.ts';
import type { Row, UnitItem } from '../unit.ts';

/**
 * One document of a Firehose S3 failure backup (aws-contracts.md §1.4, §3.5) → rows. The shape is told by the
 * content of `rawData`, not by the key, so a custom prefix works too:
 * - a CloudWatch Logs envelope (`processing-failed/` of the logs stream): run today's transform;
 * - our own rows, NDJSON with `record_schema_version` (`http-endpoint-failed/`): taken as they are;
 * - metric-stream NDJSON (`processing-failed/` of the metrics stream): run today's metrics transform;
 * - Bedrock's own invocation logs, NDJSON (records the S3 source put into the logs stream): run today's
 *   transform, as for an envelope.
 * Numeric fields of the document (attemptsMade, timestamps) may be quoted; nothing here depends on them.
 */

export interface BackupContext {
  readonly normaliser: RowMaker;
  readonly maxDecompressedBytes: number;
}

export async function backupDocumentItems(
  line: string,
  where: string,
  ctx: BackupContext,
): Promise<UnitItem[]> {
  let document: unknown;
  try {
    document = JSON.parse(line);
  } catch {
    return [{ kind: 'unreadable', reason: 'backup_line_not_json', where }];
  }
  const rawData = (document as { rawData?: unknown } | null)?.rawData;
  if (typeof rawData !== 'string')
    return [{ kind: 'unreadable', reason: 'backup_document_without_rawData', where }];
  let text: string;
  try {
    text = decodeUtf8(recordBytes(rawData, ctx.maxDecompressedBytes));
  } catch (error) {
    const message = error instanceof TransformError ? error.message : 'unreadable';
    return [{ kind: 'unreadable', reason: `raw_data_unreadable: ${message}`, where }];
  }
  switch (shapeOf(text)) {
    case 'envelope':
    case 'bedrock-logs':
      return logsRecordItems(rawData, ctx.normaliser, where);
    case 'metric-stream':
      return metricsRecordItems(rawData, ctx.maxDecompressedBytes, where);
    case 'rows':
      return rowItems(text, where);
    default:
      return [{ kind: 'unreadable', reason: 'unknown_backup_record', where }];
  }
}

type Shape = 'envelope' | 'rows' | 'metric-stream' | 'bedrock-logs' | 'unknown';

function shapeOf(text: string): Shape {
  const newline = text.indexOf('\n', text.search(/\S/));
  const first = (newline < 0 ? text : text.slice(0, newline)).trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(newline < 0 || text.slice(newline).trim() === '' ? first : text);
  } catch {
    try {
      parsed = JSON.parse(first);
    } catch {
      return 'unknown';
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'unknown';
  if (Object.hasOwn(parsed, 'messageType') && Object.hasOwn(parsed, 'logEvents')) return 'envelope';
  if (Object.hasOwn(parsed, 'record_schema_version')) return 'rows';
  if ((parsed as { schemaType?: unknown }).schemaType === 'ModelInvocationLog') return 'bedrock-logs';
  if (Object.hasOwn(parsed, 'metric_stream_name') && Object.hasOwn(parsed, 'metric_name'))
    return 'metric-stream';
  return 'unknown';
}

function rowItems(text: string, where: string): UnitItem[] {
  const items: UnitItem[] = [];
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber++;
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      items.push({ kind: 'unreadable', reason: 'backup_row_not_json', where: `${where} row ${lineNumber}` });
      continue;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      items.push({
        kind: 'unreadable',
        reason: 'backup_row_not_an_object',
        where: `${where} row ${lineNumber}`,
      });
      continue;
    }
    const typed = row as Row;
    items.push({
      kind: 'row',
      target: typed['source_type'] === 'cloudwatch_metric_stream' ? 'metrics' : 'logs',
      row: typed,
    });
  }
  return items;
}
