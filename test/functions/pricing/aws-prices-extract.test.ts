import { readFileSync } from 'node:fs';
import * as pkg from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import * as extracted from '../../../functions/transform/pricing/genai-prices-aws.js';
import {
  EXTRACTED_MODULE,
  providersToKeep,
  renderExtractedModule,
} from '../../../scripts/extract-aws-prices.ts';

describe('the Lambda’s AWS-only copy of @pydantic/genai-prices', () => {
  it('is what the extractor makes of the installed package (run npm run prices:extract after an upgrade)', () => {
    expect(readFileSync(EXTRACTED_MODULE, 'utf8')).toBe(renderExtractedModule());
  });

  it('holds exactly the package’s AWS provider data', () => {
    const ours = extracted.findProvider({ providerId: 'aws' });
    expect(ours).toEqual(pkg.findProvider({ providerId: 'aws' }));
    expect(ours?.models.length).toBeGreaterThan(50);
    // Nothing else: another provider is not found in the copy.
    expect(pkg.findProvider({ providerId: 'openai' })).toBeDefined();
    expect(extracted.findProvider({ providerId: 'openai' })).toBeUndefined();
    expect(providersToKeep().map((provider) => provider.id)).toEqual(['aws']);
  });

  it('prices every AWS model exactly as the package does, on every dated price', () => {
    const provider = pkg.findProvider({ providerId: 'aws' });
    const usages = [
      { input_tokens: 1_234, output_tokens: 567 },
      { input_tokens: 300_000, output_tokens: 40_000, cache_read_tokens: 100_000, cache_write_tokens: 2_000 },
    ];
    const dates = ['2024-01-01T00:00:00Z', '2025-06-01T12:00:00Z', '2026-11-01T23:30:00Z'].map(
      (iso) => new Date(iso),
    );
    let compared = 0;
    for (const model of provider?.models ?? []) {
      for (const usage of usages) {
        for (const timestamp of dates) {
          const options = { providerId: 'aws', timestamp };
          expect(extracted.calcPrice(usage, model.id, options)).toEqual(
            pkg.calcPrice(usage, model.id, options),
          );
          compared++;
        }
      }
    }
    // Ids as Bedrock logs them (profile prefixes, dated versions) resolve to the same model too.
    for (const id of [
      'us.anthropic.claude-3-7-sonnet-20250219-v1:0',
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'amazon.nova-lite-v1:0',
      'meta.llama3-70b-instruct-v1:0',
      'no.such-model-v9',
    ]) {
      const options = { providerId: 'aws', timestamp: dates[1] as Date };
      expect(extracted.calcPrice(usages[0] ?? {}, id, options)).toEqual(
        pkg.calcPrice(usages[0] ?? {}, id, options),
      );
    }
    expect(compared).toBeGreaterThan(300);
  });
});
