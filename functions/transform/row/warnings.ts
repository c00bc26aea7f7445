import type { WarningCode } from '../../../schemas/row-constants.ts';

/**
 * `normaliser_warnings` is JSON text of plain identifiers (record-schema §4.10), so it is written and read back
 * without a JSON parser: the self-metrics read it for every row on the hot path.
 */

/** The distinct codes, in first-seen order, as a JSON array. */
export function warningsJson(warnings: readonly WarningCode[]): string {
  const distinct: WarningCode[] = [];
  for (const code of warnings) if (!distinct.includes(code)) distinct.push(code);
  return `["${distinct.join('","')}"]`;
}

/** The inverse of warningsJson. */
export function warningCodes(json: string): string[] {
  return json.length <= 4 ? [] : json.slice(2, -2).split('","');
}
