import { z } from 'zod';

/**
 * The override table for invocation pricing (functions/transform/pricing/overrides.json). It sits in front of the
 * pinned @pydantic/genai-prices data and always wins: prices the package lacks (Cohere, AI21, Stability, Titan
 * image, legacy Claude), corrections, per-region multipliers and negotiated discounts. Its `id` names the version
 * and is written into every row it prices (`aws_bedrock_price_source`), so bump it whenever a number changes.
 *
 * @example
 * {"id":"bedrock-o2-overrides@2026-11-25",
 *  "entries":[{"model":"cohere.command-r-v1:0","prices":{"input_mtok":0.5,"output_mtok":1.5},
 *              "note":"https://aws.amazon.com/bedrock/pricing/ (Cohere, on-demand)"}],
 *  "multipliers":[],"discounts":[]}
 */

/** `YYYY-MM-DD`, a UTC day. Prices change at midnight UTC, so the engine can cache per day. */
const utcDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC date YYYY-MM-DD')
  .refine((value) => {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(value);
  }, 'not a calendar date');

/** A Bedrock model id or system profile id, exact, or with `*` wildcards (`cohere.embed-*-v3`). */
const modelPattern = z
  .string()
  .regex(/^[A-Za-z0-9._:*-]+$/, 'must be a Bedrock model id, profile id or a pattern with * wildcards');

const usdRate = z.number().finite().nonnegative();

const note = z
  .string()
  .min(10)
  .describe('Where the number comes from: the AWS pricing page (URL) and, when transcribed, from where');

export const IMAGE_QUALITIES = ['standard', 'premium'] as const;
export type ImageQuality = (typeof IMAGE_QUALITIES)[number];

export const ImagePriceVariantSchema = z.strictObject({
  quality: z
    .enum(IMAGE_QUALITIES)
    .optional()
    .describe('Titan/Nova `quality`, or SDXL steps (> 50 steps is premium); absent matches any'),
  max_pixels: z
    .int()
    .positive()
    .optional()
    .describe('Largest width × height this price covers (1024 × 1024 = 1048576); absent matches any size'),
  usd: usdRate.describe('USD per generated image'),
});
export type ImagePriceVariant = z.infer<typeof ImagePriceVariantSchema>;

export const OverridePricesSchema = z
  .strictObject({
    input_mtok: usdRate
      .optional()
      .describe('USD per million input tokens not read from or written to a cache'),
    output_mtok: usdRate.optional().describe('USD per million output tokens'),
    cache_read_mtok: usdRate.optional().describe('USD per million cache-read tokens (default: input_mtok)'),
    cache_write_mtok: usdRate.optional().describe('USD per million cache-write tokens (default: input_mtok)'),
    per_image: usdRate.optional().describe('USD per generated image, whatever its size and quality'),
    per_image_variants: z
      .array(ImagePriceVariantSchema)
      .min(1)
      .optional()
      .describe('USD per generated image by quality and size; the first variant that fits wins'),
    per_embedding: usdRate.optional().describe('USD per embedding returned, for models that bill per item'),
  })
  .refine((prices) => Object.values(prices).some((value) => value !== undefined), 'needs at least one price')
  .refine(
    (prices) => prices.per_image === undefined || prices.per_image_variants === undefined,
    'per_image and per_image_variants exclude each other',
  );
export type OverridePrices = z.infer<typeof OverridePricesSchema>;

const datedShape = {
  effectiveFrom: utcDate.optional().describe('First UTC day the row applies (inclusive)'),
  effectiveTo: utcDate.optional().describe('First UTC day it no longer applies (exclusive)'),
};

const dateOrder = <T extends { effectiveFrom?: string | undefined; effectiveTo?: string | undefined }>(
  value: T,
) =>
  value.effectiveFrom === undefined ||
  value.effectiveTo === undefined ||
  value.effectiveFrom < value.effectiveTo;

export const OverrideEntrySchema = z
  .strictObject({
    model: modelPattern.describe('Foundation model id or system profile id (exact, or with * wildcards)'),
    tier: z.enum(['regional', 'global']).optional().describe('Only invocations in this price tier'),
    region: z
      .string()
      .min(1)
      .optional()
      .describe('Only invocations made from this source region (billed there)'),
    ...datedShape,
    prices: OverridePricesSchema,
    note,
  })
  .refine(dateOrder, 'effectiveFrom must be before effectiveTo');
export type OverrideEntry = z.infer<typeof OverrideEntrySchema>;

const adjustmentShape = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase id, e.g. eu-central-2-premium')
    .describe('Shown in aws_bedrock_price_source'),
  model: modelPattern.optional().describe('Only this model (id, profile id or pattern)'),
  vendor: z.string().min(1).optional().describe('Only this vendor (first segment of the model id)'),
  region: z.string().min(1).optional().describe('Only invocations made from this source region'),
  tier: z.enum(['regional', 'global']).optional(),
  ...datedShape,
  note,
};

export const MultiplierSchema = z
  .strictObject({
    ...adjustmentShape,
    factor: z
      .number()
      .finite()
      .positive()
      .describe('Multiplies the cost, e.g. 1.1 for a 10 % regional premium'),
  })
  .refine(dateOrder, 'effectiveFrom must be before effectiveTo');
export type Multiplier = z.infer<typeof MultiplierSchema>;

export const DiscountSchema = z
  .strictObject({
    ...adjustmentShape,
    factor: z
      .number()
      .finite()
      .positive()
      .max(1)
      .describe('What is still paid, e.g. 0.85 for a 15 % negotiated discount'),
  })
  .refine(dateOrder, 'effectiveFrom must be before effectiveTo');
export type Discount = z.infer<typeof DiscountSchema>;

export const PriceOverridesSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]*@\d{4}-\d{2}-\d{2}(\.\d+)?$/,
        'name@YYYY-MM-DD, e.g. bedrock-o2-overrides@2026-11-25',
      )
      .describe('Table version, written into aws_bedrock_price_source'),
    entries: z
      .array(OverrideEntrySchema)
      .describe('Prices that replace the package’s for matching invocations'),
    multipliers: z
      .array(MultiplierSchema)
      .default([])
      .describe('Applied on top of any price, e.g. regional premiums'),
    discounts: z
      .array(DiscountSchema)
      .default([])
      .describe('Applied on top of any price, e.g. private pricing'),
  })
  .superRefine((table, ctx) => {
    // Ids are what a reader of aws_bedrock_price_source sees; two rows with one id could not be told apart.
    const seen = new Set<string>();
    const adjustments = [
      ...table.multipliers.map((adjustment, index) => ({ adjustment, path: ['multipliers', index, 'id'] })),
      ...table.discounts.map((adjustment, index) => ({ adjustment, path: ['discounts', index, 'id'] })),
    ];
    for (const { adjustment, path } of adjustments) {
      if (seen.has(adjustment.id))
        ctx.addIssue({ code: 'custom', path, message: `duplicate id ${adjustment.id}` });
      seen.add(adjustment.id);
    }
  });
export type PriceOverridesInput = z.input<typeof PriceOverridesSchema>;
export type PriceOverrides = z.output<typeof PriceOverridesSchema>;
