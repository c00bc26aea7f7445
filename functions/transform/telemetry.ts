import type { TransformError } from './errors.ts';

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

export function addRows(summary: BatchSummary, rows: readonly object[]): void {
  summary.rows += rows.length;
  for (const row of rows as readonly Record<string, unknown>[]) {
    const warnings = row['normaliser_warnings'];
    if (typeof warnings === 'string') {
      for (const code of JSON.parse(warnings) as string[]) {
        summary.warnings.set(code, (summary.warnings.get(code) ?? 0) + 1);
        if (code === 'timestamp_outside_ingest_window') summary.rowsOutsideIngestWindow++;
      }
    }
    const input = row['gen_ai_usage_input_tokens'];
    const output = row['gen_ai_usage_output_tokens'];
    if (typeof input !== 'number' && typeof output !== 'number') continue;
    const model = String(row['gen_ai_response_model'] ?? row['gen_ai_request_model'] ?? 'unknown');
    const profileType = String(row['aws_bedrock_inference_profile_type'] ?? 'none');
    const key = `${model}\u0000${profileType}`;
    let entry = summary.tokens.get(key);
    if (entry === undefined) {
      entry = { model, profileType, input: 0, output: 0 };
      summary.tokens.set(key, entry);
    }
    entry.input += typeof input === 'number' ? input : 0;
    entry.output += typeof output === 'number' ? output : 0;
  }
}

/** Where the handler reports; the Lambda uses Powertools, the CLI writes to stderr. */
export interface Telemetry {
  recordFailed(recordId: string, error: TransformError): void;
  reingestFailed(count: number, streamName: string): void;
  batchDone(summary: BatchSummary): void;
}

/** The cause's type and stack frames, without its message: JSON.parse messages quote the input text. */
export function safeCause(error: TransformError): string | undefined {
  const cause = error.cause;
  if (!(cause instanceof Error)) return undefined;
  const frames = (cause.stack ?? '').split('\n').slice(1, 6).join('\n');
  return `${cause.name}${frames === '' ? '' : `\n${frames}`}`;
}

export const silentTelemetry: Telemetry = {
  recordFailed: () => undefined,
  reingestFailed: () => undefined,
  batchDone: () => undefined,
};
