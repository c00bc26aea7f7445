import type { WarningCode } from '../../../schemas/invocation-row.ts';
import { ai21 } from './ai21.ts';
import { anthropicMessages } from './anthropic-messages.ts';
import { anthropicText } from './anthropic-text.ts';
import { cohere } from './cohere.ts';
import { cohereEmbed } from './cohere-embed.ts';
import { converse } from './converse.ts';
import { deepseek } from './deepseek.ts';
import { generic } from './generic.ts';
import { llama } from './llama.ts';
import { mistral } from './mistral.ts';
import { nova } from './nova.ts';
import { openai } from './openai.ts';
import type { Provider, ProviderInput } from './provider.ts';
import { qwen } from './qwen.ts';
import { stability } from './stability.ts';
import { titanEmbed } from './titan-embed.ts';
import { titanImage } from './titan-image.ts';
import { titanText } from './titan-text.ts';
import { writer } from './writer.ts';

/**
 * The registry, in selection order. Converse operations always go to `converse`; otherwise the vendor's
 * providers are asked in this order, and models of unknown vendor (imported, custom, provisioned) are
 * matched by body shape in this order. `generic` is last and accepts everything.
 */
export const PROVIDERS: readonly Provider[] = [
  converse,
  anthropicMessages,
  anthropicText,
  nova,
  titanText,
  titanEmbed,
  titanImage,
  llama,
  mistral,
  cohereEmbed,
  cohere,
  ai21,
  deepseek,
  openai,
  writer,
  qwen,
  stability,
  generic,
];

/** Vendor → its providers in registry order, computed once (selection runs for every log). */
const PROVIDERS_BY_VENDOR: ReadonlyMap<string, readonly Provider[]> = new Map(
  [...new Set(PROVIDERS.flatMap((provider) => provider.vendors))].map((vendor) => [
    vendor,
    PROVIDERS.filter((provider) => provider.vendors.includes(vendor)),
  ]),
);
const SHAPE_CANDIDATES: readonly Provider[] = PROVIDERS.filter(
  (provider) => provider.id !== 'converse' && provider.id !== 'generic',
);

export interface ProviderChoice {
  readonly provider: Provider;
  readonly warnings: readonly WarningCode[];
}

function hasBody(input: ProviderInput): boolean {
  return (
    (input.inputBody !== undefined && input.inputBody !== null) ||
    (input.outputBody !== undefined && input.outputBody !== null)
  );
}

const NO_WARNINGS: readonly WarningCode[] = [];
const UNKNOWN_BODY_SHAPE: readonly WarningCode[] = ['unknown_body_shape'];
const UNKNOWN_PROVIDER: readonly WarningCode[] = ['unknown_provider'];

/** Pick the provider for one log (record-schema §4.11 "Normaliser choice"). */
export function selectProvider(input: ProviderInput): ProviderChoice {
  if (converse.accepts(input)) return { provider: converse, warnings: NO_WARNINGS };
  const candidates = PROVIDERS_BY_VENDOR.get(input.vendor);
  if (candidates !== undefined) {
    for (const provider of candidates)
      if (provider.accepts(input)) return { provider, warnings: NO_WARNINGS };
    return { provider: generic, warnings: hasBody(input) ? UNKNOWN_BODY_SHAPE : NO_WARNINGS };
  }
  // Unresolved ARN (vendor unknown) or a vendor we have no normaliser for: match by shape.
  const byShape = SHAPE_CANDIDATES.find((provider) => provider.accepts(input));
  return {
    provider: byShape ?? generic,
    warnings: input.vendor === 'unknown' ? NO_WARNINGS : UNKNOWN_PROVIDER,
  };
}
