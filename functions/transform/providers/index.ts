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

const SERVED_VENDORS: ReadonlySet<string> = new Set(PROVIDERS.flatMap((provider) => provider.vendors));

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

/** Pick the provider for one log (record-schema §4.11 "Normaliser choice"). */
export function selectProvider(input: ProviderInput): ProviderChoice {
  if (converse.accepts(input)) return { provider: converse, warnings: [] };
  const served = SERVED_VENDORS.has(input.vendor);
  if (served) {
    for (const provider of PROVIDERS) {
      if (provider.vendors.includes(input.vendor) && provider.accepts(input))
        return { provider, warnings: [] };
    }
    return { provider: generic, warnings: hasBody(input) ? ['unknown_body_shape'] : [] };
  }
  // Unresolved ARN (vendor unknown) or a vendor we have no normaliser for: match by shape.
  const byShape = PROVIDERS.find(
    (provider) => provider !== converse && provider !== generic && provider.accepts(input),
  );
  const unknownVendor: WarningCode[] = input.vendor === 'unknown' ? [] : ['unknown_provider'];
  return { provider: byShape ?? generic, warnings: unknownVendor };
}
