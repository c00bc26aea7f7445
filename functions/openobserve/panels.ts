import {
  ALL_VALUES,
  type LocalSqlEngine,
  type QueryResult,
  substituteVariables,
  type VariableValue,
} from './local-sql.ts';

/** Dashboard panels as the preview and the tests run them: the SQL, what it plots, and the result. */

export interface PanelAxis {
  readonly alias: string;
  readonly label: string;
  readonly column: string | undefined;
}

export interface PanelQuery {
  readonly dashboard: string;
  readonly id: string;
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly stream: string;
  readonly sql: string;
  readonly x: readonly PanelAxis[];
  readonly y: readonly PanelAxis[];
  readonly breakdown: readonly PanelAxis[];
  readonly unit: string | undefined;
  readonly decimals: number | undefined;
  readonly layout: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}

export type PanelOutcome =
  | { readonly ok: true; readonly panel: PanelQuery; readonly sql: string; readonly result: QueryResult }
  | { readonly ok: false; readonly panel: PanelQuery; readonly sql: string; readonly error: string };

type Json = Record<string, unknown>;
const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function axes(value: unknown): PanelAxis[] {
  return list(value).map((item) => {
    const axis = record(item);
    return {
      alias: text(axis['alias']),
      label: text(axis['label']),
      column: typeof axis['column'] === 'string' ? axis['column'] : undefined,
    };
  });
}

export function panelsOf(dashboard: Json): PanelQuery[] {
  const title = text(dashboard['title']);
  return list(dashboard['tabs']).flatMap((tab) =>
    list(record(tab)['panels']).map((item) => {
      const panel = record(item);
      const query = record(list(panel['queries'])[0]);
      const fields = record(query['fields']);
      const layout = record(panel['layout']);
      const config = record(panel['config']);
      return {
        dashboard: title,
        id: text(panel['id']),
        type: text(panel['type']),
        title: text(panel['title']),
        description: text(panel['description']),
        stream: text(fields['stream']),
        sql: text(query['query']),
        x: axes(fields['x']),
        y: axes(fields['y']),
        breakdown: axes(fields['breakdown']),
        unit: typeof config['unit'] === 'string' ? config['unit'] : undefined,
        decimals: typeof config['decimals'] === 'number' ? config['decimals'] : undefined,
        layout: {
          x: Number(layout['x'] ?? 0),
          y: Number(layout['y'] ?? 0),
          w: Number(layout['w'] ?? 96),
          h: Number(layout['h'] ?? 16),
        },
      };
    }),
  );
}

export interface VariableInfo {
  readonly name: string;
  readonly type: string;
  readonly field: string | undefined;
  readonly stream: string | undefined;
  readonly value: string | undefined;
}

export function variablesOf(dashboard: Json): VariableInfo[] {
  return list(record(dashboard['variables'])['list']).map((item) => {
    const variable = record(item);
    const data = record(variable['query_data']);
    return {
      name: text(variable['name']),
      type: text(variable['type']),
      field: typeof data['field'] === 'string' ? data['field'] : undefined,
      stream: typeof data['stream'] === 'string' ? data['stream'] : undefined,
      value: typeof variable['value'] === 'string' ? variable['value'] : undefined,
    };
  });
}

/**
 * What a person opening the dashboard gets: every query-values filter on "all", every other variable at
 * its saved value; `choices` fills variables that have no useful default (the conversation id).
 */
export function defaultVariableValues(
  dashboard: Json,
  choices: ReadonlyMap<string, string> = new Map(),
): Map<string, VariableValue> {
  const values = new Map<string, VariableValue>();
  for (const variable of variablesOf(dashboard)) {
    const chosen = choices.get(variable.name);
    if (chosen !== undefined) values.set(variable.name, chosen);
    else if (variable.type === 'query_values') values.set(variable.name, [ALL_VALUES]);
    else values.set(variable.name, variable.value ?? '');
  }
  return values;
}

/** Run one panel; a failure is an outcome, never an empty result. */
export async function runPanel(
  engine: LocalSqlEngine,
  panel: PanelQuery,
  variables: ReadonlyMap<string, VariableValue>,
): Promise<PanelOutcome> {
  const sql = substituteVariables(panel.sql, variables);
  try {
    const result = await engine.run(sql);
    const missing = [...panel.x, ...panel.y, ...panel.breakdown]
      .map((axis) => axis.alias)
      .filter((alias) => !result.columns.includes(alias));
    if (missing.length > 0) {
      return {
        ok: false,
        panel,
        sql,
        error: `the query returns no column ${missing.join(', ')} that the panel plots`,
      };
    }
    return { ok: true, panel, sql, result };
  } catch (error) {
    return { ok: false, panel, sql, error: (error as Error).message };
  }
}
