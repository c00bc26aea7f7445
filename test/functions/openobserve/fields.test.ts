import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ASSET_OPTIONS, loadAssets } from '../../../functions/openobserve/assets.ts';
import { substituteVariables } from '../../../functions/openobserve/local-sql.ts';
import { panelsOf, variablesOf } from '../../../functions/openobserve/panels.ts';
import { type RowKind, schemaAcceptsField } from '../../../functions/openobserve/row-fields.ts';
import { transformedRows } from '../../helpers/o2-rows.ts';
import { sqlFieldNames, vrlFieldNames } from '../../helpers/sql-fields.ts';

/** Every field a dashboard, alert or VRL function uses must be one the row schemas (schemas/) allow. */

const assets = loadAssets(DEFAULT_ASSET_OPTIONS);
let base: Record<RowKind, Record<string, unknown>>;

beforeAll(async () => {
  const rows = await transformedRows();
  const invocation = rows.invocations.find((row) => row['source_type'] === 'bedrock_invocation_log');
  const metric = rows.metrics[0];
  if (invocation === undefined || metric === undefined) throw new Error('no rows to check fields against');
  base = { invocation, metric };
});

const kindOf = (stream: string): RowKind => (stream === 'bedrock_metrics' ? 'metric' : 'invocation');

/** A field is acceptable when the schema of either stream the query reads accepts it. */
function unknownFields(fields: Iterable<string>, kinds: readonly RowKind[]): string[] {
  return [...fields].filter((field) => !kinds.some((kind) => schemaAcceptsField(kind, base[kind], field)));
}

function kindsInSql(sql: string): RowKind[] {
  const kinds: RowKind[] = [];
  if (sql.includes('"bedrock_invocations"')) kinds.push('invocation');
  if (sql.includes('"bedrock_metrics"')) kinds.push('metric');
  return kinds;
}

/** The SQL once per value of each custom variable (the metadata key names a column). */
function sqlVariants(dashboard: Record<string, unknown>, sql: string): string[] {
  const custom = (
    dashboard['variables'] as { list: { name: string; type: string; options: { value: string }[] }[] }
  ).list.filter((variable) => variable.type === 'custom');
  let variants = [sql];
  for (const variable of custom) {
    variants = variants.flatMap((text) =>
      variable.options.map((option) => substituteVariables(text, new Map([[variable.name, option.value]]))),
    );
  }
  // The remaining variables stand for values, not names: any literal will do for parsing.
  return variants.map((text) => text.replace(/IN \(\$\w+\)/g, "IN ('v')").replace(/\$\w+/g, '1'));
}

describe('field names used by the OpenObserve assets', () => {
  it('the checker itself rejects a field the schemas do not have', async () => {
    expect(
      unknownFields(await sqlFieldNames('SELECT gen_ai_usage_cost_dollars FROM "bedrock_invocations"'), [
        'invocation',
      ]),
    ).toEqual(['gen_ai_usage_cost_dollars']);
    expect(
      unknownFields(
        ['aws_bedrock_request_metadata_team', 'metric_p99', 'dimension_modelid'],
        ['invocation', 'metric'],
      ),
    ).toEqual([]);
  });

  for (const dashboard of assets.dashboards) {
    describe(dashboard.title, () => {
      for (const panel of panelsOf(dashboard.body)) {
        it(`panel "${panel.title}" reads only schema fields`, async () => {
          const kinds = kindsInSql(panel.sql);
          expect(kinds).toContain(kindOf(panel.stream));
          for (const sql of sqlVariants(dashboard.body, panel.sql)) {
            expect(unknownFields(await sqlFieldNames(sql), kinds)).toEqual([]);
          }
          const axisColumns = [...panel.x, ...panel.y, ...panel.breakdown].flatMap((axis) =>
            axis.column === undefined ? [] : sqlVariants(dashboard.body, axis.column),
          );
          expect(unknownFields(axisColumns, kinds)).toEqual([]);
        });
      }
      it('variables take values from schema fields', () => {
        for (const variable of variablesOf(dashboard.body)) {
          if (variable.field === undefined) continue;
          expect(unknownFields([variable.field], [kindOf(variable.stream ?? '')])).toEqual([]);
        }
      });
    });
  }

  for (const alert of assets.alerts) {
    it(`alert "${alert.name}" reads only schema fields`, async () => {
      const sql = (alert.body['query_condition'] as { sql: string }).sql;
      expect(unknownFields(await sqlFieldNames(sql), kindsInSql(sql))).toEqual([]);
    });
  }

  for (const fn of assets.functions) {
    it(`VRL function ${fn.name} reads and writes only schema fields`, () => {
      const fields = vrlFieldNames(readFileSync(fn.file, 'utf8'));
      expect(fields.size).toBeGreaterThan(0);
      expect(unknownFields(fields, ['invocation'])).toEqual([]);
    });
  }
});
