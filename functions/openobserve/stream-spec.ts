import { type ZodType, z } from 'zod';
import { METRIC_STREAM_STATISTICS } from '../../infra/defaults.ts';
import { InvocationRowSchema } from '../../schemas/invocation-row.ts';
import { MetricRowSchema } from '../../schemas/metric-row.ts';
import { statisticColumn } from '../transform/metrics/metric-row.ts';
import { DASHBOARD_METADATA_FIELDS } from './assets.ts';

/**
 * What each stream should look like before the first row arrives: a type for every declared row field (so a
 * cost of exactly 1 does not make `gen_ai_usage_cost_usd` an Int64 column), the fields the dashboards filter
 * on as index / bloom-filter / full-text fields, and an optional retention. Types come from the zod row
 * schemas, never from a copied list.
 */

export type ArrowType = 'Utf8' | 'Int64' | 'Float64' | 'Boolean';

export interface StreamField {
  readonly name: string;
  readonly type: ArrowType;
}

export interface StreamSpec {
  readonly name: string;
  readonly role: 'invocations' | 'metrics';
  readonly fields: readonly StreamField[];
  readonly indexFields: readonly string[];
  readonly bloomFilterFields: readonly string[];
  readonly fullTextSearchFields: readonly string[];
  readonly retentionDays?: number;
}

const JSON_TYPE_TO_ARROW = new Map<unknown, ArrowType>([
  ['string', 'Utf8'],
  ['integer', 'Int64'],
  ['number', 'Float64'],
  ['boolean', 'Boolean'],
]);

/** Declared fields of a row schema with their Arrow types; `_timestamp` is the server's own column. */
export function fieldTypesOf(schema: ZodType): StreamField[] {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as {
    properties?: Record<string, { type?: unknown }>;
  };
  const fields: StreamField[] = [];
  for (const [name, property] of Object.entries(json.properties ?? {})) {
    if (name === '_timestamp') continue;
    const type = JSON_TYPE_TO_ARROW.get(property.type);
    if (type === undefined) throw new Error(`row field ${name} has no single JSON type`);
    fields.push({ name, type });
  }
  return fields;
}

/** Where the lookup panels and dashboard variables filter: exact ids, model and caller. */
const INVOCATION_INDEX_FIELDS = [
  'aws_request_id',
  'gen_ai_conversation_id',
  'gen_ai_request_model',
  'gen_ai_response_model',
  'aws_bedrock_caller_arn',
  'aws_bedrock_caller_name',
];
/** High-cardinality ids looked up one at a time. */
const INVOCATION_BLOOM_FIELDS = ['aws_request_id', 'gen_ai_conversation_id'];
const INVOCATION_FULL_TEXT_FIELDS = ['gen_ai_input_preview', 'gen_ai_output_preview'];
const METRIC_INDEX_FIELDS = ['metric_name', 'aws_bedrock_model_id'];

export function invocationStreamSpec(name: string, retentionDays?: number): StreamSpec {
  const declaredFields = fieldTypesOf(InvocationRowSchema);
  // Promoted metadata columns exist only once a row carries them; the Cost dashboard groups by these.
  const metadata = DASHBOARD_METADATA_FIELDS.filter(
    (column) => !declaredFields.some((field) => field.name === column),
  ).map((column): StreamField => ({ name: column, type: 'Utf8' }));
  const fields = [...declaredFields, ...metadata];
  return {
    name,
    role: 'invocations',
    fields,
    indexFields: declared(fields, INVOCATION_INDEX_FIELDS),
    bloomFilterFields: declared(fields, INVOCATION_BLOOM_FIELDS),
    fullTextSearchFields: declared(fields, INVOCATION_FULL_TEXT_FIELDS),
    ...(retentionDays === undefined ? {} : { retentionDays }),
  };
}

export function metricStreamSpec(name: string, retentionDays?: number): StreamSpec {
  const declaredFields = fieldTypesOf(MetricRowSchema);
  // Extra statistics the deployed metric stream adds arrive as metric_<statistic> floats (metric-row.ts).
  const statistics = METRIC_STREAM_STATISTICS.additionalStatistics
    .map(statisticColumn)
    .filter((column) => !declaredFields.some((field) => field.name === column))
    .map((column): StreamField => ({ name: column, type: 'Float64' }));
  const fields = [...declaredFields, ...statistics];
  return {
    name,
    role: 'metrics',
    fields,
    indexFields: declared(fields, METRIC_INDEX_FIELDS),
    bloomFilterFields: [],
    fullTextSearchFields: [],
    ...(retentionDays === undefined ? {} : { retentionDays }),
  };
}

function declared(fields: readonly StreamField[], names: readonly string[]): string[] {
  for (const name of names) {
    if (!fields.some((field) => field.name === name)) throw new Error(`${name} is not a row field`);
  }
  return [...names];
}
