import type { TransformError } from '../firehose/errors.ts';
import type { HydrationReport } from '../logs/hydrate.ts';
import { warningCodes } from '../row/warnings.ts';

/**
 * What one invocation did, for the self-metrics (decisions.md: namespace BedrockO2) and one summary log
 * line. Computed from the rows, so the stages stay free of logging.
 */
export interface BatchSummary {
  recordsIn: number;
  recordsOk: number;
  recordsDropped: number;
  recordsFailed: number;
  recordsReingested: number;
  rows: number;
  rowsOutsideIngestWindow: number;
  bytesIn: number;
  bytesOut: number;
  readonly warnings: Map<string, number>;
  /** key `${model}\u0000${profileType}` */
  readonly tokens: Map<string, { model: string; profileType: string; input: number; output: number }>;
}

export function newSummary(): BatchSummary {
  return {
    recordsIn: 0,
    recordsOk: 0,
    recordsDropped: 0,
    recordsFailed: 0,
    recordsReingested: 0,
    rows: 0,
    rowsOutsideIngestWindow: 0,
    bytesIn: 0,
    bytesOut: 0,
    warnings: new Map(),
    tokens: new Map(),
  };
}

/** What one record's rows add to the summary, computed as soon as the record is encoded. */
export interface RowStats {
  readonly rows: number;
  readonly rowsOutsideIngestWindow: number;
  readonly warnings: ReadonlyMap<string, number>;
  readonly tokens: ReadonlyMap<string, { model: string; profileType: string; input: number; output: number }>;
}

/**
 * The `Model` dimension of the token self-metrics: a resolved Bedrock model id, else `unresolved`. Never the
 * request ARN or a name the body made up: each distinct value is a separate custom metric (and cost).
 */
export const UNRESOLVED_MODEL_DIMENSION = 'unresolved';

function tokenMetricModel(responseModel: unknown, aliasUnknown: boolean): string {
  return typeof responseModel === 'string' && responseModel !== '' && !aliasUnknown
    ? responseModel
    : UNRESOLVED_MODEL_DIMENSION;
}

/** Stats being counted row by row, so a record's rows can be let go as soon as each is encoded. */
export interface RowStatsCounter extends RowStats {
  rows: number;
  rowsOutsideIngestWindow: number;
  readonly warnings: Map<string, number>;
  readonly tokens: Map<string, { model: string; profileType: string; input: number; output: number }>;
}

export function newRowStats(): RowStatsCounter {
  return { rows: 0, rowsOutsideIngestWindow: 0, warnings: new Map(), tokens: new Map() };
}

export function countRow(stats: RowStatsCounter, row: object): void {
  const fields = row as Record<string, unknown>;
  stats.rows++;
  const codes = fields['normaliser_warnings'];
  let aliasUnknown = false;
  if (typeof codes === 'string') {
    for (const code of warningCodes(codes)) {
      stats.warnings.set(code, (stats.warnings.get(code) ?? 0) + 1);
      if (code === 'timestamp_outside_ingest_window') stats.rowsOutsideIngestWindow++;
      else if (code === 'model_alias_unknown') aliasUnknown = true;
    }
  }
  const input = fields['gen_ai_usage_input_tokens'];
  const output = fields['gen_ai_usage_output_tokens'];
  if (typeof input !== 'number' && typeof output !== 'number') return;
  const model = tokenMetricModel(fields['gen_ai_response_model'], aliasUnknown);
  const profileType = String(fields['aws_bedrock_inference_profile_type'] ?? 'none');
  const key = `${model}\u0000${profileType}`;
  let entry = stats.tokens.get(key);
  if (entry === undefined) {
    entry = { model, profileType, input: 0, output: 0 };
    stats.tokens.set(key, entry);
  }
  entry.input += typeof input === 'number' ? input : 0;
  entry.output += typeof output === 'number' ? output : 0;
}

export function rowStats(rows: readonly object[]): RowStats {
  const stats = newRowStats();
  for (const row of rows) countRow(stats, row);
  return stats;
}

export function addRowStats(summary: BatchSummary, stats: RowStats): void {
  summary.rows += stats.rows;
  summary.rowsOutsideIngestWindow += stats.rowsOutsideIngestWindow;
  for (const [code, count] of stats.warnings)
    summary.warnings.set(code, (summary.warnings.get(code) ?? 0) + count);
  for (const [key, { model, profileType, input, output }] of stats.tokens) {
    const entry = summary.tokens.get(key);
    if (entry === undefined) summary.tokens.set(key, { model, profileType, input, output });
    else {
      entry.input += input;
      entry.output += output;
    }
  }
}

/** Where the handler reports; the Lambda uses Powertools, the CLI writes to stderr. */
export interface Telemetry {
  recordFailed(recordId: string, error: TransformError): void;
  /** Normalising one invocation threw; it was written as a `normalise_failed` row (the record is fine). */
  normaliseFailed(error: unknown): void;
  reingestFailed(count: number, streamName: string): void;
  batchDone(summary: BatchSummary): void;
  /** Offloaded bodies were looked for in this batch (hydrateLargeBodies on). */
  hydrationDone?(report: HydrationReport): void;
}

/** The cause's type and stack frames, without its message: JSON.parse messages quote the input text. */
export function safeCause(error: TransformError): string | undefined {
  return errorWithoutMessage(error.cause);
}

/** An error's type and first stack frames, never its message (messages can quote prompt text). */
export function errorWithoutMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const frames = (error.stack ?? '').split('\n').slice(1, 6).join('\n');
  return `${error.name}${frames === '' ? '' : `\n${frames}`}`;
}

export const silentTelemetry: Telemetry = {
  recordFailed: () => undefined,
  normaliseFailed: () => undefined,
  reingestFailed: () => undefined,
  batchDone: () => undefined,
};
