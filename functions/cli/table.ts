/**
 * The rule under the header stops here: the last column's cells are not padded, so a rule as wide as its
 * longest cell (a provision note runs to hundreds of characters) would only wrap across the terminal.
 */
const RULE_MAX_WIDTH = 120;

/** A plain-text table: the first row is the header; numbers are right-aligned. */
export function formatTable(rows: readonly (readonly (string | number)[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i] ?? 0, String(row[i]).length);
  }
  const line = (row: readonly (string | number)[]) =>
    row
      .map((cell, i) =>
        typeof cell === 'number' ? String(cell).padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  if (header === undefined) return '';
  return `${[line(header), rule(widths, header), ...body.map(line)].join('\n')}\n`;
}

function rule(widths: readonly number[], header: readonly (string | number)[]): string {
  const last = widths.length - 1;
  const before = widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0);
  const lastHeader = String(header[last] ?? '').length;
  return widths
    .map((w, i) => '-'.repeat(i === last ? Math.max(lastHeader, Math.min(w, RULE_MAX_WIDTH - before)) : w))
    .join('  ');
}
