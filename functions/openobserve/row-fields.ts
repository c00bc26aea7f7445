import { InvocationRowSchema } from '../../schemas/invocation-row.ts';
import { MetricRowSchema } from '../../schemas/metric-row.ts';

/**
 * The columns the two streams can have, read from the zod row schemas (the output contract): the local SQL
 * engine creates every declared column, so a query over a field the contract does not have fails there as it
 * would on a server that never received it.
 */

export type RowKind = 'invocation' | 'metric';
export type SqlType = 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR';

interface ZodLike {
  readonly _zod: { readonly def: Record<string, unknown> };
}

function sqlTypeOf(schema: ZodLike): SqlType {
  let def = schema._zod.def;
  while (def['type'] === 'optional' || def['type'] === 'nullable' || def['type'] === 'default') {
    def = (def['innerType'] as ZodLike)._zod.def;
  }
  switch (def['type']) {
    case 'number':
      return typeof def['format'] === 'string' && def['format'].includes('int') ? 'BIGINT' : 'DOUBLE';
    case 'int':
      return 'BIGINT';
    case 'boolean':
      return 'BOOLEAN';
    case 'literal': {
      const values = def['values'] as readonly unknown[];
      return typeof values[0] === 'boolean' ? 'BOOLEAN' : 'VARCHAR';
    }
    default:
      return 'VARCHAR';
  }
}

/** Declared field → SQL type, in declaration order. */
export function declaredColumns(kind: RowKind): ReadonlyMap<string, SqlType> {
  const shape = (kind === 'invocation'
    ? InvocationRowSchema.shape
    : MetricRowSchema.shape) as unknown as Record<string, ZodLike>;
  return new Map(Object.entries(shape).map(([name, schema]) => [name, sqlTypeOf(schema)]));
}

/**
 * Whether the row schema accepts `field` on top of a valid `base` row: declared fields, and the dynamic
 * families the schema allows (promoted request-metadata keys, metric dimensions and extra statistics).
 * Asks the schema itself, so a rule changed there changes the answer here.
 */
export function schemaAcceptsField(kind: RowKind, base: Record<string, unknown>, field: string): boolean {
  if (declaredColumns(kind).has(field)) return true;
  const schema = kind === 'invocation' ? InvocationRowSchema : MetricRowSchema;
  if (!schema.safeParse(base).success) throw new Error(`the base ${kind} row does not match its schema`);
  return ['x', 1].some((value) => schema.safeParse({ ...base, [field]: value }).success);
}
