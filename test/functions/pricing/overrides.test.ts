import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupPackagePrice } from '../../../functions/transform/pricing/package-prices.ts';
import { BUNDLED_OVERRIDES } from '../../../functions/transform/pricing/price-invocation.ts';
import { resolveModelId } from '../../../functions/transform/row/model-id.ts';
import { PriceOverridesSchema } from '../../../schemas/price-overrides.ts';

const raw: unknown = JSON.parse(
  readFileSync(new URL('../../../functions/transform/pricing/overrides.json', import.meta.url), 'utf8'),
);

describe('the bundled override table', () => {
  it('validates against the schema', () => {
    const result = PriceOverridesSchema.safeParse(raw);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(BUNDLED_OVERRIDES.id).toMatch(/^bedrock-o2-overrides@\d{4}-\d{2}-\d{2}$/);
  });

  it('parses to itself, so the Lambda may use it without zod at cold start', () => {
    expect(PriceOverridesSchema.parse(raw)).toStrictEqual(raw);
    expect(BUNDLED_OVERRIDES).toStrictEqual(raw);
  });

  it('says where every number comes from, with the AWS pricing page', () => {
    const undocumented = BUNDLED_OVERRIDES.entries.filter(
      (entry) => !entry.note.includes('https://aws.amazon.com/bedrock/pricing'),
    );
    expect(undocumented.map((entry) => entry.model)).toEqual([]);
    for (const adjustment of [...BUNDLED_OVERRIDES.multipliers, ...BUNDLED_OVERRIDES.discounts]) {
      expect(adjustment.note.length).toBeGreaterThan(10);
    }
  });

  it('has one entry per model, so the order of the file never decides a price', () => {
    const models = BUNDLED_OVERRIDES.entries.map(
      (entry) => `${entry.model}|${entry.region ?? ''}|${entry.tier ?? ''}|${entry.effectiveFrom ?? ''}`,
    );
    expect(new Set(models).size).toBe(models.length);
  });

  it('overrides the package only where it means to (new models, or a noted correction)', () => {
    const at = new Date('2025-09-01T00:00:00Z');
    const overlapping = BUNDLED_OVERRIDES.entries
      .filter((entry) => !entry.model.includes('*'))
      .filter((entry) => {
        const model = resolveModelId(entry.model, { applicationProfiles: {}, modelArns: {} });
        return (
          model.pricingModelId !== undefined && lookupPackagePrice(model.pricingModelId, at) !== undefined
        );
      })
      .map((entry) => entry.model);
    expect(overlapping).toEqual(['amazon.titan-embed-text-v2:0']);
    const correction = BUNDLED_OVERRIDES.entries.find(
      (entry) => entry.model === 'amazon.titan-embed-text-v2:0',
    );
    expect(correction?.note).toContain('Correction');
  });
});

describe('PriceOverridesSchema', () => {
  const base = { id: 'x@2026-01-01', entries: [] };
  const entry = { model: 'acme.model-v1', prices: { input_mtok: 1 }, note: 'test: from the vendor page' };
  const issues = (value: unknown) =>
    PriceOverridesSchema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];

  it('accepts a minimal table and defaults the adjustment lists', () => {
    expect(PriceOverridesSchema.parse(base)).toEqual({ ...base, multipliers: [], discounts: [] });
  });

  it('rejects an entry without a note, without prices, or with both image price forms', () => {
    expect(issues({ ...base, entries: [{ ...entry, note: undefined }] })).not.toEqual([]);
    expect(issues({ ...base, entries: [{ ...entry, prices: {} }] })).toContain('needs at least one price');
    expect(
      issues({
        ...base,
        entries: [{ ...entry, prices: { per_image: 0.04, per_image_variants: [{ usd: 0.04 }] } }],
      }),
    ).toContain('per_image and per_image_variants exclude each other');
  });

  it('rejects dates that are not UTC days or are out of order', () => {
    expect(issues({ ...base, entries: [{ ...entry, effectiveFrom: '2025-06-01T12:00:00Z' }] })).not.toEqual(
      [],
    );
    expect(issues({ ...base, entries: [{ ...entry, effectiveFrom: '2025-02-30' }] })).toContain(
      'not a calendar date',
    );
    expect(
      issues({ ...base, entries: [{ ...entry, effectiveFrom: '2025-06-01', effectiveTo: '2025-05-01' }] }),
    ).toContain('effectiveFrom must be before effectiveTo');
  });

  it('rejects a discount above 1, a duplicate adjustment id and an unversioned table id', () => {
    expect(
      issues({ ...base, discounts: [{ id: 'd', factor: 1.2, note: 'test: not a discount' }] }),
    ).not.toEqual([]);
    expect(
      issues({
        ...base,
        multipliers: [{ id: 'same', factor: 1.1, note: 'test: regional premium' }],
        discounts: [{ id: 'same', factor: 0.9, note: 'test: negotiated discount' }],
      }),
    ).toContain('duplicate id same');
    expect(issues({ ...base, id: 'overrides' })).not.toEqual([]);
  });
});
