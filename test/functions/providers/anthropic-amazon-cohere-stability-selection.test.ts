import { describe, expect, it } from 'vitest';
import { anthropicText } from '../../../functions/transform/providers/anthropic-text.ts';
import { cohere } from '../../../functions/transform/providers/cohere.ts';
import { cohereEmbed } from '../../../functions/transform/providers/cohere-embed.ts';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import { nova } from '../../../functions/transform/providers/nova.ts';
import type { Provider } from '../../../functions/transform/providers/provider.ts';
import { stability } from '../../../functions/transform/providers/stability.ts';
import { titanEmbed } from '../../../functions/transform/providers/titan-embed.ts';
import { titanImage } from '../../../functions/transform/providers/titan-image.ts';
import { titanText } from '../../../functions/transform/providers/titan-text.ts';
import { asUnknownVendor, FIXTURES, inputOfLog } from '../../helpers/provider-input.ts';

/**
 * Discrimination of the anthropic_text, nova, titan_*, stability, cohere and cohere_embed normalisers over every
 * fixture in test/fixtures/bedrock (the folder names the normaliser that must handle it).
 */

const PROVIDERS: readonly Provider[] = [
  anthropicText,
  nova,
  titanText,
  titanEmbed,
  titanImage,
  stability,
  cohere,
  cohereEmbed,
];
const OWN_FOLDERS: ReadonlySet<string> = new Set(PROVIDERS.map((provider) => provider.id));

/**
 * Legitimate overlaps: a Converse request has exactly the Nova InvokeModel shape (Nova's native API mirrors
 * Converse). Harmless, because Converse operations are routed to `converse` before any shape test.
 */
const SHAPE_OVERLAPS: ReadonlySet<string> = new Set(['nova:converse']);

const cases = FIXTURES.flatMap((fixture) =>
  PROVIDERS.map((provider) => ({
    provider,
    fixture: `${fixture.normaliser}/${fixture.name}`,
    input: inputOfLog(fixture.log),
    expected:
      fixture.normaliser === provider.id || SHAPE_OVERLAPS.has(`${provider.id}:${fixture.normaliser}`),
  })),
);

describe('accepts: each fixture by its own normaliser only', () => {
  it.each(cases)('$provider.id on $fixture → $expected', ({ provider, input, expected }) => {
    expect(provider.accepts(input)).toBe(expected);
  });

  it.each(cases)(
    '$provider.id on $fixture, model unresolved → $expected',
    ({ provider, input, expected }) => {
      expect(provider.accepts(asUnknownVendor(input))).toBe(expected);
    },
  );
});

const own = FIXTURES.filter((fixture) => OWN_FOLDERS.has(fixture.normaliser)).map((fixture) => ({
  name: `${fixture.normaliser}/${fixture.name}`,
  normaliser: fixture.normaliser,
  input: inputOfLog(fixture.log),
}));

describe('selectProvider (registry order) picks the fixture’s normaliser', () => {
  it.each(own)('$name', ({ normaliser, input }) => {
    expect(selectProvider(input)).toEqual({
      provider: expect.objectContaining({ id: normaliser }),
      warnings: [],
    });
  });

  it.each(own)('$name, unresolved model (imported/custom), by shape alone', ({ normaliser, input }) => {
    expect(selectProvider(asUnknownVendor(input)).provider.id).toBe(normaliser);
  });

  it.each(own)('$name, unresolved model, output offloaded', ({ normaliser, input }) => {
    expect(selectProvider(asUnknownVendor({ ...input, outputBody: null })).provider.id).toBe(normaliser);
  });

  it.each(own.filter(({ input }) => input.outputBody !== undefined && input.outputBody !== null))(
    '$name, unresolved model, input offloaded',
    ({ normaliser, input }) => {
      expect(selectProvider(asUnknownVendor({ ...input, inputBody: null })).provider.id).toBe(normaliser);
    },
  );

  it.each(own)('$name, resolved model, no bodies at all: by model id', ({ normaliser, input }) => {
    const selected = selectProvider({ ...input, inputBody: null, outputBody: null }).provider.id;
    // The Text Completions API cannot be told from Messages by a Claude v2 id, so it is not guessed.
    expect(selected).toBe(normaliser === 'anthropic_text' ? 'generic' : normaliser);
  });
});
