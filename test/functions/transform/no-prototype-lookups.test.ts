import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Values from logs are data: a lookup keyed by one must not reach Object.prototype (`constructor`,
// `__proto__`, `toString` are real inputs). This scan fails when a new plain-object lookup table or an `in`
// test on an object appears in the code that reads logs; use a Map, or Object.hasOwn / ownValue().

const ROOT = join(import.meta.dirname, '../../..');
const SCANNED = ['functions', 'schemas'];
/** Reviewed exceptions: a key from a constant list, or a table read only through Object.hasOwn. */
const ALLOWED: ReadonlyMap<string, readonly string[]> = new Map([
  ['functions/transform/row/content.ts', ['`in` operator on a computed key: key in record']],
  ['functions/cli/main.ts', ['Readonly<Record<string, Command>> = {']],
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Index just past the literal that opens at `start` (quote kept by the caller, contents dropped). */
function endOfString(source: string, start: number): number {
  const quote = source[start];
  let i = start + 1;
  while (i < source.length && source[i] !== quote) i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** The code with comments blanked and every string or template literal emptied (quotes and lines kept). */
function codeOnly(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const two = source.slice(i, i + 2);
    let end = i + 1;
    if (two === '//') end = source.indexOf('\n', i) < 0 ? source.length : source.indexOf('\n', i);
    else if (two === '/*')
      end = source.indexOf('*/', i + 2) < 0 ? source.length : source.indexOf('*/', i + 2) + 2;
    else if ('\'"`'.includes(source[i] as string)) end = endOfString(source, i);
    else {
      out += source[i];
      i++;
      continue;
    }
    const skipped = source.slice(i, end);
    const quotes = two.startsWith('/') ? '' : `${source[i]}${source[i]}`;
    out += quotes + skipped.replace(/[^\n]/g, '').padEnd(0);
    i = end;
  }
  return out;
}

const RULES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  // A read-only table written as an object literal; rows being built (mutable Records) are not lookups.
  {
    name: 'object-literal table typed Readonly<Record<string, …>>',
    pattern: /Readonly<Record<string,[^;=]*>\s*=\s*\{/g,
  },
  // `key in object` with an expression on the left; `for (… in …)` and mapped types are not lookups.
  {
    name: '`in` operator on a computed key',
    pattern: /(?<!for \((?:const|let|var) )\b\w+\s+in\s+(?!keyof\b)\w+/g,
  },
];

function findPlainLookups(source: string): string[] {
  const code = codeOnly(source);
  return RULES.flatMap(({ name, pattern }) =>
    [...code.matchAll(pattern)].map((match) => {
      const line = code.slice(0, match.index).split('\n').length;
      return `line ${line}: ${name}: ${match[0].trim()}`;
    }),
  );
}

describe('no plain-object lookups in the code that reads logs', () => {
  it('the scanner finds both patterns and ignores comments, strings, for-in and mapped types', () => {
    const sample = [
      "const ROLES: Readonly<Record<string, string>> = { USER: 'user' };",
      'if (key in request) return;',
      "// const X: Record<string, number> = { a: 1 }; and 'a' in b",
      "const text = 'key in request';",
      "if ('seeds' in response) return;",
      'for (const key in object) count++;',
      'type Draft = { [K in keyof Row]: Row[K] };',
    ].join('\n');
    expect(findPlainLookups(sample)).toEqual([
      'line 1: object-literal table typed Readonly<Record<string, …>>: Readonly<Record<string, string>> = {',
      'line 2: `in` operator on a computed key: key in request',
    ]);
  });

  it.each(SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).map((path) => [relative(ROOT, path), path]))(
    '%s',
    (name, path) => {
      const allowed = ALLOWED.get(name) ?? [];
      const found = findPlainLookups(readFileSync(path, 'utf8'));
      expect(found.filter((hit) => !allowed.some((ok) => hit.endsWith(ok)))).toEqual([]);
    },
  );
});
