import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { init as initSqlParser, parse as parseSql } from '@guanmingchiu/sqlparser-ts';
import { declaredColumns, type RowKind, type SqlType } from './row-fields.ts';

/**
 * Runs dashboard and alert SQL over local rows, as OpenObserve would over its streams: the text is parsed by
 * datafusion-sqlparser (the parser OpenObserve's DataFusion uses, PostgreSQL dialect), then executed in an
 * embedded DuckDB where OpenObserve's own functions (`histogram`, `approx_percentile_cont`, `str_match`, …)
 * are defined as macros with the same meaning. The tests and `dashboards preview` share this module, so a
 * user previews exactly what the tests run.
 */

/** OpenObserve's dashboard placeholder for "all values": a filter compared with it is removed server-side. */
export const ALL_VALUES = '_o2_all_';

export type VariableValue = string | readonly string[];

export interface LocalStream {
  readonly name: string;
  readonly kind: RowKind;
  readonly rows: readonly Record<string, unknown>[];
  /** Utf8 columns the stream is provisioned with even when no row carries them yet. */
  readonly extraColumns?: readonly string[];
}

export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

export class LocalSqlError extends Error {
  readonly stage: 'parse' | 'execute';
  constructor(stage: 'parse' | 'execute', message: string) {
    super(`${stage}: ${message}`);
    this.stage = stage;
  }
}

export interface LocalSqlEngine {
  /** Parse (DataFusion dialect), then execute; throws LocalSqlError. */
  run(sql: string): Promise<QueryResult>;
  /** The `histogram(_timestamp)` bucket chosen for these rows, as OpenObserve chooses one from the range. */
  readonly histogramInterval: string;
  close(): void;
}

let parserReady: Promise<void> | undefined;

/** Parse with the DataFusion SQL parser; returns the error message, or undefined when the text parses. */
export async function syntaxError(sql: string): Promise<string | undefined> {
  parserReady ??= initSqlParser();
  await parserReady;
  try {
    const statements = parseSql(sql, 'postgresql') as unknown[];
    return statements.length === 1 ? undefined : `expected one statement, found ${statements.length}`;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Substitute dashboard variables the way the OpenObserve UI does (`$name`, `${name}`): a list becomes
 * `'a','b'` (quotes doubled inside values), one value is inserted as typed. Then apply the server's rule for
 * the all-values placeholder: `col IN ('_o2_all_')` and `col = '_o2_all_'` become `TRUE`.
 */
export function substituteVariables(sql: string, values: ReadonlyMap<string, VariableValue>): string {
  const replaced = sql.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const value = values.get(name);
    if (value === undefined) return whole;
    if (typeof value === 'string') return value;
    return value.map((v) => `'${v.replaceAll("'", "''")}'`).join(',');
  });
  const column = String.raw`(?:"[^"]+"|[A-Za-z_][\w.]*)`;
  return replaced
    .replace(new RegExp(String.raw`${column}\s+IN\s*\(\s*'${ALL_VALUES}'\s*\)`, 'g'), 'TRUE')
    .replace(new RegExp(String.raw`${column}\s*=\s*'${ALL_VALUES}'`, 'g'), 'TRUE');
}

const HISTOGRAM_STEPS_SECONDS = [60, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];

/** About 60 buckets over the rows' time span, at least one minute. */
export function histogramIntervalFor(timestampsMicros: readonly number[]): string {
  if (timestampsMicros.length === 0) return '1 minute';
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const t of timestampsMicros) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const wanted = (max - min) / 1e6 / 60;
  const seconds = HISTOGRAM_STEPS_SECONDS.find((step) => step >= wanted) ?? 86_400;
  return seconds % 3600 === 0 ? `${seconds / 3600} hour` : `${seconds / 60} minute`;
}

function observedType(value: unknown): SqlType {
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'number') return Number.isInteger(value) ? 'BIGINT' : 'DOUBLE';
  return 'VARCHAR';
}

/** OpenObserve widens a column as values arrive: integer to float, anything mixed to text. */
function widened(known: SqlType | undefined, observed: SqlType): SqlType {
  if (known === undefined || known === observed) return observed;
  if ((known === 'BIGINT' && observed === 'DOUBLE') || (known === 'DOUBLE' && observed === 'BIGINT'))
    return 'DOUBLE';
  return 'VARCHAR';
}

function columnsOf(stream: LocalStream): Map<string, SqlType> {
  const declared = declaredColumns(stream.kind);
  const columns = new Map(declared);
  for (const name of stream.extraColumns ?? []) if (!columns.has(name)) columns.set(name, 'VARCHAR');
  for (const row of stream.rows) {
    for (const [key, value] of Object.entries(row)) {
      // A declared float column stays DOUBLE even when every value happens to be whole (provisioned Float64).
      if (declared.get(key) === 'DOUBLE') continue;
      columns.set(key, widened(columns.get(key), observedType(value)));
    }
  }
  return columns;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function loadStream(connection: DuckDBConnection, dir: string, stream: LocalStream): Promise<void> {
  const file = join(dir, `${stream.name}.ndjson`);
  writeFileSync(file, stream.rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
  const columns = [...columnsOf(stream)].map(([name, type]) => `${quoteLiteral(name)}: '${type}'`).join(', ');
  await connection.run(
    `CREATE TABLE ${quoteIdent(stream.name)} AS SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = {${columns}})`,
  );
}

async function defineOpenObserveFunctions(connection: DuckDBConnection, interval: string): Promise<void> {
  // histogram(_timestamp[, interval]): µs → the start of its bucket, as a timestamp.
  await connection.run(
    `CREATE MACRO histogram(ts) AS time_bucket(INTERVAL ${quoteLiteral(interval)}, make_timestamp(CAST(ts AS BIGINT))), (ts, iv) AS time_bucket(CAST(iv AS INTERVAL), make_timestamp(CAST(ts AS BIGINT)))`,
  );
  await connection.run('CREATE MACRO approx_percentile_cont(x, p) AS quantile_cont(x, p)');
  await connection.run('CREATE MACRO str_match(field, value) AS contains(CAST(field AS VARCHAR), value)');
  await connection.run(
    'CREATE MACRO str_match_ignore_case(field, value) AS contains(lower(CAST(field AS VARCHAR)), lower(value))',
  );
  await connection.run('CREATE MACRO to_timestamp_micros(x) AS make_timestamp(CAST(x AS BIGINT))');
}

function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

export async function openLocalSql(streams: readonly LocalStream[]): Promise<LocalSqlEngine> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-sql-'));
  const interval = histogramIntervalFor(
    streams.flatMap((s) => s.rows.map((row) => Number(row['_timestamp'])).filter(Number.isFinite)),
  );
  try {
    for (const stream of streams) await loadStream(connection, dir, stream);
    await defineOpenObserveFunctions(connection, interval);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    histogramInterval: interval,
    async run(sql) {
      const parseError = await syntaxError(sql);
      if (parseError !== undefined) throw new LocalSqlError('parse', parseError);
      try {
        const reader = await connection.runAndReadAll(sql);
        const rows = reader
          .getRowObjectsJS()
          .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plainValue(v)])));
        return { columns: reader.columnNames(), rows };
      } catch (error) {
        throw new LocalSqlError('execute', (error as Error).message.split('\n')[0] ?? 'failed');
      }
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
