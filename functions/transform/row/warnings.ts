import type { WarningCode } from '../../../schemas/row-constants.ts';

/**
 * `normaliser_warnings` is JSON text of plain identifiers (record-schema §4.10), so it is written and read back
 * without a JSON parser: the self-metrics read it for every row on the hot path.
 */

/** Appends codes without a spread call: the lists are almost always empty, and a spread is not free. */
export function addWarnings(warnings: WarningCode[], codes: readonly WarningCode[]): void {
  for (let i = 0; i < codes.length; i++) warnings.push(codes[i] as WarningCode);
}

// A row's warnings are most often a single code (stale fixtures, old replays): its text is built once.
const singleCodeJson = new Map<WarningCode, string>();

/** The distinct codes, in first-seen order, as a JSON array. */
export function warningsJson(warnings: readonly WarningCode[]): string {
  if (warnings.length === 1) {
    const code = warnings[0] as WarningCode;
    let json = singleCodeJson.get(code);
    if (json === undefined) {
      json = `["${code}"]`;
      singleCodeJson.set(code, json);
    }
    return json;
  }
  const distinct: WarningCode[] = [];
  for (const code of warnings) if (!distinct.includes(code)) distinct.push(code);
  return `["${distinct.join('","')}"]`;
}

/** The inverse of warningsJson. */
export function warningCodes(json: string): string[] {
  return json.length <= 4 ? [] : json.slice(2, -2).split('","');
}
