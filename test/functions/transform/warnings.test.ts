import { describe, expect, it } from 'vitest';
import { warningCodes, warningsJson } from '../../../functions/transform/row/warnings.ts';

describe('normaliser_warnings text', () => {
  it('is a JSON array of the distinct codes in first-seen order', () => {
    const json = warningsJson(['body_offloaded', 'price_missing', 'body_offloaded']);
    expect(JSON.parse(json)).toEqual(['body_offloaded', 'price_missing']);
  });

  it.each([[['tokens_missing']], [['body_offloaded', 'price_missing', 'model_unresolved']]] as const)(
    'reads back what it wrote: %j',
    (codes) => {
      expect(warningCodes(warningsJson(codes))).toEqual(codes);
    },
  );
});
