/**
 * Total accessors over parsed JSON. Bodies come from many providers and no schema is stable, so every read
 * goes through these: they never throw, and a wrong type reads as `undefined`.
 */

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

export function asArray(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number, or a numeric string (some producers quote numbers). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A non-negative integer count (token counts, images); fractional or negative values read as absent. */
export function asCount(value: unknown): number | undefined {
  const n = asNumber(value);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * `object[key]` for a key that came from a log: own properties only, so `constructor`, `toString` or
 * `__proto__` read as absent instead of as Object.prototype's members.
 */
export function ownValue<V>(object: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** `obj[k1][k2]…` through objects only. */
export function pick(value: unknown, ...path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    const object = asObject(current);
    if (object === undefined || !Object.hasOwn(object, key)) return undefined;
    current = object[key];
  }
  return current;
}

const NO_OBJECTS: readonly JsonObject[] = Object.freeze([]);

/**
 * Objects in an array, skipping anything else (stream arrays carry the odd "[DONE]" string). Read-only: an
 * array that holds only objects (nearly every one) is returned as it is, so reading a body copies nothing.
 */
export function objectsOf(value: unknown): readonly JsonObject[] {
  if (!Array.isArray(value)) return NO_OBJECTS;
  const array: readonly unknown[] = value;
  let index = 0;
  while (index < array.length && asObject(array[index]) !== undefined) index++;
  if (index === array.length) return array as readonly JsonObject[];
  const out = array.slice(0, index) as JsonObject[];
  for (; index < array.length; index++) {
    const object = asObject(array[index]);
    if (object !== undefined) out.push(object);
  }
  return out;
}

/** The first defined value among candidates. */
export function firstDefined<T>(...values: readonly (T | undefined)[]): T | undefined {
  for (const value of values) if (value !== undefined) return value;
  return undefined;
}

/** Sum of the counts that are present; undefined when none is. */
export function sumCounts(...values: readonly (number | undefined)[]): number | undefined {
  let total: number | undefined;
  for (const value of values) if (value !== undefined) total = (total ?? 0) + value;
  return total;
}

/**
 * JSON.stringify that cannot throw on hostile input: JSON.parse accepts nesting deeper than
 * JSON.stringify's recursion can write back (RangeError), so such a value becomes a marker string.
 */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"[unserialisable: nested too deeply]"';
  }
}
