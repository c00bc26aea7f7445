import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeRows, NdjsonWriter } from '../../../functions/transform/firehose/encode.ts';

describe('NDJSON encoding', () => {
  it('writes exactly the JSON lines, across buffer growth and in every script', () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({
      i,
      text: `${'é'.repeat(i * 3)}😀${'a'.repeat(i * 5)}\u2028"\\`,
      lone: '\ud800',
      nested: { n: [i, null, true] },
    }));
    const expected = rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    expect(Buffer.byteLength(expected)).toBeGreaterThan(4 * 64 * 1024);
    expect(gunzipSync(encodeRows(rows)).toString('utf8')).toBe(expected);
  });

  it('writes one gzip member of nothing for no rows', () => {
    const empty = new NdjsonWriter().gzip();
    expect([empty[0], empty[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(empty).length).toBe(0);
  });
});
