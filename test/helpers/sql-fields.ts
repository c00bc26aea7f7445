import { init, parse } from '@guanmingchiu/sqlparser-ts';

/**
 * The row fields a SQL text reads, from its DataFusion-parser AST: every column identifier (the last part of
 * a compound one), minus names the query defines itself (select aliases, table and CTE aliases). Function
 * and table names are object names in the AST and are not collected.
 */
export async function sqlFieldNames(sql: string): Promise<Set<string>> {
  await init();
  const identifiers = new Set<string>();
  const defined = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'name' && Array.isArray(value)) continue;
      if (key === 'alias') {
        const alias = value as { value?: string; name?: { value?: string } } | null;
        const name = alias?.value ?? alias?.name?.value;
        if (name !== undefined) defined.add(name);
        continue;
      }
      if (key === 'Identifier' && typeof (value as { value?: unknown }).value === 'string') {
        identifiers.add((value as { value: string }).value);
        continue;
      }
      if (key === 'CompoundIdentifier' && Array.isArray(value)) {
        const last = value.at(-1) as { value?: string } | undefined;
        if (last?.value !== undefined) identifiers.add(last.value);
        continue;
      }
      walk(value);
    }
  };
  walk(parse(sql, 'postgresql'));
  return new Set([...identifiers].filter((name) => !defined.has(name)));
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
