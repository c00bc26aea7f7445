import { init, parse } from '@guanmingchiu/sqlparser-ts';

/**
 * The row fields a SQL text reads, from its DataFusion-parser AST: every column identifier (the last part of
 * a compound one), minus names the query defines itself (select aliases, table and CTE aliases). Function
 * and table names are object names in the AST and are not collected.
 */
export async function sqlFieldNames(sql: string): Promise<Set<string>> {
  await init();
  const found = { identifiers: new Set<string>(), defined: new Set<string>() };
  walk(parse(sql, 'postgresql'), found);
  return new Set([...found.identifiers].filter((name) => !found.defined.has(name)));
}

interface Found {
  readonly identifiers: Set<string>;
  readonly defined: Set<string>;
}

function walk(node: unknown, found: Found): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, found);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) visit(key, value, found);
}

function visit(key: string, value: unknown, found: Found): void {
  // Object names (functions, tables) are arrays under `name`; they are not fields.
  if (key === 'name' && Array.isArray(value)) return;
  if (key === 'alias') {
    const alias = value as { value?: string; name?: { value?: string } } | null;
    const name = alias?.value ?? alias?.name?.value;
    if (name !== undefined) found.defined.add(name);
    return;
  }
  if (key === 'Identifier') {
    const name = (value as { value?: unknown }).value;
    if (typeof name === 'string') found.identifiers.add(name);
    return;
  }
  if (key === 'CompoundIdentifier' && Array.isArray(value)) {
    const last = value.at(-1) as { value?: string } | undefined;
    if (last?.value !== undefined) found.identifiers.add(last.value);
    return;
  }
  walk(value, found);
}

/** The fields a VRL program reads or writes: `.path` segments outside comments and string literals. */
export function vrlFieldNames(source: string): Set<string> {
  const code = source
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n')
    .replace(/r'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = new Set<string>();
  for (const match of code.matchAll(/(?<![\w)\]])\.([a-z_][a-z0-9_]*)/g)) names.add(match[1] ?? '');
  return names;
}
