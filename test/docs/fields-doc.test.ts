import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIELDS_DOC_PATH, renderFieldsDoc } from '../../scripts/fields-doc.ts';

describe('docs/fields.md', () => {
  it('is generated from the current schemas (run: npm run docs)', () => {
    expect(readFileSync(FIELDS_DOC_PATH, 'utf8')).toBe(renderFieldsDoc());
  });
});
